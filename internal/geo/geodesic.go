package geo

import "math"

// Geodesics on the WGS-84 ellipsoid after C. F. F. Karney, "Algorithms for
// geodesics", J. Geodesy 87:43–55 (2013), doi:10.1007/s00190-012-0578-z,
// following the structure of GeographicLib's Geodesic class with series to
// order 6 in the third flattening n (GEOGRAPHICLIB_GEODESIC_ORDER = 6).
// Names follow the paper: β reduced latitude, σ arc length and ω longitude
// on the auxiliary sphere, α azimuth, ε the expansion parameter.

const (
	geodN    = F / (2 - F) // third flattening
	geodF1   = 1 - F
	nSeries  = 6
	maxit1   = 20
	maxit2   = maxit1 + 53 + 10
	geodTol0 = 0x1p-52 // DBL_EPSILON
	geodTol1 = 200 * geodTol0
	geodTolb = geodTol0
)

var (
	geodTol2    = math.Sqrt(geodTol0)
	geodTiny    = math.Sqrt(math.SmallestNonzeroFloat64 * (1 << 52)) // √DBL_MIN
	geodXthresh = 1000 * geodTol2
	// etol2 is the threshold for the short-line approximation in inverseStart.
	geodEtol2 = 0.1 * geodTol2 / math.Sqrt(math.Max(0.001, math.Abs(F))*math.Min(1, 1-F/2)/2)

	// a3x and c3x are the coefficients of A3 and C3 as
	// polynomials in ε, with n substituted.
	a3x [nSeries]float64
	c3x [nSeries * (nSeries - 1) / 2]float64
)

func init() {
	// A3 coefficients, highest order in ε first (GeographicLib A3coeff).
	a3coeff := []float64{
		-3, 128,
		-2, -3, 64,
		-1, -3, -1, 16,
		3, -1, -2, 8,
		1, -1, 2,
		1, 1,
	}
	o, k := 0, 0
	for j := nSeries - 1; j >= 0; j-- {
		m := min(nSeries-j-1, j)
		a3x[k] = polyval(a3coeff[o:o+m+1], geodN) / a3coeff[o+m+1]
		k++
		o += m + 2
	}
	// C3 coefficients (GeographicLib C3coeff).
	c3coeff := []float64{
		3, 128,
		2, 5, 128,
		-1, 3, 3, 64,
		-1, 0, 1, 8,
		-1, 1, 4,
		5, 256,
		1, 3, 128,
		-3, -2, 3, 64,
		1, -3, 2, 32,
		7, 512,
		-10, 9, 384,
		5, -9, 5, 192,
		7, 512,
		-14, 7, 512,
		21, 2560,
	}
	o, k = 0, 0
	for l := 1; l < nSeries; l++ {
		for j := nSeries - 1; j >= l; j-- {
			m := min(nSeries-j-1, j)
			c3x[k] = polyval(c3coeff[o:o+m+1], geodN) / c3coeff[o+m+1]
			k++
			o += m + 2
		}
	}
}

// a1m1f returns A1−1.
func a1m1f(eps float64) float64 {
	coeff := [...]float64{1, 4, 64, 0, 256}
	t := polyval(coeff[:4], sq(eps)) / coeff[4]
	return (t + eps) / (1 - eps)
}

// c1f fills c[1..6] with C1l.
func c1f(eps float64, c *[nSeries + 1]float64) {
	coeff := [...]float64{
		-1, 6, -16, 32,
		-9, 64, -128, 2048,
		9, -16, 768,
		3, -5, 512,
		-7, 1280,
		-7, 2048,
	}
	seriesFill(coeff[:], eps, c[:])
}

// c1pf fills c[1..6] with C′1l, for the reversion σ(τ).
func c1pf(eps float64, c *[nSeries + 1]float64) {
	coeff := [...]float64{
		205, -432, 768, 1536,
		4005, -4736, 3840, 12288,
		-225, 116, 384,
		-7173, 2695, 7680,
		3467, 7680,
		38081, 61440,
	}
	seriesFill(coeff[:], eps, c[:])
}

