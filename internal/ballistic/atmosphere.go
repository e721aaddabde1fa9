package ballistic

import (
	"math"

	"github.com/trilink/trilink/internal/geo"
)

// Kelvin is a thermodynamic temperature in kelvins.
type Kelvin float64

// Pascals is a pressure in pascals (N/m²).
type Pascals float64

// KgPerM3 is a mass density in kg/m³.
type KgPerM3 float64

// Air is the state of the U.S. Standard Atmosphere 1976 at one altitude.
type Air struct {
	Temperature Kelvin  // kinetic temperature
	Pressure    Pascals // total pressure
	Density     KgPerM3 // mass density
}

// U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562, NASA-TM-X-74335), §1.2
// and Table 4: constants of the model below 86 km.
const (
	atmR0    = 6356766.0 // effective Earth radius for geopotential, m (eq. 18)
	atmG0    = 9.80665   // standard gravity, m/s² (eq. 17: g0' = 9.80665 m²/(s²·m'))
	atmRStar = 8.31432   // gas constant of the standard, J/(mol·K) (not the CODATA value)
	atmM0    = 28.9644e-3
	atmP0    = 101325.0 // sea-level pressure, Pa
	atmT0    = 288.15   // sea-level temperature, K

	// ZMaxAtmosphere is the top of the model: above it the density is zero.
	ZMaxAtmosphere geo.Meters = 1000e3

	z86 = 86000.0 // geometric altitude where the homogeneously mixed region ends
)

// atmLayer is one layer of the 0–86 km model (Table 4): base geopotential
// height Hb (m'), molecular-scale temperature lapse rate Lb (K/m'), and the
// base molecular-scale temperature Tb and pressure Pb derived from them.
type atmLayer struct {
	hb, lb, tb, pb float64
}

// atmLayers holds the seven layers of Table 4; the base temperatures and
// pressures are chained from sea level at package initialisation with the
// model's own equations (33a, 33b), as the standard derives them.
var atmLayers = func() [7]atmLayer {
	ls := [7]atmLayer{
		{hb: 0, lb: -6.5e-3},
		{hb: 11000, lb: 0},
		{hb: 20000, lb: 1.0e-3},
		{hb: 32000, lb: 2.8e-3},
		{hb: 47000, lb: 0},
		{hb: 51000, lb: -2.8e-3},
		{hb: 71000, lb: -2.0e-3},
	}
	t, p := atmT0, atmP0
	for i := range ls {
		ls[i].tb, ls[i].pb = t, p
		if i+1 < len(ls) {
			t, p = layerTP(&ls[i], ls[i+1].hb)
		}
	}
	return ls
}()

// gmr is g0·M0/R*, the hydrostatic constant, K/m'.
const gmr = atmG0 * atmM0 / atmRStar

// layerTP returns the molecular-scale temperature and the pressure at
// geopotential height h inside layer l (equations 23, 33a and 33b).
func layerTP(l *atmLayer, h float64) (tm, p float64) {
	dh := h - l.hb
	if l.lb == 0 {
		return l.tb, l.pb * math.Exp(-gmr*dh/l.tb)
	}
	tm = l.tb + l.lb*dh
	return tm, l.pb * math.Pow(l.tb/tm, gmr/l.lb)
}

// mRatio is M/M0 between 80 and 86 km at 0.5 km steps (Table 8): the only
// place below 86 km where the kinetic temperature T = Tm·M/M0 differs from
// the molecular-scale temperature Tm.
var mRatio = [...]float64{
	1.000000, 0.999996, 0.999988, 0.999969, 0.999938, 0.999904, 0.999864,
	0.999822, 0.999778, 0.999731, 0.999681, 0.999629, 0.999579,
}

