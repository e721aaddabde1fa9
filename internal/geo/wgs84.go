package geo

import "math"

// WGS 84 defining and derived parameters, NIMA TR8350.2 (3rd ed., 2000),
// chapter 3.
const (
	// A is the semi-major (equatorial) axis, m.
	A = 6378137.0
	// F is the flattening (a−b)/a.
	F = 1 / 298.257223563
	// GM is the Earth's gravitational constant including the atmosphere, m³/s².
	GM = 3.986004418e14
	// J2 is the dynamic form factor, −√5·C̄20 with C̄20 = −4.84166774985e−4
	// (TR8350.2 Table 3.1 footnote).
	J2 = 1.08262982131e-3
	// Omega is the Earth's nominal rotation rate, rad/s.
	Omega = 7.292115e-5

	// B is the semi-minor (polar) axis a(1−f), m.
	B = A * (1 - F)
	// E2 is the first eccentricity squared f(2−f).
	E2 = F * (2 - F)
	// EP2 is the second eccentricity squared e²/(1−e²).
	EP2 = E2 / (1 - E2)
)

// Meters is a length or distance in metres.
type Meters float64

// Degrees is an angle in degrees.
type Degrees float64

// Radians is an angle in radians.
type Radians float64

// Radians converts d to radians.
func (d Degrees) Radians() Radians { return Radians(float64(d) * (math.Pi / 180)) }

// Degrees converts r to degrees.
func (r Radians) Degrees() Degrees { return Degrees(float64(r) * (180 / math.Pi)) }

// NormalizeLon reduces lon to the range (−180, 180]. NaN and ±Inf give NaN.
func NormalizeLon(lon Degrees) Degrees {
	y := math.Remainder(float64(lon), 360)
	if y == -180 {
		y = 180
	}
	return Degrees(y)
}
