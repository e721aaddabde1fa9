package geo

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Rotation is a 3×3 rotation matrix, row-major: R[i][j] is row i, column j.
// It converts to and from a plain [3][3]float64.
type Rotation [3][3]float64

// Apply returns R·v.
func (r Rotation) Apply(v r3.Vec) r3.Vec {
	return r3.Vec{
		X: r[0][0]*v.X + r[0][1]*v.Y + r[0][2]*v.Z,
		Y: r[1][0]*v.X + r[1][1]*v.Y + r[1][2]*v.Z,
		Z: r[2][0]*v.X + r[2][1]*v.Y + r[2][2]*v.Z,
	}
}

// ApplyT returns Rᵀ·v, the inverse rotation.
func (r Rotation) ApplyT(v r3.Vec) r3.Vec {
	return r3.Vec{
		X: r[0][0]*v.X + r[1][0]*v.Y + r[2][0]*v.Z,
		Y: r[0][1]*v.X + r[1][1]*v.Y + r[2][1]*v.Z,
		Z: r[0][2]*v.X + r[1][2]*v.Y + r[2][2]*v.Z,
	}
}

// T returns the transpose (the inverse) of r.
func (r Rotation) T() Rotation {
	var t Rotation
	for i := range 3 {
		for j := range 3 {
			t[i][j] = r[j][i]
		}
	}
	return t
}

// Mat returns r as a gonum matrix (for covariance algebra with gonum/mat).
func (r Rotation) Mat() *r3.Mat {
	return r3.NewMat([]float64{
		r[0][0], r[0][1], r[0][2],
		r[1][0], r[1][1], r[1][2],
		r[2][0], r[2][1], r[2][2],
	})
}

// ENUToECEFRotation returns the rotation taking vectors in the local
// East-North-Up frame at origin to ECEF vectors (its columns are the east,
// north and up unit vectors in ECEF). Use it for velocities and covariances:
// v_ECEF = R·v_ENU, P_ECEF = R·P_ENU·Rᵀ. Up is the ellipsoid normal at the
// origin's geodetic latitude; origin.Alt does not matter.
func ENUToECEFRotation(origin LLA) Rotation {
	sphi, cphi := sincosd(float64(origin.Lat))
	slam, clam := sincosd(float64(origin.Lon))
	return Rotation{
		{-slam, -sphi * clam, cphi * clam},
		{clam, -sphi * slam, cphi * slam},
		{0, cphi, sphi},
	}
}

// ENU returns target's East, North and Up coordinates in metres in the local
// tangent frame at origin.
func ENU(origin LLA, target ECEF) r3.Vec {
	o := origin.ECEF()
	r := ENUToECEFRotation(origin)
	return r.ApplyT(r3.Vec{X: target.X - o.X, Y: target.Y - o.Y, Z: target.Z - o.Z})
}

// FromENU returns the ECEF position at local coordinates enu (metres) from
// origin; it inverts [ENU].
func FromENU(origin LLA, enu r3.Vec) ECEF {
	o := origin.ECEF()
	r := ENUToECEFRotation(origin)
	d := r.Apply(enu)
	return ECEF{X: o.X + d.X, Y: o.Y + d.Y, Z: o.Z + d.Z}
}

// AER returns target's azimuth (degrees clockwise from true north, in
// [0, 360)), elevation above the local horizontal plane (degrees, in
// [−90, 90]) and slant range from origin. For a target straight above or
// below the origin the azimuth is 0.
func AER(origin LLA, target ECEF) (az, el Degrees, rng Meters) {
	v := ENU(origin, target)
	return enuToAER(v)
}

func enuToAER(v r3.Vec) (az, el Degrees, rng Meters) {
	horiz := math.Hypot(v.X, v.Y)
	a := atan2d(v.X, v.Y)
	if a < 0 {
		a += 360
	}
	if a >= 360 { // −tiny + 360 rounds to 360
		a = 0
	}
	return Degrees(a + 0), Degrees(atan2d(v.Z, horiz)), Meters(math.Hypot(horiz, v.Z))
}

// FromAER returns the ECEF position at azimuth az (degrees clockwise from
// north), elevation el (degrees) and slant range rng from origin; it inverts
// [AER].
func FromAER(origin LLA, az, el Degrees, rng Meters) ECEF {
	return FromENU(origin, AERToENU(az, el, rng))
}

// AERToENU returns the local East-North-Up vector for azimuth, elevation and
// range.
func AERToENU(az, el Degrees, rng Meters) r3.Vec {
	saz, caz := sincosd(float64(az))
	sel, cel := sincosd(float64(el))
	r := float64(rng)
	return r3.Vec{X: r * cel * saz, Y: r * cel * caz, Z: r * sel}
}
