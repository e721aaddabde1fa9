package estimate

import (
	"math"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

// State layout. Every mode shares r (0–2) and v (3–5) in ECEF, SI units.
// Ballistic mode adds s = ln α at 6, α = 1/β in m²/kg; the free-acceleration
// modes (boost, manoeuvre) add the unmodelled acceleration a at 6–8, m/s².
const (
	iLnAlpha = 6
	iAccel   = 6
)

// Bounds on ln α in the dynamics: β from 100 to 10⁶ kg/m² (research/
// tracking.md §3.5: RVs 1,000–10,000, stages and debris a few hundred).
var (
	lnAlphaMin = math.Log(1e-6)
	lnAlphaMax = math.Log(1e-2)
)

// core is a square-root cubature Kalman filter (Arasaratnam and Haykin,
// "Cubature Kalman filters", IEEE TAC 54(6):1254–1269, 2009, §V) on one of
// the state layouts above. x is the mean and s the lower-triangular square
// root of P = s·sᵀ at time t. A core is a value: copying it copies the
// filter.
type core struct {
	mode Mode
	n    int
	t    time.Time
	x    vec
	s    sqm
	// For the free-acceleration modes: the ln α whose drag the dynamics
	// include (a nominal value; the rest is absorbed by a).
	lnAlpha float64
	noise   noise
}

// noise is the process noise of a core.
type noise struct {
	q      float64 // white acceleration, m²/s³ (every mode), in vacuum
	qAir   float64 // added white acceleration in the air, m²/s³ (see airFactor)
	qAlpha float64 // random walk of ln α, 1/s (ballistic)
	qJerk  float64 // white jerk, m²/s⁵ (free-acceleration modes)
	tau    float64 // correlation time of the acceleration, s (free-acceleration modes)
}

// maxStep is the longest integration step of the filter's dynamics.
const maxStep = time.Second

// accelModel is the force model of the free-acceleration modes, without
// the unknown acceleration.
var gravityOnly = ballistic.Model{J2: true, Rotation: true}

// betaOf returns β = 1/α for ln α, clamped to the dynamics' bounds.
func betaOf(lnAlpha float64) float64 {
	return math.Exp(-math.Max(lnAlphaMin, math.Min(lnAlphaMax, lnAlpha)))
}

// propagate moves the state x of a core in mode by dt (either sign),
// without noise, in steps of at most maxStep: Dormand–Prince steps of
// the full model (ballistic.Step) in ballistic mode, classical RK4 with
// the extra constant acceleration otherwise.
func propagate(mode Mode, lnAlpha, tau float64, x *vec, dt time.Duration) {
	if dt == 0 {
		return
	}
	k := int((abs(dt) + maxStep - 1) / maxStep)
	s := ballistic.State{R: r3.Vec{X: x[0], Y: x[1], Z: x[2]}, V: r3.Vec{X: x[3], Y: x[4], Z: x[5]}}
	if mode == ModeBallistic {
		m := ballistic.Full(betaOf(x[iLnAlpha]))
		var done time.Duration
		for i := 1; i <= k; i++ {
			next := dt * time.Duration(i) / time.Duration(k)
			s = ballistic.Step(m, s, next-done)
			done = next
		}
	} else {
		// In boost the thrust grows as the rocket burns its mass,
		// ȧ = a·|a|/c (a = c/(τ−t) for constant mass flow), with c the
		// nominal exhaust velocity; in a manoeuvre the acceleration decays
		// as e^(−t/τ) (Singer 1970). Within a step it is held at its
		// mid-step value.
		m := ballistic.Full(betaOf(lnAlpha))
		a := r3.Vec{X: x[iAccel], Y: x[iAccel+1], Z: x[iAccel+2]}
		var done time.Duration
		for i := 1; i <= k; i++ {
			next := dt * time.Duration(i) / time.Duration(k)
			h := (next - done).Seconds()
			if mode == ModeBoost {
				s = rk4(m, r3.Scale(rocketGrowth(r3.Norm(a), h/2), a), s, h)
				a = r3.Scale(rocketGrowth(r3.Norm(a), h), a)
			} else {
				s = rk4(m, r3.Scale(math.Exp(-math.Abs(h)/(2*tau)), a), s, h)
				a = r3.Scale(math.Exp(-math.Abs(h)/tau), a)
			}
			done = next
		}
		x[iAccel], x[iAccel+1], x[iAccel+2] = a.X, a.Y, a.Z
	}
	x[0], x[1], x[2] = s.R.X, s.R.Y, s.R.Z
	x[3], x[4], x[5] = s.V.X, s.V.Y, s.V.Z
}

// exhaustNominal is the exhaust velocity of the boost model's thrust
// growth, m/s: between the SRBM's 2,600 and the IRBM's 3,200 of
// ballistic.VehicleFor.
const exhaustNominal = 3000.0

// rocketGrowth returns the factor by which a thrust acceleration of
// magnitude a grows in h seconds under ȧ = a²/c: 1/(1 − a·h/c), bounded to
// [0.5, 2].
func rocketGrowth(a, h float64) float64 {
	d := 1 - a*h/exhaustNominal
	return 1 / math.Max(0.5, math.Min(2, d))
}

// rk4 is one classical Runge–Kutta step of r̈ = m.Accel(r, ṙ) + a.
func rk4(m ballistic.Model, a r3.Vec, s ballistic.State, h float64) ballistic.State {
	f := func(s ballistic.State) r3.Vec { return r3.Add(m.Accel(s), a) }
	k1v := f(s)
	k1r := s.V
	s2 := ballistic.State{R: r3.Add(s.R, r3.Scale(h/2, k1r)), V: r3.Add(s.V, r3.Scale(h/2, k1v))}
	k2v := f(s2)
	k2r := s2.V
	s3 := ballistic.State{R: r3.Add(s.R, r3.Scale(h/2, k2r)), V: r3.Add(s.V, r3.Scale(h/2, k2v))}
	k3v := f(s3)
	k3r := s3.V
	s4 := ballistic.State{R: r3.Add(s.R, r3.Scale(h, k3r)), V: r3.Add(s.V, r3.Scale(h, k3v))}
	k4v := f(s4)
	k4r := s4.V
	return ballistic.State{
		R: r3.Add(s.R, r3.Scale(h/6, r3.Add(r3.Add(k1r, r3.Scale(2, k2r)), r3.Add(r3.Scale(2, k3r), k4r)))),
		V: r3.Add(s.V, r3.Scale(h/6, r3.Add(r3.Add(k1v, r3.Scale(2, k2v)), r3.Add(r3.Scale(2, k3v), k4v)))),
	}
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// sqrtQ returns the lower square root of the discrete process noise over
// dt seconds (dt > 0): per axis, white acceleration q on (r, v) — the
// block [q dt³/3, q dt²/2; q dt²/2, q dt] (Bar-Shalom, Li and Kirubarajan,
// Estimation with Applications to Tracking and Navigation, 2001, §6.2) —
// plus, in the free-acceleration modes, the Singer acceleration model
// ȧ = −a/τ + w with w white of density qj (Singer, IEEE TAES 6(4), 1970):
// Q = qj ∫₀^dt φ(s)φ(s)ᵀ ds with φ(s) the last column of its transition
// matrix, by Simpson's rule; and a random walk qα·dt on ln α.
func (c *core) sqrtQ(dt, air float64) (l sqm) {
	nz := c.noise
	nz.q += air * nz.qAir
	dt2, dt3 := dt*dt, dt*dt*dt
	var blk sqm
	if c.mode == ModeBallistic {
		blk[0][0], blk[0][1] = nz.q*dt3/3, nz.q*dt2/2
		blk[1][0], blk[1][1] = nz.q*dt2/2, nz.q*dt
		b, ok := cholesky(&blk, 2)
		if !ok {
			b = sqm{}
		}
		for ax := 0; ax < 3; ax++ {
			l[ax][ax] = b[0][0]
			l[3+ax][ax] = b[1][0]
			l[3+ax][3+ax] = b[1][1]
		}
		l[iLnAlpha][iLnAlpha] = math.Sqrt(nz.qAlpha * dt)
		return l
	}
	singer(nz.qJerk, nz.tau, dt, &blk)
	blk[0][0] += nz.q * dt3 / 3
	blk[0][1] += nz.q * dt2 / 2
	blk[1][0] += nz.q * dt2 / 2
	blk[1][1] += nz.q * dt
	b, ok := cholesky(&blk, 3)
	if !ok {
		b = sqm{}
	}
	idx := [3]int{0, 3, iAccel}
	for ax := 0; ax < 3; ax++ {
		for i := 0; i < 3; i++ {
			for j := 0; j <= i; j++ {
				l[idx[i]+ax][idx[j]+ax] = b[i][j]
			}
		}
	}
	return l
}

// airFactor is 0 above 100 km, 1 below 60 km and linear in between: the
// share of the in-air process noise at the state's height, for the model
// errors that drag brings (the ballistic coefficient's variation, the
// atmosphere's departure from the standard).
func airFactor(x *vec) float64 {
	h := math.Sqrt(x[0]*x[0]+x[1]*x[1]+x[2]*x[2]) - geo.B // at most 21 km above the geodetic height
	return math.Max(0, math.Min(1, (100e3-h)/40e3))
}

// singer writes the 3×3 discrete process noise of the Singer model over dt
// into q.
func singer(qj, tau, dt float64, q *sqm) {
	const k = 16 // Simpson intervals
	b := 1 / tau
	phi := func(s float64) [3]float64 {
		e := math.Exp(-b * s)
		return [3]float64{(b*s - 1 + e) / (b * b), (1 - e) / b, e}
	}
	h := dt / k
	for i := 0; i <= k; i++ {
		w := 2.0
		switch {
		case i == 0 || i == k:
			w = 1
		case i%2 == 1:
			w = 4
		}
		p := phi(float64(i) * h)
		for r := 0; r < 3; r++ {
			for c := 0; c < 3; c++ {
				q[r][c] += w * h / 3 * qj * p[r] * p[c]
			}
		}
	}
}

// points writes the 2n cubature points x ± √n·s eᵢ.
func (c *core) points(pts *[maxPts]vec) {
	n := c.n
	sq := math.Sqrt(float64(n))
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			d := sq * c.s[j][i]
			pts[i][j] = c.x[j] + d
			pts[n+i][j] = c.x[j] - d
		}
	}
}