// a2m1f returns A2−1.
func a2m1f(eps float64) float64 {
	coeff := [...]float64{-11, -28, -192, 0, 256}
	t := polyval(coeff[:4], sq(eps)) / coeff[4]
	return (t - eps) / (1 + eps)
}

// c2f fills c[1..6] with C2l.
func c2f(eps float64, c *[nSeries + 1]float64) {
	coeff := [...]float64{
		1, 2, 16, 32,
		35, 64, 384, 2048,
		15, 80, 768,
		7, 35, 512,
		63, 1280,
		77, 2048,
	}
	seriesFill(coeff[:], eps, c[:])
}

// seriesFill evaluates c[l] = εˡ·P_l(ε²)/d_l for l = 1..len(c)−1 from the
// packed coefficient list (each polynomial followed by its divisor).
func seriesFill(coeff []float64, eps float64, c []float64) {
	eps2 := sq(eps)
	d := eps
	o := 0
	for l := 1; l < len(c); l++ {
		m := (len(c) - 1 - l) / 2
		c[l] = d * polyval(coeff[o:o+m+1], eps2) / coeff[o+m+1]
		o += m + 2
		d *= eps
	}
}

// a3f returns A3.
func a3f(eps float64) float64 { return polyval(a3x[:], eps) }

// c3f fills c[1..5] with C3l.
func c3f(eps float64, c *[nSeries]float64) {
	mult := 1.0
	o := 0
	for l := 1; l < nSeries; l++ {
		m := nSeries - l - 1
		mult *= eps
		c[l] = mult * polyval(c3x[o:o+m+1], eps)
		o += m + 1
	}
}

// sinCosSeries evaluates Σ c[l] sin(2lx) (c[0] unused) by Clenshaw summation,
// given sin x and cos x.
func sinCosSeries(sinx, cosx float64, c []float64) float64 {
	k := len(c)
	n := k - 1
	ar := 2 * (cosx - sinx) * (cosx + sinx)
	var y0, y1 float64
	if n&1 != 0 {
		k--
		y0 = c[k]
	}
	for n /= 2; n > 0; n-- {
		k--
		y1 = ar*y0 - y1 + c[k]
		k--
		y0 = ar*y1 - y0 + c[k]
	}
	return 2 * sinx * cosx * y0
}

// epsOf returns ε for k² = e′² cos²α0.
func epsOf(k2 float64) float64 { return k2 / (2*(1+math.Sqrt(1+k2)) + k2) }

// lengths returns the distance s12/b and reduced length m12/b
// for the auxiliary-sphere arc σ12 with endpoints σ1, σ2.
func lengths(eps, sig12, ssig1, csig1, dn1, ssig2, csig2, dn2 float64) (s12b, m12b float64) {
	var c1a, c2a [nSeries + 1]float64
	a1 := a1m1f(eps)
	c1f(eps, &c1a)
	a2 := a2m1f(eps)
	c2f(eps, &c2a)
	m0x := a1 - a2
	a1++
	a2++
	b1 := sinCosSeries(ssig2, csig2, c1a[:]) - sinCosSeries(ssig1, csig1, c1a[:])
	s12b = a1 * (sig12 + b1)
	b2 := sinCosSeries(ssig2, csig2, c2a[:]) - sinCosSeries(ssig1, csig1, c2a[:])
	j12 := m0x*sig12 + (a1*b1 - a2*b2)
	m12b = dn2*(csig1*ssig2) - dn1*(ssig1*csig2) - csig1*csig2*j12
	return s12b, m12b
}

