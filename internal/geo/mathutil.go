package geo

import "math"

// Angle helpers from GeographicLib's Math class (Karney 2013, and the
// GeographicLib sources), which keep quadrant angles exact.

const degree = math.Pi / 180

// sincosd returns sin and cos of x degrees, exact at multiples of 90°.
func sincosd(x float64) (s, c float64) {
	r := math.Mod(x, 360)
	q := 0
	if !math.IsNaN(r) {
		q = int(math.Round(r / 90))
	}
	r -= 90 * float64(q)
	r *= degree
	s, c = math.Sincos(r)
	switch uint(q) & 3 {
	case 1:
		s, c = c, -s
	case 2:
		s, c = -s, -c
	case 3:
		s, c = -c, s
	}
	c += 0 // turn −0 into +0
	if s == 0 {
		s = math.Copysign(s, x)
	}
	return s, c
}

// atan2d returns atan2(y, x) in degrees, in [−180, 180], exact on the axes.
func atan2d(y, x float64) float64 {
	q := 0
	if math.Abs(y) > math.Abs(x) {
		x, y = y, x
		q = 2
	}
	if x < 0 {
		x = -x
		q++
	}
	ang := math.Atan2(y, x) / degree
	switch q {
	case 1:
		ang = math.Copysign(180, y) - ang
	case 2:
		ang = 90 - ang
	case 3:
		ang = -90 + ang
	}
	return ang
}

// angNormalize reduces x to [−180, 180], keeping the sign of ±180.
func angNormalize(x float64) float64 {
	y := math.Remainder(x, 360)
	if math.Abs(y) == 180 {
		return math.Copysign(180, x)
	}
	return y
}

// twoSum returns s = u+v and the rounding error t such that s+t = u+v exactly.
func twoSum(u, v float64) (s, t float64) {
	s = u + v
	up := s - v
	vpp := s - up
	up -= u
	vpp -= v
	t = -(up + vpp)
	return s, t
}

// angDiff returns y−x reduced to [−180, 180] as d+e, with e the rounding error.
func angDiff(x, y float64) (d, e float64) {
	d, e = twoSum(math.Remainder(-x, 360), math.Remainder(y, 360))
	d, e = twoSum(math.Remainder(d, 360), e)
	if d == 0 || math.Abs(d) == 180 {
		s := y - x
		if e != 0 {
			s = -e
		}
		d = math.Copysign(d, s)
	}
	return d, e
}

// angRound rounds tiny angles to zero (to multiples of 1/2⁵⁷ below 1/16°) so
// that results are symmetric.
func angRound(x float64) float64 {
	const z = 1.0 / 16
	y := math.Abs(x)
	w := z - y
	if w > 0 {
		y = z - w
	}
	return math.Copysign(y, x)
}

// latFix returns NaN for latitudes beyond ±90°.
func latFix(x float64) float64 {
	if math.Abs(x) > 90 {
		return math.NaN()
	}
	return x
}

// norm2 scales (x, y) to unit length.
func norm2(x, y float64) (float64, float64) {
	r := math.Hypot(x, y)
	return x / r, y / r
}

// polyval evaluates the polynomial p[0]xⁿ + … + p[n] (n = len(p)−1).
func polyval(p []float64, x float64) float64 {
	if len(p) == 0 {
		return 0
	}
	y := p[0]
	for _, c := range p[1:] {
		y = y*x + c
	}
	return y
}

func sq(x float64) float64 { return x * x }

// resolvent returns u = r + t + r²/t, the root of the cubic resolvent
// shared by Vermeille's geodetic conversion (2002) and Karney's astroid
// (2013, eq. 55-57), given r and s (s·(s+2r³) is the discriminant). It
// picks the sign of each root that avoids cancellation.
func resolvent(r, s float64) float64 {
	r2 := r * r
	r3 := r * r2
	disc := s * (s + 2*r3)
	u := r
	if disc >= 0 {
		t3 := s + r3
		if t3 < 0 {
			t3 -= math.Sqrt(disc)
		} else {
			t3 += math.Sqrt(disc)
		}
		t := math.Cbrt(t3)
		u += t
		if t != 0 {
			u += r2 / t
		}
	} else {
		// Three real roots; take the one that avoids cancellation.
		ang := math.Atan2(math.Sqrt(-disc), -(s + r3))
		u += 2 * r * math.Cos(ang/3)
	}
	return u
}