// upper holds the tabulated pressure and density of the standard between
// 86 and 1000 km (Table I, geometric altitude), interpolated by a natural
// cubic spline in ln P and ln ρ. The standard computes these from species
// number densities by integrating diffusion equations; for drag the table
// is enough. Between knots the spline stays within about 1 % of the
// standard's own intermediate values (see the tests).
var upper = newLogSpline(
	[]float64{86, 91, 100, 110, 115, 120, 130, 150, 175, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000},
	[]float64{
		3.7338e-1, 1.5381e-1, 3.2011e-2, 7.1042e-3, 4.0096e-3, 2.5382e-3, 1.2505e-3, 4.5422e-4, 1.7936e-4,
		8.4736e-5, 2.4767e-5, 8.7704e-6, 1.4518e-6, 3.0236e-7, 8.2130e-8, 3.1908e-8, 1.7036e-8, 1.0873e-8, 7.5138e-9,
	},
	[]float64{
		6.958e-6, 2.860e-6, 5.604e-7, 9.708e-8, 4.289e-8, 2.222e-8, 8.152e-9, 2.076e-9, 6.339e-10,
		2.541e-10, 6.073e-11, 1.916e-11, 2.803e-12, 5.215e-13, 1.137e-13, 3.070e-14, 1.136e-14, 5.759e-15, 3.561e-15,
	},
)

// Atmosphere returns the U.S. Standard Atmosphere 1976 at geometric
// altitude z above mean sea level (we use the WGS-84 ellipsoid height).
//
// From −5 km to 86 km it evaluates the standard's defining equations exactly
// (seven geopotential layers of linear molecular-scale temperature, with the
// M/M0 correction of Table 8 between 80 and 86 km). From 86 to 1000 km the
// temperature follows the standard's defining profile (isothermal, elliptical,
// linear and exponential segments, §1.2.6) and pressure and density are
// interpolated in the tabulated values. Below −5 km the values at −5 km are
// returned; above 1000 km the pressure and density are zero and the
// temperature is the exospheric 1000 K.
func Atmosphere(z geo.Meters) Air {
	zz := float64(z)
	if zz < z86 {
		zz = max(zz, -5000)
		h := atmR0 * zz / (atmR0 + zz)
		tm, p := lowerTP(h)
		rho := p * atmM0 / (atmRStar * tm)
		t := tm
		if zz > 80000 {
			t *= mRatioAt(zz)
		}
		return Air{Temperature: Kelvin(t), Pressure: Pascals(p), Density: KgPerM3(rho)}
	}
	if zz > float64(ZMaxAtmosphere) {
		return Air{Temperature: 1000}
	}
	lp, lr := upper.eval(zz / 1000)
	return Air{
		Temperature: Kelvin(upperT(zz)),
		Pressure:    Pascals(math.Exp(lp)),
		Density:     KgPerM3(math.Exp(lr)),
	}
}

// Density returns the mass density of the U.S. Standard Atmosphere 1976 at
// geometric altitude z, as [Atmosphere] does within a relative 3·10⁻⁶
// below 86 km (where it interpolates a table of the standard's values
// every [densityStep], instead of a power per call) and exactly above: it
// is the density the drag term uses, evaluated six times per integration
// step.
func Density(z geo.Meters) KgPerM3 { return KgPerM3(density(float64(z))) }

// density is [Density] on plain float64 metres.
func density(z float64) float64 {
	switch {
	case math.IsNaN(z):
		return z // a diverged state stays diverged
	case z > float64(ZMaxAtmosphere):
		return 0
	case z >= z86:
		_, lr := upper.eval(z / 1000)
		return math.Exp(lr)
	}
	z = max(z, -5000)
	x := (atmR0*z/(atmR0+z) - densityH0) / densityStep
	i := int(x)
	f := x - float64(i)
	return lowerRho[i] + f*(lowerRho[i+1]-lowerRho[i])
}

// densityStep is the spacing of lowerRho in geopotential height, so that
// the layers' bases (whole kilometres') are knots and the temperature's
// kinks fall on them. Linear interpolation of a density falling with
// scale height H errs by at most (step/H)²/8 relative: 2·10⁻⁶ for 25 m'
// and the 6.3 km of the coldest layer.
const densityStep = 25.0

// densityH0 is lowerRho's first knot, at or below the geopotential height
// of −5 km.
var densityH0 = math.Floor(atmR0*-5000/(atmR0-5000)/densityStep) * densityStep

