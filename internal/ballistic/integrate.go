package ballistic

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// ErrStepSize is wrapped by the propagators when the adaptive step size
// underflows or the step budget runs out: the equations are too stiff or
// the state is not finite.
var ErrStepSize = errors.New("ballistic: integration step failed")

// vec6 is a state vector [x y z vx vy vz] in SI units.
type vec6 [6]float64

func toVec6(s State) vec6 { return vec6{s.R.X, s.R.Y, s.R.Z, s.V.X, s.V.Y, s.V.Z} }

func (y *vec6) state() State {
	return State{R: r3.Vec{X: y[0], Y: y[1], Z: y[2]}, V: r3.Vec{X: y[3], Y: y[4], Z: y[5]}}
}

// dynamics is the right-hand side of the equations of motion: the force
// model plus, during powered flight, thrust, and during a pull-up, lift.
type dynamics struct {
	m     Model
	alpha float64      // 1/β for drag outside powered flight, m²/kg
	burn  *burnPhase   // thrust and varying drag while powered; or nil
	lift  *liftProgram // aerodynamic lift of a manoeuvring vehicle; or nil
}

// deriv sets dy = d/dt y at time t (seconds on the flight's time axis).
func (d *dynamics) deriv(t float64, y, dy *vec6) {
	r := r3.Vec{X: y[0], Y: y[1], Z: y[2]}
	v := r3.Vec{X: y[3], Y: y[4], Z: y[5]}
	alpha := d.alpha
	var extra r3.Vec
	if d.burn != nil {
		extra, alpha = d.burn.accel(t, r, v)
	}
	a := d.m.accel(r, v, alpha)
	if d.lift != nil {
		a = r3.Add(a, d.lift.accel(r, v))
	}
	dy[0], dy[1], dy[2] = y[3], y[4], y[5]
	dy[3], dy[4], dy[5] = a.X+extra.X, a.Y+extra.Y, a.Z+extra.Z
}

// Dormand–Prince 5(4) coefficients (J. R. Dormand, P. J. Prince, "A family
// of embedded Runge–Kutta formulae", J. Comp. Appl. Math. 6:19–26, 1980),
// with the error coefficients e = b − b̂ and the dense output of Hairer,
// Nørsett and Wanner, Solving ODEs I (2nd ed., 1993), §II.6, as in their
// DOPRI5 code.
const (
	c2, c3, c4, c5 = 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9

	a21                     = 1.0 / 5
	a31, a32                = 3.0 / 40, 9.0 / 40
	a41, a42, a43           = 44.0 / 45, -56.0 / 15, 32.0 / 9
	a51, a52, a53, a54      = 19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729
	a61, a62, a63, a64, a65 = 9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656
	a71, a73, a74, a75, a76 = 35.0 / 384, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84

	e1, e3, e4, e5, e6, e7 = 71.0 / 57600, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40

	d1, d3, d4 = -12715105075.0 / 11282082432, 87487479700.0 / 32700410799, -10690763975.0 / 1880347072
	d5, d6, d7 = 701980252875.0 / 199316789632, -1453857185.0 / 822651844, 69997945.0 / 29380423
)

// Step-size control of DOPRI5 (Hairer et al. §II.4): safety factor,
// bounds on the step ratio and the PI stabilisation exponent.
const (
	safety    = 0.9
	facMin    = 0.2  // smallest step ratio hnew/h
	facMax    = 10.0 // largest step ratio hnew/h
	piBeta    = 0.04
	piExpo    = 0.2 - piBeta*0.75
	maxSteps  = 200000
	minErrOld = 1e-4
)

// dopri is an adaptive Dormand–Prince 5(4) integrator for one dynamics.
// Its zero value is not usable; call reset. It never allocates.
type dopri struct {
	dyn        *dynamics
	rtol, atol float64
	hmax       float64 // > 0, largest |h|

	t, h float64 // current time and next trial step (signed)
	y, f vec6    // state and derivative at t (FSAL)

	// The last accepted step [t0, t0+h0] and its dense output.
	t0, h0 float64
	y0, f0 vec6
	rc     [5]vec6

	errOld   float64
	rejected bool
	steps    int
}

