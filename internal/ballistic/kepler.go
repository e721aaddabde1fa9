package ballistic

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/geo"
)

// ErrNoKepler is wrapped by [Kepler] when the iteration on the universal
// anomaly does not converge (for a time so long that it overflows).
var ErrNoKepler = errors.New("ballistic: kepler did not converge")

// Kepler returns the two-body state dt after s in an inertial frame (s is
// taken as inertial: use [Inertial] first for an Earth-fixed state), by the
// universal-variable formulation with Stumpff functions (Vallado,
// Fundamentals of Astrodynamics and Applications, 4th ed., Algorithm 8;
// Curtis, Orbital Mechanics for Engineering Students, Algorithm 3.4). It is
// exact to rounding for elliptic, parabolic and hyperbolic orbits. A
// non-finite or zero position fails with [ErrInvalidState].
func Kepler(s State, dt time.Duration) (State, error) {
	const mu = geo.GM
	if !stateFinite(s) || r3.Norm(s.R) == 0 {
		return s, fmt.Errorf("kepler: %w: %+v", ErrInvalidState, s)
	}
	smu := math.Sqrt(mu)
	t := secs(dt)
	r0 := r3.Norm(s.R)
	v02 := r3.Dot(s.V, s.V)
	vr0 := r3.Dot(s.R, s.V) / r0
	alpha := 2/r0 - v02/mu // 1/a

	// F(χ) = √μ·t(χ) − √μ·t is strictly increasing (dF/dχ = r > 0), so a
	// bracketed Newton iteration with bisection fallback always converges,
	// where plain Newton can diverge for the near-radial orbits of lofted
	// flights.
	kf := func(chi float64) (f, fp float64) {
		z := alpha * chi * chi
		c, sz := stumpff(z)
		chi2 := chi * chi
		f = r0*vr0/smu*chi2*c + (1-alpha*r0)*chi2*chi*sz + r0*chi - smu*t
		fp = r0*vr0/smu*chi*(1-z*sz) + (1-alpha*r0)*chi2*c + r0
		return f, fp
	}
	guess := smu * t / r0
	if alpha > 0 {
		guess = smu * alpha * t // Chobotov's guess for ellipses
	}
	lo, hi := 0.0, 0.0
	if t > 0 {
		hi = guess
		for f, _ := kf(hi); f < 0 && finite(hi); f, _ = kf(hi) {
			lo, hi = hi, 2*hi
		}
	} else {
		lo = guess
		for f, _ := kf(lo); f > 0 && finite(lo); f, _ = kf(lo) {
			lo, hi = 2*lo, lo
		}
	}
	chi := 0.5 * (lo + hi)
	converged := t == 0
	for range 200 {
		if converged {
			break
		}
		f, fp := kf(chi)
		if f < 0 {
			lo = chi
		} else {
			hi = chi
		}
		next := chi - f/fp
		if !(next > lo && next < hi) {
			next = 0.5 * (lo + hi)
		}
		converged = math.Abs(next-chi) <= 1e-13*max(1, math.Abs(next)) || hi-lo <= 1e-13*max(1, math.Abs(next))
		chi = next
	}
	if !converged || !finite(chi) {
		return s, fmt.Errorf("kepler %v: %w", dt, ErrNoKepler)
	}
	z := alpha * chi * chi
	c, sz := stumpff(z)
	chi2 := chi * chi
	f := 1 - chi2/r0*c
	g := t - chi2*chi*sz/smu
	r := r3.Add(r3.Scale(f, s.R), r3.Scale(g, s.V))
	rn := r3.Norm(r)
	fd := smu / (rn * r0) * (z*chi*sz - chi)
	gd := 1 - chi2/rn*c
	v := r3.Add(r3.Scale(fd, s.R), r3.Scale(gd, s.V))
	return State{R: r, V: v}, nil
}

// stumpff returns the Stumpff functions C(z) and S(z), by their series
// near zero where the closed forms cancel.
func stumpff(z float64) (c, s float64) {
	switch {
	case math.Abs(z) < 0.1:
		// C = Σ (−z)^k/(2k+2)!, S = Σ (−z)^k/(2k+3)!
		c, s = 0, 0
		term := 1.0
		for k := range 10 {
			c += term / fact(2*k+2)
			s += term / fact(2*k+3)
			term *= -z
		}
		return c, s
	case z > 0:
		sq := math.Sqrt(z)
		return (1 - math.Cos(sq)) / z, (sq - math.Sin(sq)) / (sq * z)
	default:
		sq := math.Sqrt(-z)
		return (math.Cosh(sq) - 1) / -z, (math.Sinh(sq) - sq) / (sq * -z)
	}
}