// predict moves the core to time t (t ≥ c.t): the cubature points through
// the dynamics, then x⁻ = mean and s⁻ = tria([X, √Q]).
func (c *core) predict(t time.Time) {
	dt := t.Sub(c.t)
	if dt <= 0 {
		return
	}
	n := c.n
	var pts [maxPts]vec
	c.points(&pts)
	for i := 0; i < 2*n; i++ {
		propagate(c.mode, c.lnAlpha, c.noise.tau, &pts[i], dt)
	}
	var mean vec
	for i := 0; i < 2*n; i++ {
		for j := 0; j < n; j++ {
			mean[j] += pts[i][j]
		}
	}
	w := 1 / float64(2*n)
	for j := 0; j < n; j++ {
		mean[j] *= w
	}
	var b [maxRows][maxN]float64
	sw := math.Sqrt(w)
	for i := 0; i < 2*n; i++ {
		for j := 0; j < n; j++ {
			b[i][j] = sw * (pts[i][j] - mean[j])
		}
	}
	q := c.sqrtQ(dt.Seconds(), airFactor(&mean))
	for k := 0; k < n; k++ {
		for j := 0; j < n; j++ {
			b[2*n+k][j] = q[j][k]
		}
	}
	c.s = tria(&b, 3*n, n)
	c.x = mean
	c.t = t
}