// astroid solves k⁴+2k³−(x²+y²−1)k²−2y²k−y² = 0 for its positive root.
func astroid(x, y float64) float64 {
	p := sq(x)
	q := sq(y)
	r := (p + q - 1) / 6
	if q == 0 && r <= 0 {
		return 0
	}
	s := p * q / 4
	u := resolvent(r, s)
	v := math.Sqrt(sq(u) + q)
	var uv float64
	if u < 0 {
		uv = q / (v - u)
	} else {
		uv = u + v
	}
	w := (uv - q) / (2 * v)
	return uv / (math.Sqrt(uv+sq(w)) + w)
}

// inverseStart returns a starting guess for α1 (the paper's §4). If the
// line is short enough to solve directly, sig12 ≥ 0 and salp2, calp2, dnm
// are set; otherwise sig12 = −1.
func inverseStart(sbet1, cbet1, dn1, sbet2, cbet2, dn2, lam12, slam12, clam12 float64) (sig12, salp1, calp1, salp2, calp2, dnm float64) {
	sig12 = -1
	sbet12 := sbet2*cbet1 - cbet2*sbet1
	cbet12 := cbet2*cbet1 + sbet2*sbet1
	sbet12a := sbet2*cbet1 + cbet2*sbet1
	shortline := cbet12 >= 0 && sbet12 < 0.5 && cbet2*lam12 < 0.5
	var somg12, comg12 float64
	if shortline {
		sbetm2 := sq(sbet1 + sbet2)
		sbetm2 /= sbetm2 + sq(cbet1+cbet2)
		dnm = math.Sqrt(1 + EP2*sbetm2)
		omg12 := lam12 / (geodF1 * dnm)
		somg12, comg12 = math.Sincos(omg12)
	} else {
		somg12, comg12 = slam12, clam12
	}
	salp1 = cbet2 * somg12
	if comg12 >= 0 {
		calp1 = sbet12 + cbet2*sbet1*sq(somg12)/(1+comg12)
	} else {
		calp1 = sbet12a - cbet2*sbet1*sq(somg12)/(1-comg12)
	}
	ssig12 := math.Hypot(salp1, calp1)
	csig12 := sbet1*sbet2 + cbet1*cbet2*comg12

	switch {
	case shortline && ssig12 < geodEtol2:
		// Really short lines.
		salp2 = cbet1 * somg12
		if comg12 >= 0 {
			calp2 = sbet12 - cbet1*sbet2*(sq(somg12)/(1+comg12))
		} else {
			calp2 = sbet12 - cbet1*sbet2*(1-comg12)
		}
		salp2, calp2 = norm2(salp2, calp2)
		sig12 = math.Atan2(ssig12, csig12)
	case math.Abs(geodN) > 0.1 || csig12 >= 0 || ssig12 >= 6*math.Abs(geodN)*math.Pi*sq(cbet1):
		// Nothing to do: the zeroth-order spherical guess is good enough.
	default:
		// Nearly antipodal points: scale to the astroid problem.
		lam12x := math.Atan2(-slam12, -clam12) // lam12 − π
		k2 := sq(sbet1) * EP2
		eps := epsOf(k2)
		lamscale := F * cbet1 * a3f(eps) * math.Pi
		betscale := lamscale * cbet1
		x := lam12x / lamscale
		y := sbet12a / betscale
		if y > -geodTol1 && x > -1-geodXthresh {
			salp1 = math.Min(1, -x)
			calp1 = -math.Sqrt(1 - sq(salp1))
		} else {
			k := astroid(x, y)
			omg12a := lamscale * (-x * k / (1 + k))
			somg12, comg12 = math.Sincos(omg12a)
			comg12 = -comg12
			salp1 = cbet2 * somg12
			calp1 = sbet12a - cbet2*sbet1*sq(somg12)/(1-comg12)
		}
	}
	if !(salp1 <= 0) {
		salp1, calp1 = norm2(salp1, calp1)
	} else {
		salp1, calp1 = 1, 0
	}
	return sig12, salp1, calp1, salp2, calp2, dnm
}