// reset starts the integrator at (t, y) with the given dynamics, keeping
// the step-size guess h (signed, nonzero) for continuity across phases.
func (d *dopri) reset(dyn *dynamics, t float64, y vec6, h float64) {
	d.dyn = dyn
	d.begin(t, y, h)
}

// begin starts the integrator at (t, y) with trial step h under its
// current dynamics. Unlike reset it does not store a pointer through d, so
// a dopri and dynamics on the caller's stack stay there.
func (d *dopri) begin(t float64, y vec6, h float64) {
	d.t, d.y, d.h = t, y, h
	d.dyn.deriv(t, &d.y, &d.f)
	d.errOld = minErrOld
	d.rejected = false
}

// initialStep returns a first trial step towards dir (±1) by the algorithm
// of Hairer et al. §II.4 (their HINIT), capped at hmax.
func (d *dopri) initialStep(dir float64) float64 {
	var dn0, dn1 float64
	for i := range 6 {
		sk := d.atol + d.rtol*math.Abs(d.y[i])
		dn0 += sq(d.y[i] / sk)
		dn1 += sq(d.f[i] / sk)
	}
	h := 1e-6
	if dn0 > 1e-10 && dn1 > 1e-10 {
		h = 0.01 * math.Sqrt(dn0/dn1)
	}
	h = min(h, d.hmax)
	var y1, f1 vec6
	for i := range 6 {
		y1[i] = d.y[i] + dir*h*d.f[i]
	}
	d.dyn.deriv(d.t+dir*h, &y1, &f1)
	var dn2 float64
	for i := range 6 {
		sk := d.atol + d.rtol*math.Abs(d.y[i])
		dn2 += sq((f1[i] - d.f[i]) / sk)
	}
	dn2 = math.Sqrt(dn2) / h
	der := max(math.Sqrt(dn1), dn2)
	var h1 float64
	if der <= 1e-15 {
		h1 = max(1e-6, h*1e-3)
	} else {
		h1 = math.Pow(0.01/der, 1.0/5)
	}
	return dir * min(100*h, h1, d.hmax)
}

// tryStep takes one DOPRI5 step of size h from (d.t, d.y) and returns the
// fifth-order solution, its derivative (the FSAL stage) and the scaled
// error norm. Stage vectors are left in k for the dense output.
func (d *dopri) tryStep(h float64, k *[7]vec6, ynew *vec6) float64 {
	y := &d.y
	k[0] = d.f
	var yt vec6
	for i := range 6 {
		yt[i] = y[i] + h*a21*k[0][i]
	}
	d.dyn.deriv(d.t+c2*h, &yt, &k[1])
	for i := range 6 {
		yt[i] = y[i] + h*(a31*k[0][i]+a32*k[1][i])
	}
	d.dyn.deriv(d.t+c3*h, &yt, &k[2])
	for i := range 6 {
		yt[i] = y[i] + h*(a41*k[0][i]+a42*k[1][i]+a43*k[2][i])
	}
	d.dyn.deriv(d.t+c4*h, &yt, &k[3])
	for i := range 6 {
		yt[i] = y[i] + h*(a51*k[0][i]+a52*k[1][i]+a53*k[2][i]+a54*k[3][i])
	}
	d.dyn.deriv(d.t+c5*h, &yt, &k[4])
	for i := range 6 {
		yt[i] = y[i] + h*(a61*k[0][i]+a62*k[1][i]+a63*k[2][i]+a64*k[3][i]+a65*k[4][i])
	}
	d.dyn.deriv(d.t+h, &yt, &k[5])
	for i := range 6 {
		ynew[i] = y[i] + h*(a71*k[0][i]+a73*k[2][i]+a74*k[3][i]+a75*k[4][i]+a76*k[5][i])
	}
	d.dyn.deriv(d.t+h, ynew, &k[6])
	var e float64
	for i := range 6 {
		ei := h * (e1*k[0][i] + e3*k[2][i] + e4*k[3][i] + e5*k[4][i] + e6*k[5][i] + e7*k[6][i])
		sk := d.atol + d.rtol*max(math.Abs(y[i]), math.Abs(ynew[i]))
		e += sq(ei / sk)
	}
	return math.Sqrt(e / 6)
}