// innovation is a measurement's innovation at a core's current time: ν =
// z − ẑ, the square root szz of S = H P Hᵀ + R, the cross-covariance P_xz
// and the centred, weighted point deviations for the update.
type innovation struct {
	m    int
	nu   [maxM]float64
	szz  sqm
	pxz  [maxN][maxM]float64
	dx   [maxPts]vec
	dz   [maxPts][maxM]float64
	nis  float64
	ldet float64 // ln det S
	o    *obs
}

// innovate computes the innovation of o; false if S is not positive
// definite.
func (c *core) innovate(o *obs, in *innovation) bool {
	n, m := c.n, o.m
	in.m, in.o = m, o
	var pts [maxPts]vec
	c.points(&pts)
	var res [maxPts][maxM]float64
	for i := 0; i < 2*n; i++ {
		p := &pts[i]
		o.residual(r3.Vec{X: p[0], Y: p[1], Z: p[2]}, r3.Vec{X: p[3], Y: p[4], Z: p[5]}, &res[i])
	}
	w := 1 / float64(2*n)
	sw := math.Sqrt(w)
	in.nu = [maxM]float64{}
	for i := 0; i < 2*n; i++ {
		for k := 0; k < m; k++ {
			in.nu[k] += res[i][k]
		}
	}
	for k := 0; k < m; k++ {
		in.nu[k] *= w
	}
	// ẑᵢ − ẑ = (z − ẑ) − (z − ẑᵢ) = ν − rᵢ.
	var b [maxRows][maxN]float64
	for i := 0; i < 2*n; i++ {
		for k := 0; k < m; k++ {
			in.dz[i][k] = sw * (in.nu[k] - res[i][k])
			b[i][k] = in.dz[i][k]
		}
		for j := 0; j < n; j++ {
			in.dx[i][j] = sw * (pts[i][j] - c.x[j])
		}
	}
	for k := 0; k < m; k++ {
		for j := 0; j < m; j++ {
			b[2*n+k][j] = o.sr[j][k]
		}
	}
	in.szz = tria(&b, 2*n+m, m)
	in.ldet = 0
	for k := 0; k < m; k++ {
		if !(in.szz[k][k] > 0) {
			return false
		}
		in.ldet += 2 * math.Log(in.szz[k][k])
	}
	for j := 0; j < n; j++ {
		for k := 0; k < m; k++ {
			var s float64
			for i := 0; i < 2*n; i++ {
				s += in.dx[i][j] * in.dz[i][k]
			}
			in.pxz[j][k] = s
		}
	}
	var y vec
	for k := 0; k < m; k++ {
		y[k] = in.nu[k]
	}
	forward(&in.szz, &y, m)
	in.nis = 0
	for k := 0; k < m; k++ {
		in.nis += y[k] * y[k]
	}
	return !math.IsNaN(in.nis)
}