// lambda12 solves the hybrid problem for azimuth α1 at point 1: it
// returns the longitude error v = λ12(α1) − λ12 and, if diffp, its
// derivative dv/dα1.
func lambda12(sbet1, cbet1, dn1, sbet2, cbet2, dn2, salp1, calp1, slam120, clam120 float64, diffp bool) (v, salp2, calp2, sig12, ssig1, csig1, ssig2, csig2, eps, dv float64) {
	if sbet1 == 0 && calp1 == 0 {
		// Break the degeneracy of equatorial lines.
		calp1 = -geodTiny
	}
	salp0 := salp1 * cbet1
	calp0 := math.Hypot(calp1, salp1*sbet1)

	ssig1 = sbet1
	somg1 := salp0 * sbet1
	csig1 = calp1 * cbet1
	comg1 := csig1
	ssig1, csig1 = norm2(ssig1, csig1)

	if cbet2 != cbet1 {
		salp2 = salp0 / cbet2
	} else {
		salp2 = salp1
	}
	if cbet2 != cbet1 || math.Abs(sbet2) != -sbet1 {
		var t float64
		if cbet1 < -sbet1 {
			t = (cbet2 - cbet1) * (cbet1 + cbet2)
		} else {
			t = (sbet1 - sbet2) * (sbet1 + sbet2)
		}
		calp2 = math.Sqrt(sq(calp1*cbet1)+t) / cbet2
	} else {
		calp2 = math.Abs(calp1)
	}
	ssig2 = sbet2
	somg2 := salp0 * sbet2
	csig2 = calp2 * cbet2
	comg2 := csig2
	ssig2, csig2 = norm2(ssig2, csig2)

	sig12 = math.Atan2(math.Max(0, csig1*ssig2-ssig1*csig2), csig1*csig2+ssig1*ssig2)
	somg12 := math.Max(0, comg1*somg2-somg1*comg2)
	comg12 := comg1*comg2 + somg1*somg2
	eta := math.Atan2(somg12*clam120-comg12*slam120, comg12*clam120+somg12*slam120)
	k2 := sq(calp0) * EP2
	eps = epsOf(k2)
	var c3a [nSeries]float64
	c3f(eps, &c3a)
	b312 := sinCosSeries(ssig2, csig2, c3a[:]) - sinCosSeries(ssig1, csig1, c3a[:])
	domg12 := -F * a3f(eps) * salp0 * (sig12 + b312)
	v = eta + domg12

	if diffp {
		if calp2 == 0 {
			dv = -2 * geodF1 * dn1 / sbet1
		} else {
			_, m12b := lengths(eps, sig12, ssig1, csig1, dn1, ssig2, csig2, dn2)
			dv = m12b * geodF1 / (calp2 * cbet2)
		}
	}
	return v, salp2, calp2, sig12, ssig1, csig1, ssig2, csig2, eps, dv
}

// Inverse solves the inverse geodesic problem on the WGS-84 ellipsoid: the
// length of the shortest path between p1 and p2 and the forward azimuths
// (degrees clockwise from north, in [−180, 180]) at p1 and at p2. Heights are
// ignored. Accurate to about 15 nm for any pair of points, including nearly
// antipodal ones; for exactly antipodal or coincident points, where the
// azimuths are not unique, one valid choice is returned. Latitudes beyond
// ±90° give NaN.
func Inverse(p1, p2 LLA) (dist Meters, azi1, azi2 Degrees) {
	s12, salp1, calp1, salp2, calp2 := inverse(float64(p1.Lat), float64(p1.Lon), float64(p2.Lat), float64(p2.Lon))
	return Meters(s12), Degrees(atan2d(salp1, calp1)), Degrees(atan2d(salp2, calp2))
}