// step advances by one accepted step, not past tEnd, and prepares the
// dense output for [t0, t]. It fails with ErrStepSize when the step size
// underflows, the error is not finite, or the step budget is exhausted.
func (d *dopri) step(tEnd float64) error {
	dir := 1.0
	if tEnd < d.t {
		dir = -1
	}
	var k [7]vec6
	var ynew vec6
	for {
		d.steps++
		if d.steps > maxSteps {
			return ErrStepSize
		}
		h := dir * min(math.Abs(d.h), d.hmax)
		last := false
		if rem := tEnd - d.t; dir*(d.t+1.01*h-tEnd) >= 0 {
			h, last = rem, true
		}
		if math.Abs(h) <= 1e-12*max(1, math.Abs(d.t)) {
			return ErrStepSize
		}
		err := d.tryStep(h, &k, &ynew)
		if !(err < math.Inf(1)) { // NaN or Inf: shrink hard
			d.h = h * facMin
			d.rejected = true
			continue
		}
		fac11 := math.Pow(err, piExpo)
		fac := fac11 / math.Pow(d.errOld, piBeta)
		fac = max(1/facMax, min(1/facMin, fac/safety)) // h/hnew
		if err > 1 {
			d.h = h / min(1/facMin, fac11/safety)
			d.rejected = true
			continue
		}
		// Accepted: store the dense output (Hairer's CONTD5 coefficients).
		d.t0, d.h0, d.y0, d.f0 = d.t, h, d.y, d.f
		for i := range 6 {
			ydiff := ynew[i] - d.y[i]
			bspl := h*k[0][i] - ydiff
			d.rc[0][i] = d.y[i]
			d.rc[1][i] = ydiff
			d.rc[2][i] = bspl
			d.rc[3][i] = ydiff - h*k[6][i] - bspl
			d.rc[4][i] = h * (d1*k[0][i] + d3*k[2][i] + d4*k[3][i] + d5*k[4][i] + d6*k[5][i] + d7*k[6][i])
		}
		hnew := h / fac
		if d.rejected {
			hnew = dir * min(math.Abs(hnew), math.Abs(h))
		}
		if last {
			d.t = tEnd
		} else {
			d.t += h
		}
		d.y, d.f = ynew, k[6]
		d.errOld = max(err, minErrOld)
		d.rejected = false
		if !last || math.Abs(hnew) > math.Abs(d.h) {
			d.h = hnew
		}
		return nil
	}
}

// dense sets out to the interpolated state at t within the last step.
func (d *dopri) dense(t float64, out *vec6) {
	th := (t - d.t0) / d.h0
	th1 := 1 - th
	for i := range 6 {
		out[i] = d.rc[0][i] + th*(d.rc[1][i]+th1*(d.rc[2][i]+th*(d.rc[3][i]+th1*d.rc[4][i])))
	}
}

// exactAt returns the state at t within the last accepted step by taking a
// fresh step from its start, which is at least as accurate as the step
// itself (the dense output is one order lower).
func (d *dopri) exactAt(t float64) vec6 {
	if t == d.t {
		return d.y
	}
	if t == d.t0 {
		return d.y0
	}
	save := *d
	d.t, d.y, d.f = d.t0, d.y0, d.f0
	var k [7]vec6
	var out vec6
	d.tryStep(t-d.t0, &k, &out)
	*d = save
	return out
}

func sq(x float64) float64 { return x * x }