// lowerRho holds the standard's density from −5 km to 86 km every
// densityStep of geopotential height, from its defining equations.
var lowerRho = func() []float64 {
	hTop := atmR0 * z86 / (atmR0 + z86)
	n := int((hTop-densityH0)/densityStep) + 2 // through the knot above 86 km
	t := make([]float64, n)
	for i := range t {
		tm, p := lowerTP(densityH0 + float64(i)*densityStep)
		t[i] = p * atmM0 / (atmRStar * tm)
	}
	return t
}()

// lowerTP returns the molecular-scale temperature and pressure at
// geopotential height h (m') below 84.852 km'.
func lowerTP(h float64) (tm, p float64) {
	i := len(atmLayers) - 1
	for i > 0 && h < atmLayers[i].hb {
		i--
	}
	return layerTP(&atmLayers[i], h)
}

// mRatioAt interpolates M/M0 linearly in Table 8 for 80 km < z < 86 km.
func mRatioAt(z float64) float64 {
	x := (z - 80000) / 500
	i := int(x)
	if i >= len(mRatio)-1 {
		return mRatio[len(mRatio)-1]
	}
	f := x - float64(i)
	return mRatio[i] + f*(mRatio[i+1]-mRatio[i])
}

// upperT is the kinetic temperature of the standard above 86 km (§1.2.6,
// equations 25–31), z in metres.
func upperT(z float64) float64 {
	zk := z / 1000
	switch {
	case zk < 91:
		return 186.8673
	case zk < 110:
		const tc, a, aa = 263.1905, -76.3232, -19.9429
		u := (zk - 91) / aa
		return tc + a*math.Sqrt(1-u*u)
	case zk < 120:
		return 240 + 12*(zk-110)
	}
	const tinf, t10, lambda, r0 = 1000, 360, 0.01875, atmR0 / 1000
	xi := (zk - 120) * (r0 + 120) / (r0 + zk)
	return tinf - (tinf-t10)*math.Exp(-lambda*xi)
}

// logSpline is a pair of natural cubic splines through (x, ln y1) and
// (x, ln y2) sharing their knots.
type logSpline struct {
	x      []float64
	y, ypp [2][]float64 // values and second derivatives at the knots
}

func newLogSpline(x, y1, y2 []float64) *logSpline {
	s := &logSpline{x: x}
	for k, y := range [2][]float64{y1, y2} {
		ly := make([]float64, len(y))
		for i, v := range y {
			ly[i] = math.Log(v)
		}
		s.y[k] = ly
		s.ypp[k] = naturalSpline(x, ly)
	}
	return s
}

// naturalSpline returns the second derivatives of the natural cubic spline
// through (x, y) (zero at both ends), by the tridiagonal algorithm.
func naturalSpline(x, y []float64) []float64 {
	n := len(x)
	ypp := make([]float64, n)
	u := make([]float64, n)
	for i := 1; i < n-1; i++ {
		sig := (x[i] - x[i-1]) / (x[i+1] - x[i-1])
		p := sig*ypp[i-1] + 2
		ypp[i] = (sig - 1) / p
		d := (y[i+1]-y[i])/(x[i+1]-x[i]) - (y[i]-y[i-1])/(x[i]-x[i-1])
		u[i] = (6*d/(x[i+1]-x[i-1]) - sig*u[i-1]) / p
	}
	ypp[n-1] = 0
	for i := n - 2; i >= 0; i-- {
		ypp[i] = ypp[i]*ypp[i+1] + u[i]
	}
	return ypp
}

// eval returns both splines at x, which must lie within the knots.
func (s *logSpline) eval(x float64) (v1, v2 float64) {
	lo, hi := 0, len(s.x)-1
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if s.x[mid] > x {
			hi = mid
		} else {
			lo = mid
		}
	}
	h := s.x[hi] - s.x[lo]
	a := (s.x[hi] - x) / h
	b := 1 - a
	c := (a*a*a - a) * h * h / 6
	d := (b*b*b - b) * h * h / 6
	v1 = a*s.y[0][lo] + b*s.y[0][hi] + c*s.ypp[0][lo] + d*s.ypp[0][hi]
	v2 = a*s.y[1][lo] + b*s.y[1][hi] + c*s.ypp[1][lo] + d*s.ypp[1][hi]
	return v1, v2
}