// inverse is Karney's GenInverse for the distance and azimuths only.
func inverse(lat1, lon1, lat2, lon2 float64) (s12, salp1, calp1, salp2, calp2 float64) {
	// Make longitude difference positive and reduce it to [0, 180].
	lon12, lon12s := angDiff(lon1, lon2)
	lonsign := 1.0
	if lon12 < 0 {
		lonsign = -1
	}
	lon12 = lonsign * angRound(lon12)
	lon12s = angRound((180 - lon12) - lonsign*lon12s)
	lam12 := lon12 * degree
	var slam12, clam12 float64
	if lon12 > 90 {
		slam12, clam12 = sincosd(lon12s)
		clam12 = -clam12
	} else {
		slam12, clam12 = sincosd(lon12)
	}

	// Swap points so that |lat1| ≥ |lat2|, then make lat1 ≤ 0.
	lat1 = angRound(latFix(lat1))
	lat2 = angRound(latFix(lat2))
	swapp := 1.0
	if math.Abs(lat1) < math.Abs(lat2) || math.IsNaN(lat2) {
		swapp = -1
		lonsign = -lonsign
		lat1, lat2 = lat2, lat1
	}
	latsign := -1.0
	if lat1 < 0 {
		latsign = 1
	}
	lat1 *= latsign
	lat2 *= latsign

	// Reduced latitudes β.
	sbet1, cbet1 := sincosd(lat1)
	sbet1 *= geodF1
	sbet1, cbet1 = norm2(sbet1, cbet1)
	cbet1 = math.Max(geodTiny, cbet1)
	sbet2, cbet2 := sincosd(lat2)
	sbet2 *= geodF1
	sbet2, cbet2 = norm2(sbet2, cbet2)
	cbet2 = math.Max(geodTiny, cbet2)

	// Make |β1| and |β2| equal when the latitudes are, despite rounding.
	if cbet1 < -sbet1 {
		if cbet2 == cbet1 {
			sbet2 = math.Copysign(sbet1, sbet2)
		}
	} else if math.Abs(sbet2) == -sbet1 {
		cbet2 = cbet1
	}

	dn1 := math.Sqrt(1 + EP2*sq(sbet1))
	dn2 := math.Sqrt(1 + EP2*sq(sbet2))

	var sig12, s12x float64
	meridian := lat1 == -90 || slam12 == 0
	if meridian {
		// Along a meridian, or point 1 at a pole.
		calp1, salp1 = clam12, slam12
		calp2, salp2 = 1, 0
		ssig1, csig1 := sbet1, calp1*cbet1
		ssig2, csig2 := sbet2, calp2*cbet2
		sig12 = math.Atan2(math.Max(0, csig1*ssig2-ssig1*csig2), csig1*csig2+ssig1*ssig2)
		var m12x float64
		s12x, m12x = lengths(geodN, sig12, ssig1, csig1, dn1, ssig2, csig2, dn2)
		// A meridian is the shortest path unless it runs through a
		// conjugate point (m12 < 0 past σ12 = 1), as near-antipodal
		// meridians on an oblate ellipsoid do.
		if sig12 < 1 || m12x >= 0 {
			if sig12 < 3*geodTiny || (sig12 < geodTol0 && (s12x < 0 || m12x < 0)) {
				s12x = 0
			}
			s12x *= B
		} else {
			meridian = false
		}
	}

	switch {
	case meridian:
	case sbet1 == 0 && (F <= 0 || lon12s >= F*180):
		// Along the equator.
		calp1, calp2 = 0, 0
		salp1, salp2 = 1, 1
		s12x = A * lam12
	default:
		var dnm float64
		sig12, salp1, calp1, salp2, calp2, dnm = inverseStart(sbet1, cbet1, dn1, sbet2, cbet2, dn2, lam12, slam12, clam12)
		if sig12 >= 0 {
			// Short line solved directly.
			s12x = sig12 * B * dnm
			break
		}
		// Newton's method on α1 with a bisection fallback.
		var ssig1, csig1, ssig2, csig2, eps float64
		numit := 0
		tripn, tripb := false, false
		salp1a, calp1a := geodTiny, 1.0
		salp1b, calp1b := geodTiny, -1.0
		for ; numit < maxit2; numit++ {
			var v, dv float64
			v, salp2, calp2, sig12, ssig1, csig1, ssig2, csig2, eps, dv = lambda12(
				sbet1, cbet1, dn1, sbet2, cbet2, dn2, salp1, calp1, slam12, clam12, numit < maxit1)
			tol := geodTol0
			if tripn {
				tol *= 8
			}
			if tripb || !(math.Abs(v) >= tol) {
				break
			}
			// Update the bracket [α1a, α1b] around the root.
			if v > 0 && (numit > maxit1 || calp1/salp1 > calp1b/salp1b) {
				salp1b, calp1b = salp1, calp1
			} else if v < 0 && (numit > maxit1 || calp1/salp1 < calp1a/salp1a) {
				salp1a, calp1a = salp1, calp1
			}
			if numit < maxit1 && dv > 0 {
				dalp1 := -v / dv
				if math.Abs(dalp1) < math.Pi {
					sdalp1, cdalp1 := math.Sincos(dalp1)
					nsalp1 := salp1*cdalp1 + calp1*sdalp1
					if nsalp1 > 0 {
						calp1 = calp1*cdalp1 - salp1*sdalp1
						salp1 = nsalp1
						salp1, calp1 = norm2(salp1, calp1)
						tripn = math.Abs(v) <= 16*geodTol0
						continue
					}
				}
			}
			// Newton failed or went out of the bracket: bisect.
			salp1 = (salp1a + salp1b) / 2
			calp1 = (calp1a + calp1b) / 2
			salp1, calp1 = norm2(salp1, calp1)
			tripn = false
			tripb = math.Abs(salp1a-salp1)+(calp1a-calp1) < geodTolb ||
				math.Abs(salp1-salp1b)+(calp1-calp1b) < geodTolb
		}
		s12x, _ = lengths(eps, sig12, ssig1, csig1, dn1, ssig2, csig2, dn2)
		s12x *= B
	}

	s12 = 0 + s12x // turn −0 into +0
	if swapp < 0 {
		salp1, salp2 = salp2, salp1
		calp1, calp2 = calp2, calp1
	}
	salp1 *= swapp * lonsign
	calp1 *= swapp * latsign
	salp2 *= swapp * lonsign
	calp2 *= swapp * latsign
	return s12, salp1, calp1, salp2, calp2
}