// update applies an innovation computed at the core's current state:
// K = P_xz S⁻¹, x⁺ = x⁻ + K ν, s⁺ = tria([X − K Z, K √R]). With consider
// set, the gain of ln α is zero — a Schmidt "consider" state (Schmidt
// 1966; research/tracking.md §5.4): its estimate and variance stay, and
// the square-root form, which is Joseph's for any gain, keeps the other
// states' covariance honest about it.
func (c *core) update(in *innovation, consider bool) {
	n, m := c.n, in.m
	var k [maxN][maxM]float64
	for j := 0; j < n; j++ {
		var y vec
		for q := 0; q < m; q++ {
			y[q] = in.pxz[j][q]
		}
		forward(&in.szz, &y, m)
		backward(&in.szz, &y, m)
		for q := 0; q < m; q++ {
			k[j][q] = y[q]
		}
	}
	if consider && c.mode == ModeBallistic {
		for q := 0; q < m; q++ {
			k[iLnAlpha][q] = 0
		}
	}
	for j := 0; j < n; j++ {
		var s float64
		for q := 0; q < m; q++ {
			s += k[j][q] * in.nu[q]
		}
		c.x[j] += s
	}
	var b [maxRows][maxN]float64
	for i := 0; i < 2*n; i++ {
		for j := 0; j < n; j++ {
			s := in.dx[i][j]
			for q := 0; q < m; q++ {
				s -= k[j][q] * in.dz[i][q]
			}
			b[i][j] = s
		}
	}
	for col := 0; col < m; col++ {
		for j := 0; j < n; j++ {
			var s float64
			for q := col; q < m; q++ {
				s += k[j][q] * in.o.sr[q][col]
			}
			b[2*n+col][j] = s
		}
	}
	c.s = tria(&b, 2*n+m, n)
}

// healthy reports whether the core's mean and square root are finite and
// the square root has a positive diagonal.
func (c *core) healthy() bool { return finite(&c.x, c.n) && finiteSqrt(&c.s, c.n) }

// pos and vel return the mean position and velocity.
func (c *core) pos() r3.Vec { return r3.Vec{X: c.x[0], Y: c.x[1], Z: c.x[2]} }
func (c *core) vel() r3.Vec { return r3.Vec{X: c.x[3], Y: c.x[4], Z: c.x[5]} }

// cov returns the full covariance P = s·sᵀ.
func (c *core) cov() sqm { return outer(&c.s, c.n) }

// inflate adds independent variances var[i] to P: s ← tria([s, diag(√var)]).
func (c *core) inflate(variance *vec) {
	n := c.n
	var b [maxRows][maxN]float64
	for k := 0; k < n; k++ {
		for j := 0; j < n; j++ {
			b[k][j] = c.s[j][k]
		}
		b[n+k][k] = math.Sqrt(variance[k])
	}
	c.s = tria(&b, 2*n, n)
}

// inflateVec adds u·uᵀ to P: s ← tria([s, u]).
func (c *core) inflateVec(u *vec) {
	n := c.n
	var b [maxRows][maxN]float64
	for k := 0; k < n; k++ {
		for j := 0; j < n; j++ {
			b[k][j] = c.s[j][k]
		}
	}
	for j := 0; j < n; j++ {
		b[n][j] = u[j]
	}
	c.s = tria(&b, n+1, n)
}

// convert returns the core in another mode at the same time: r and v with
// their joint covariance kept (the leading 6×6 block of a lower square root
// is the square root of the marginal), the new mode's extra states from
// the given prior means and standard deviations, uncorrelated.
func (c *core) convert(mode Mode, extra []float64, sigma []float64, nz noise, lnAlpha float64) core {
	out := core{mode: mode, t: c.t, noise: nz, lnAlpha: lnAlpha}
	out.n = dimOf(mode)
	for i := 0; i < 6; i++ {
		out.x[i] = c.x[i]
		for j := 0; j <= i; j++ {
			out.s[i][j] = c.s[i][j]
		}
	}
	for i := 6; i < out.n; i++ {
		out.x[i] = extra[i-6]
		out.s[i][i] = sigma[i-6]
	}
	return out
}

// dimOf returns the state dimension of a mode.
func dimOf(mode Mode) int {
	if mode == ModeBallistic {
		return 7
	}
	return 9
}