func fact(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

// Inertial returns the Earth-fixed state s, taken at time t after an epoch
// at which the inertial frame coincides with ECEF, in that inertial frame
// (rotated by Ωt about Z; velocity plus ω×r).
func Inertial(s State, t time.Duration) State {
	v := r3.Add(s.V, omegaCross(s.R))
	th := geo.Omega * secs(t)
	return State{R: rotZ(s.R, th), V: rotZ(v, th)}
}

// EarthFixed inverts [Inertial]: it returns the inertial state s at time t
// in the Earth-fixed frame.
func EarthFixed(s State, t time.Duration) State {
	th := -geo.Omega * secs(t)
	r := rotZ(s.R, th)
	v := r3.Sub(rotZ(s.V, th), omegaCross(r))
	return State{R: r, V: v}
}

func omegaCross(r r3.Vec) r3.Vec { return r3.Vec{X: -geo.Omega * r.Y, Y: geo.Omega * r.X} }

func rotZ(v r3.Vec, th float64) r3.Vec {
	s, c := math.Sincos(th)
	return r3.Vec{X: c*v.X - s*v.Y, Y: s*v.X + c*v.Y, Z: v.Z}
}

// EarthRadius is the radius of the spherical Earth of the closed forms,
// the mean radius 6,371 km.
const EarthRadius geo.Meters = 6371e3

// Arc is a Keplerian free flight on a spherical, non-rotating Earth without
// air, from burnout at the surface to impact at the surface
// (research/tracking.md §3.6; Bate, Mueller and White, Fundamentals of
// Astrodynamics, 1971, ch. 6).
type Arc struct {
	Speed  float64       // burnout speed, m/s
	Gamma  geo.Degrees   // flight-path angle above the local horizontal at burnout
	Range  geo.Meters    // ground range on the sphere
	Apogee geo.Meters    // height of the apogee above the sphere
	Time   time.Duration // free-flight time
}

// MinimumEnergyArc returns the arc that reaches rng with the least burnout
// speed: Q* = 2 sin(Ψ/2)/(1 + sin(Ψ/2)), γ* = (π − Ψ)/4, Ψ = rng/R.
func MinimumEnergyArc(rng geo.Meters) Arc {
	psi := float64(rng / EarthRadius)
	sh := math.Sin(psi / 2)
	q := 2 * sh / (1 + sh)
	gamma := (math.Pi - psi) / 4
	return arcFromQ(q, gamma, psi)
}

// ArcFor returns the arc with ground range rng and apogee height apogee:
// with c = cos(Ψ/2), e = (r_a − R)/(r_a − R·c), a = r_a/(1+e),
// v² = μ(2/R − 1/a) and cos γ = √(μ·r_a(1−e))/(R·v). It fails for a
// non-positive range or apogee.
func ArcFor(rng, apogee geo.Meters) (Arc, error) {
	if !(rng > 0) || !(apogee > 0) || !finite(float64(rng)) || !finite(float64(apogee)) {
		return Arc{}, fmt.Errorf("%w: arc for range %v m, apogee %v m", ErrInvalidState, float64(rng), float64(apogee))
	}
	const mu = geo.GM
	r := float64(EarthRadius)
	psi := float64(rng) / r
	ra := r + float64(apogee)
	c := math.Cos(psi / 2)
	e := (ra - r) / (ra - r*c)
	a := ra / (1 + e)
	v := math.Sqrt(mu * (2/r - 1/a))
	cg := math.Sqrt(mu*ra*(1-e)) / (r * v)
	gamma := math.Acos(min(1, cg))
	return arcFromQ(v*v*r/mu, gamma, psi), nil
}

// arcFromQ completes an arc from Q = v²R/μ, γ (radians) and Ψ.
func arcFromQ(q, gamma, psi float64) Arc {
	const mu = geo.GM
	r := float64(EarthRadius)
	v := math.Sqrt(q * mu / r)
	a := r / (2 - q)
	p := r * q * sq(math.Cos(gamma))
	e := math.Sqrt(max(0, 1-p/a))
	ra := a * (1 + e)
	// Eccentric anomaly at burnout (ascending, before apogee).
	ce := (1 - r/a) / e
	e1 := math.Acos(max(-1, min(1, ce)))
	tff := 2 * math.Sqrt(a*a*a/mu) * (math.Pi - e1 + e*math.Sin(e1))
	return Arc{
		Speed:  v,
		Gamma:  geo.Radians(gamma).Degrees(),
		Range:  geo.Meters(psi * r),
		Apogee: geo.Meters(ra - r),
		Time:   dur(tff),
	}
}

// EquivalentRange returns the minimum-energy range of a burnout speed: the
// farthest a surface burnout at speed v reaches, sin(Ψmax/2) = Q/(2−Q). It
// is +Inf from orbital speed (Q ≥ 1) on. The class of a lofted or
// depressed flight follows from the equivalent range of its arc's speed
// (research/tracking.md §3.6, §5.6).
func EquivalentRange(v float64) geo.Meters {
	q := v * v * float64(EarthRadius) / geo.GM
	if q >= 1 {
		return geo.Meters(math.Inf(1))
	}
	return geo.Meters(2*math.Asin(q/(2-q))) * EarthRadius
}