// Direct solves the direct geodesic problem on the WGS-84 ellipsoid: the
// point reached by travelling dist along the geodesic that leaves p1 at
// azimuth azi1 (degrees clockwise from north), and the forward azimuth there.
// dist may be negative (travel backwards) or longer than half the Earth's
// circumference. p2 keeps p1's height; its longitude is in (−180, 180].
func Direct(p1 LLA, azi1 Degrees, dist Meters) (p2 LLA, azi2 Degrees) {
	l := newLine(float64(p1.Lat), float64(azi1))
	lat2, lon12, azi := l.position(float64(dist))
	lon2 := angNormalize(angNormalize(float64(p1.Lon)) + angNormalize(lon12))
	return LLA{Lat: Degrees(lat2), Lon: NormalizeLon(Degrees(lon2)), Alt: p1.Alt}, Degrees(azi)
}

// line is a geodesic from a given latitude and azimuth (GeographicLib's
// GeodesicLine with the capabilities Direct needs).
type line struct {
	salp0, calp0 float64
	ssig1, csig1 float64
	somg1, comg1 float64
	stau1, ctau1 float64
	k2           float64
	a1m1, b11    float64
	a3c, b31     float64
	c1a, c1pa    [nSeries + 1]float64
	c3a          [nSeries]float64
}

