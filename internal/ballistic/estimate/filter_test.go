package estimate_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/ballistic/estimate"
	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/sensor"
)

// midcourse returns a free-flight state of the 2022-10-04 IRBM 300 s
// after launch (about 700 km up, no air) and its time.
func midcourse(tb testing.TB) (ballistic.State, time.Time) {
	tb.Helper()
	_, fl := mustFlights(tb, "2022-10-04-irbm-overflight")
	s, ok := fl[0].Traj.At(300 * time.Second)
	if !ok {
		tb.Fatal("no state at 300 s")
	}
	return s, fl[0].Start().Add(300 * time.Second)
}

func diagCov(sr, sv float64) *mat.SymDense {
	p := mat.NewSymDense(6, nil)
	for i := range 3 {
		p.SetSym(i, i, sr*sr)
		p.SetSym(3+i, 3+i, sv*sv)
	}
	return p
}

// With a tiny covariance the cubature mean is the propagated state.
func TestPredictMean(t *testing.T) {
	s0, t0 := midcourse(t)
	f, err := estimate.NewState(t0, s0, diagCov(1e-3, 1e-5), estimate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Predict(t0.Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	want, err := ballistic.PropagateTo(ballistic.Full(4000), s0, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r, v := f.Mean()
	if d := r3.Norm(r3.Sub(r, want.R)); d > 1e-2 {
		t.Errorf("position off by %g m", d)
	}
	if d := r3.Norm(r3.Sub(v, want.V)); d > 1e-4 {
		t.Errorf("velocity off by %g m/s", d)
	}
	if err := f.Predict(t0); !errors.Is(err, estimate.ErrOutOfOrder) {
		t.Errorf("predict into the past: %v, want ErrOutOfOrder", err)
	}
}

// The cubature prediction of a small covariance equals the linearised
// F·P·Fᵀ, with F the Jacobian of the propagator by finite differences
// (gonum diff/fd), and negligible process noise.
func TestPredictCovariance(t *testing.T) {
	s0, t0 := midcourse(t)
	p0 := diagCov(100, 1)
	p0.SetSym(0, 4, 30) // some correlation
	f, err := estimate.NewState(t0, s0, p0, estimate.Config{Q: 1e-12, QAlpha: 1e-18})
	if err != nil {
		t.Fatal(err)
	}
	dt := 20 * time.Second
	if err := f.Predict(t0.Add(dt)); err != nil {
		t.Fatal(err)
	}
	prop := func(y, x []float64) {
		s := ballistic.State{R: r3.Vec{X: x[0], Y: x[1], Z: x[2]}, V: r3.Vec{X: x[3], Y: x[4], Z: x[5]}}
		out, err := ballistic.PropagateTo(ballistic.Full(4000), s, dt)
		if err != nil {
			t.Fatal(err)
		}
		copy(y, []float64{out.R.X, out.R.Y, out.R.Z, out.V.X, out.V.Y, out.V.Z})
	}
	x0 := []float64{s0.R.X, s0.R.Y, s0.R.Z, s0.V.X, s0.V.Y, s0.V.Z}
	var jac mat.Dense
	jac.ReuseAs(6, 6)
	fd.Jacobian(&jac, prop, x0, &fd.JacobianSettings{Formula: fd.Central, Step: 1e-2})
	var fp, want mat.Dense
	fp.Mul(&jac, p0)
	want.Mul(&fp, jac.T())
	got := f.Cov()
	for i := range 6 {
		for j := range 6 {
			scale := math.Sqrt(want.At(i, i) * want.At(j, j))
			if d := math.Abs(got.At(i, j)-want.At(i, j)) / scale; d > 1e-4 {
				t.Errorf("P[%d][%d] = %g, want %g (relative %g)", i, j, got.At(i, j), want.At(i, j), d)
			}
		}
	}
}

// kalman is the textbook linearised update of (x, P) with measurements
// whose z − h(x) is res(x): H by central differences, S = H P Hᵀ + R,
// K = P Hᵀ S⁻¹, x⁺ = x + K ν, P⁺ = (I − K H) P. Several measurements are
// stacked into one joint update.
func kalman(t *testing.T, x []float64, p *mat.SymDense, ms []sensor.Measurement) ([]float64, *mat.Dense) {
	t.Helper()
	n := len(x)
	var rows int
	for _, m := range ms {
		rows += m.Dim()
	}
	h := mat.NewDense(rows, n, nil)
	nu := mat.NewVecDense(rows, nil)
	r := mat.NewDense(rows, rows, nil)
	res := func(m sensor.Measurement, x []float64) []float64 {
		return m.Residual(geo.ECEF{X: x[0], Y: x[1], Z: x[2]}, r3.Vec{X: x[3], Y: x[4], Z: x[5]})
	}
	row := 0
	for _, m := range ms {
		d := m.Dim()
		z0 := res(m, x)
		for k := range d {
			nu.SetVec(row+k, z0[k])
		}
		for j := range n {
			step := 1.0
			if j >= 3 {
				step = 1e-2
			}
			xp := append([]float64(nil), x...)
			xm := append([]float64(nil), x...)
			xp[j] += step
			xm[j] -= step
			rp, rm := res(m, xp), res(m, xm)
			for k := range d {
				h.Set(row+k, j, -(rp[k]-rm[k])/(2*step)) // ∂h/∂x = −∂(z−h)/∂x
			}
		}
		rm := m.R()
		for a := range d {
			for b := range d {
				r.Set(row+a, row+b, rm.At(a, b))
			}
		}
		row += d
	}
	var ph, s, k mat.Dense
	ph.Mul(p, h.T())
	s.Mul(h, &ph)
	s.Add(&s, r)
	var sInv mat.Dense
	if err := sInv.Inverse(&s); err != nil {
		t.Fatal(err)
	}
	k.Mul(&ph, &sInv)
	var dx mat.VecDense
	dx.MulVec(&k, nu)
	out := make([]float64, n)
	for i := range n {
		out[i] = x[i] + dx.AtVec(i)
	}
	var kh, ikh, post mat.Dense
	kh.Mul(&k, h)
	ikh.Sub(eye(n), &kh)
	post.Mul(&ikh, p)
	return out, &post
}

func eye(n int) *mat.Dense {
	d := mat.NewDense(n, n, nil)
	for i := range n {
		d.Set(i, i, 1)
	}
	return d
}

// With a small covariance the cubature update is the Kalman update, and
// sequential updates with two radars at one instant equal the joint
// update.
func TestUpdateMatchesKalman(t *testing.T) {
	s0, t0 := midcourse(t)
	truth := r3.Add(s0.R, r3.Vec{X: 120, Y: -60, Z: 90})
	sites := []geo.LLA{{Lat: 40.89, Lon: 140.33, Alt: 60}, {Lat: 38.2, Lon: 138.5, Alt: 300}}
	for _, tt := range []struct {
		name  string
		plots []sensor.Measurement
	}{
		{"one_radar", []sensor.Measurement{radarPlot(sites[0], truth, t0, 1)}},
		{"two_radars_sequential", []sensor.Measurement{radarPlot(sites[0], truth, t0, 1), radarPlot(sites[1], truth, t0, 2)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p0 := diagCov(60, 2)
			f, err := estimate.NewState(t0, s0, p0, estimate.Config{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.plots {
				if _, err := f.Update(&tt.plots[i]); err != nil {
					t.Fatal(err)
				}
			}
			x0 := []float64{s0.R.X, s0.R.Y, s0.R.Z, s0.V.X, s0.V.Y, s0.V.Z}
			wantX, wantP := kalman(t, x0, p0, tt.plots)
			r, v := f.Mean()
			got := []float64{r.X, r.Y, r.Z, v.X, v.Y, v.Z}
			for i := range 6 {
				corr := wantX[i] - x0[i]
				tol := 1e-3*math.Abs(corr) + 1e-3
				if math.Abs(got[i]-wantX[i]) > tol {
					t.Errorf("x[%d] = %.6f, want %.6f (correction %.3f)", i, got[i], wantX[i], corr)
				}
			}
			pc := f.Cov()
			for i := range 6 {
				for j := range 6 {
					scale := math.Sqrt(wantP.At(i, i) * wantP.At(j, j))
					if d := math.Abs(pc.At(i, j)-wantP.At(i, j)) / scale; d > 1e-3 {
						t.Errorf("P[%d][%d] = %g, want %g", i, j, pc.At(i, j), wantP.At(i, j))
					}
				}
			}
		})
	}
}

// A batch fit to noise-free plots of a free flight recovers the state.
func TestInitiationRecoversState(t *testing.T) {
	_, fl := mustFlights(t, "2022-10-04-irbm-overflight")
	f0 := fl[0]
	site := geo.LLA{Lat: 38.2, Lon: 138.5, Alt: 300}
	var plots []sensor.Measurement
	for k := range 5 {
		dt := 200*time.Second + time.Duration(k)*time.Second
		s, _ := f0.Traj.At(dt)
		plots = append(plots, radarPlot(site, s.R, f0.Start().Add(dt), uint64(k+1)))
	}
	f, err := estimate.New(plots, estimate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Mode() != estimate.ModeBoost {
		t.Errorf("mode %v, want boost until a burnout is found", f.Mode())
	}
	want, _ := f0.Traj.At(204 * time.Second)
	r, v := f.Mean()
	if d := r3.Norm(r3.Sub(r, want.R)); d > 1 {
		t.Errorf("position off by %.3f m", d)
	}
	if d := r3.Norm(r3.Sub(v, want.V)); d > 0.1 {
		t.Errorf("velocity off by %.4f m/s", d)
	}
	if a := r3.Norm(f.Thrust()); a > 0.5 {
		t.Errorf("thrust %.2f m/s² in free flight", a)
	}
	// Two plots at one time cannot start a track; plots of two objects
	// do not fit one flight.
	if _, err := estimate.New(plots[:1], estimate.Config{}); !errors.Is(err, estimate.ErrTooFewPlots) {
		t.Errorf("one plot: %v, want ErrTooFewPlots", err)
	}
	mixed := append([]sensor.Measurement(nil), plots...)
	mixed[2] = radarPlot(site, r3.Add(want.R, r3.Vec{X: 40e3}), plots[2].Time, 3)
	if _, err := estimate.New(mixed, estimate.Config{}); !errors.Is(err, estimate.ErrInconsistentPlots) {
		t.Errorf("two objects: %v, want ErrInconsistentPlots", err)
	}
}

// A simulated minimum-energy MRBM seen by the default network: the burnout
// is found within seconds, the flight stays ballistic, and the figures
// match the truth.
func TestTrackBallisticFlight(t *testing.T) {
	fl, ms := mustSimulate(t, "2016-08-03-nodong-eez", 1)
	f := mustTrack(t, ms, estimate.Config{}, nil)
	bo, ok := f.Burnout()
	if !ok {
		t.Fatal("no burnout found")
	}
	if d := bo.Sub(fl.Start().Add(fl.Traj.Burnout.T)); d.Abs() > 5*time.Second {
		t.Errorf("burnout %v off the truth", d)
	}
	if f.Mode() != estimate.ModeBallistic {
		t.Errorf("mode %v, want ballistic", f.Mode())
	}
	if irr, why := f.Irregular(); irr {
		t.Errorf("flagged irregular: %s", why)
	}
	a, err := f.Assess(estimate.AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Trajectory != estimate.MinimumEnergy {
		t.Errorf("trajectory %v, want minimum-energy", a.Trajectory)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"apogee", float64(a.Apogee), float64(fl.Traj.MaxAltitude())},
		{"range", float64(a.Range), float64(fl.Traj.Range())},
		{"flight time", a.FlightTime.Seconds(), fl.Traj.FlightTime().Seconds()},
	} {
		if e := relErr(c.got, c.want, 1); e > 0.02 {
			t.Errorf("%s %.1f, truth %.1f (%.1f %%)", c.name, c.got, c.want, 100*e)
		}
	}
	if d, _, _ := geo.Inverse(a.Launch.Point, fl.Launch.Site); d > a.Launch.Error {
		t.Errorf("launch point %.1f km off, outside its 95 %% radius %.1f km", d/1e3, a.Launch.Error/1e3)
	}
}

// A KN-23-like pull-up is flagged irregular from its innovations, not
// forced into a ballistic fit.
func TestPullUpIsIrregular(t *testing.T) {
	_, ms := mustSimulate(t, "2019-07-25-kn23-pullup", 1)
	f := mustTrack(t, ms, estimate.Config{}, nil)
	irr, why := f.Irregular()
	if !irr {
		t.Fatal("pull-up not flagged irregular")
	}
	if !strings.Contains(why, "innovations") {
		t.Errorf("reason %q", why)
	}
	if f.Mode() != estimate.ModeManoeuvre {
		t.Errorf("mode %v, want manoeuvre", f.Mode())
	}
	a, err := f.Assess(estimate.AssessOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Trajectory != estimate.Irregular || a.Class != ballistic.SRBM {
		t.Errorf("assessed %v %v, want an irregular SRBM", a.Class, a.Trajectory)
	}
}

// A filter fed another object's plots diverges and restarts from its
// recent plots, says so in its notes, and never reports a state off the
// Earth.
func TestDivergenceResets(t *testing.T) {
	fl, ms := mustSimulate(t, "2016-08-03-nodong-eez", 2)
	init, k := initPlots(ms)
	f, err := estimate.New(init, estimate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	jump := fl.Start().Add(200 * time.Second)
	reset := false
	for ; k < len(ms); k++ {
		m := ms[k]
		if m.Time.After(jump) && m.Kind == sensor.KindRadar {
			// From here on, another object 60 km further along.
			s, _ := fl.Traj.At(m.Time.Sub(fl.Start()) + 20*time.Second)
			p := radarPlot(geo.LLA(m.Radar.Site), s.R, m.Time, m.Seq)
			p.Sensor = m.Sensor
			m = p
		} else if m.Time.After(jump) {
			continue
		}
		in, err := f.Update(&m)
		if errors.Is(err, estimate.ErrDiverged) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		reset = reset || in.Reset
		r, _ := f.Mean()
		if alt := geo.ECEFFromVec(r).LLA().Alt; alt < -50e3 || alt > 2000e3 {
			t.Fatalf("estimate at %.0f km altitude", alt/1e3)
		}
		if m.Time.After(jump.Add(60 * time.Second)) {
			break
		}
	}
	if !reset {
		t.Fatal("no reset after divergence")
	}
	if f.Resets() == 0 || !strings.Contains(strings.Join(f.Notes(), ";"), "reset after divergence") {
		t.Errorf("notes %q, resets %d", f.Notes(), f.Resets())
	}
}

// The filter is consistent: over Monte Carlo runs of a simulated flight,
// the time-averaged normalised estimation error squared of position and
// velocity in free flight lies in the 95 % interval of χ²(6N)/N
// (research/tracking.md §6.2; Bar-Shalom, Li and Kirubarajan §5.4).
func TestNEES(t *testing.T) {
	if testing.Short() {
		t.Skip("Monte Carlo")
	}
	const runs = 20
	var total float64
	for seed := uint64(1); seed <= runs; seed++ {
		fl, ms := mustSimulate(t, "2016-08-03-nodong-eez", seed)
		var sum float64
		var n int
		mustTrack(t, ms, estimate.Config{}, func(f *estimate.Filter, m *sensor.Measurement) {
			bo, ok := f.Burnout()
			if f.Mode() != estimate.ModeBallistic || !ok || m.Time.Sub(bo) < 20*time.Second {
				return
			}
			s, _ := fl.Traj.At(m.Time.Sub(fl.Start()))
			sum += nees(t, f, s)
			n++
		})
		if n < 100 {
			t.Fatalf("seed %d: only %d free-flight updates", seed, n)
		}
		total += sum / float64(n)
	}
	mean := total / runs
	lo := distuv.ChiSquared{K: 6 * runs}.Quantile(0.025) / runs
	hi := distuv.ChiSquared{K: 6 * runs}.Quantile(0.975) / runs
	t.Logf("NEES %.2f, 95 %% interval [%.2f, %.2f]", mean, lo, hi)
	if mean < lo || mean > hi {
		t.Errorf("NEES %.2f outside [%.2f, %.2f]", mean, lo, hi)
	}
}
