package ballistic

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/spatial/r3"
)

// Profile is the shape of a flight, as the scenario's `trajectory:` field
// names it. The zero value is ProfileUnknown, which [Solve] and
// [Launch.Fly] treat as ProfileBallistic. Values are persisted: do not
// reorder.
type Profile uint8

const (
	// ProfileUnknown is the zero value: no profile given.
	ProfileUnknown Profile = iota
	// ProfileBallistic is a standard or lofted flight: a pitch program
	// from a vertical launch, then free flight under gravity and drag,
	// with an apogee at least [MinBallisticApogeeRatio] of the
	// minimum-energy apogee for its range.
	ProfileBallistic
	// ProfileDepressed is a ballistic flight flattened below that: the
	// pitch program ends low, so the vehicle stays in the upper
	// atmosphere and its apogee is well below the minimum-energy one. The
	// free flight is still purely ballistic.
	ProfileDepressed
	// ProfilePullUp is a depressed boost followed by an aerodynamic
	// pull-up and glide in the descent (a KN-23-like flight): from the
	// apogee down to [PullUpFloor], lift of up to [Launch.LiftToDrag] times
	// the drag acts in the vertical plane whenever the flight descends,
	// levelling it into a shallow glide; below the floor the vehicle dives
	// ballistically. It is not ballistic: a ballistic fit to its descent
	// misses by hundreds of kilometres.
	ProfilePullUp
)

var profileNames = [...]string{"unknown", "ballistic", "depressed", "pullup"}

// String returns "ballistic", "depressed", "pullup" or "unknown".
func (p Profile) String() string {
	if int(p) < len(profileNames) {
		return profileNames[p]
	}
	return fmt.Sprintf("Profile(%d)", uint8(p))
}

// MarshalText encodes p as its String; it fails for values out of range.
func (p Profile) MarshalText() ([]byte, error) {
	if int(p) >= len(profileNames) {
		return nil, fmt.Errorf("ballistic: marshal profile %d: out of range", uint8(p))
	}
	return []byte(profileNames[p]), nil
}

// UnmarshalText decodes a profile name in any letter case ("pull-up" is
// accepted for "pullup"); "" and "unknown" give ProfileUnknown.
func (p *Profile) UnmarshalText(b []byte) error {
	s := strings.ReplaceAll(string(b), "-", "")
	if s == "" {
		*p = ProfileUnknown
		return nil
	}
	for i, n := range profileNames {
		if strings.EqualFold(s, n) {
			*p = Profile(i)
			return nil
		}
	}
	return fmt.Errorf("ballistic: unknown trajectory profile %q (want ballistic, depressed or pullup)", string(b))
}

// Pull-up manoeuvre parameters.
const (
	// DefaultLiftToDrag is the lift-to-drag ratio of a pull-up flight when
	// the launch gives none: a moderate value for a finned manoeuvring
	// body (the Iskander/KN-23 family is not published; L/D of 1–2 is
	// typical of manoeuvring re-entry bodies).
	DefaultLiftToDrag = 2.0
	// PullUpFloor is the height below which the pull-up vehicle stops
	// lifting and dives on its target.
	PullUpFloor = 12e3
	// maxLiftG caps the lift acceleration at this many standard g.
	maxLiftG = 6.0
	// liftFade is the height band over which lift fades in above the floor.
	liftFade = 2e3
)

// liftProgram is the aerodynamic lift of a pull-up glide: |L| = (L/D)·|D|
// with D the drag of the body, capped at maxLiftG, perpendicular to the
// velocity in the vertical plane and pointing up (bank angle zero). The
// vehicle lifts only to stop its descent: the lift fades out as the
// flight-path angle rises from −glideAngle to level, so the flight pulls
// up into a shallow glide instead of skipping back up.
type liftProgram struct {
	ld    float64 // lift-to-drag ratio
	alpha float64 // 1/β, m²/kg
}

// glideAngle is the descent angle (radians) below which full lift acts.
const glideAngle = 3 * math.Pi / 180

func (l *liftProgram) accel(r, v r3.Vec) r3.Vec {
	h := heightFast(r)
	if h <= PullUpFloor {
		return r3.Vec{}
	}
	rho := density(h)
	if rho == 0 {
		return r3.Vec{}
	}
	v2 := r3.Dot(v, v)
	vn := math.Sqrt(v2)
	u := r3.Scale(1/math.Sqrt(r3.Dot(r, r)), r)
	sinGamma := r3.Dot(u, v) / vn
	if sinGamma >= 0 {
		return r3.Vec{}
	}
	mag := min(l.ld*0.5*rho*v2*l.alpha, maxLiftG*atmG0)
	if x := -sinGamma / math.Sin(glideAngle); x < 1 {
		mag *= smoothstep(x)
	}
	if h < PullUpFloor+liftFade {
		mag *= smoothstep((h - PullUpFloor) / liftFade)
	}
	// Unit vector normal to v in the plane of v and the radial direction.
	vh := r3.Scale(1/vn, v)
	n := r3.Sub(u, r3.Scale(sinGamma, vh))
	nn := r3.Norm(n)
	if nn < 1e-9 {
		return r3.Vec{}
	}
	return r3.Scale(mag/nn, n)
}

// smoothstep is 3x² − 2x³ on [0, 1]: a ramp with zero slope at both ends.
func smoothstep(x float64) float64 { return x * x * (3 - 2*x) }