func newLine(lat1, azi1 float64) line {
	var l line
	salp1, calp1 := sincosd(angRound(azi1))
	sbet1, cbet1 := sincosd(angRound(latFix(lat1)))
	sbet1 *= geodF1
	sbet1, cbet1 = norm2(sbet1, cbet1)
	cbet1 = math.Max(geodTiny, cbet1)

	l.salp0 = salp1 * cbet1 // α0
	l.calp0 = math.Hypot(calp1, salp1*sbet1)
	// σ1 and ω1; σ1 = 0 for an equatorial line heading east or west.
	l.ssig1 = sbet1
	l.somg1 = l.salp0 * sbet1
	if sbet1 != 0 || calp1 != 0 {
		l.csig1 = cbet1 * calp1
	} else {
		l.csig1 = 1
	}
	l.comg1 = l.csig1
	l.ssig1, l.csig1 = norm2(l.ssig1, l.csig1)

	l.k2 = sq(l.calp0) * EP2
	eps := epsOf(l.k2)

	l.a1m1 = a1m1f(eps)
	c1f(eps, &l.c1a)
	l.b11 = sinCosSeries(l.ssig1, l.csig1, l.c1a[:])
	s, c := math.Sincos(l.b11)
	l.stau1 = l.ssig1*c + l.csig1*s
	l.ctau1 = l.csig1*c - l.ssig1*s

	c1pf(eps, &l.c1pa)

	c3f(eps, &l.c3a)
	l.a3c = -F * l.salp0 * a3f(eps)
	l.b31 = sinCosSeries(l.ssig1, l.csig1, l.c3a[:])
	return l
}

// position returns the latitude, longitude difference and azimuth (degrees)
// at distance s12 (m) along the line.
func (l *line) position(s12 float64) (lat2, lon12, azi2 float64) {
	// τ12 = s12/(b A1), then σ12 by reverting the series for s(σ).
	tau12 := s12 / (B * (1 + l.a1m1))
	s, c := math.Sincos(tau12)
	b12 := -sinCosSeries(l.stau1*c+l.ctau1*s, l.ctau1*c-l.stau1*s, l.c1pa[:])
	sig12 := tau12 - (b12 - l.b11)
	ssig12, csig12 := math.Sincos(sig12)

	ssig2 := l.ssig1*csig12 + l.csig1*ssig12
	csig2 := l.csig1*csig12 - l.ssig1*ssig12
	sbet2 := l.calp0 * ssig2
	cbet2 := math.Hypot(l.salp0, l.calp0*csig2)
	if cbet2 == 0 {
		// A meridian through the pole: break the degeneracy.
		cbet2 = geodTiny
		csig2 = geodTiny
	}
	salp2, calp2 := l.salp0, l.calp0*csig2

	somg2, comg2 := l.salp0*ssig2, csig2
	omg12 := math.Atan2(somg2*l.comg1-comg2*l.somg1, comg2*l.comg1+somg2*l.somg1)
	lam12 := omg12 + l.a3c*(sig12+(sinCosSeries(ssig2, csig2, l.c3a[:])-l.b31))

	return atan2d(sbet2, geodF1*cbet2), lam12 / degree, atan2d(salp2, calp2)
}

// Interpolate returns the point at fraction frac (0 at p1, 1 at p2) of the
// length of the shortest geodesic from p1 to p2, with its height interpolated
// linearly between p1.Alt and p2.Alt. frac outside [0, 1] extrapolates along
// the same geodesic.
func Interpolate(p1, p2 LLA, frac float64) LLA {
	s12, salp1, calp1, _, _ := inverse(float64(p1.Lat), float64(p1.Lon), float64(p2.Lat), float64(p2.Lon))
	p, _ := Direct(p1, Degrees(atan2d(salp1, calp1)), Meters(frac*s12))
	p.Alt = p1.Alt + Meters(frac)*(p2.Alt-p1.Alt)
	return p
}
