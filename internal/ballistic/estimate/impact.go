package estimate

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/ballistic"
	"github.com/trilink/trilink/internal/geo"
)

// ErrNoImpact means a predicted trajectory does not come down (it is in
// orbit or the prediction span ran out), or the filter is not in a mode
// that predicts an impact.
var ErrNoImpact = errors.New("estimate: no predicted impact")

// Ellipse95 is the scale of a 95 % ellipse: √χ²₂(0.95) standard deviations
// along each principal axis (research/tracking.md §5.5).
const Ellipse95 = 2.4477

// Ellipse is an uncertainty ellipse on the ground.
type Ellipse struct {
	// Major and Minor are the semi-axes.
	Major, Minor geo.Meters
	// Bearing is the direction of the major axis, degrees clockwise from
	// north in [0, 180).
	Bearing geo.Degrees
}

// Impact is a predicted impact: the impact of the mean trajectory, the
// spread of the cubature points' impacts about it and the 95 % ellipse.
type Impact struct {
	// T is the impact time and SigmaT its standard deviation.
	T      time.Time
	SigmaT time.Duration
	// Point is the impact point on the ellipsoid (Alt 0).
	Point geo.LLA
	// Cov is the covariance of the impact point in the local east–north
	// plane at Point, m².
	Cov [2][2]float64
	// Ellipse is the 95 % ellipse.
	Ellipse Ellipse
	// Samples are the impact points of the cubature points, for
	// probabilities of impact by region (each carries weight
	// 1/len(Samples)).
	Samples []geo.LLA
}

// CEP returns the radius of the circle about the mean that holds half of
// the impact distribution, from Cov, computed numerically (the 0.5887·(σx+σy)
// rule is 6 % off for the elongated ellipses of early predictions,
// research/tracking.md §5.5).
func (im *Impact) CEP() geo.Meters {
	l1, l2, _ := eig2(im.Cov)
	return geo.Meters(cep(math.Sqrt(math.Max(l1, 0)), math.Sqrt(math.Max(l2, 0))))
}

// PathPoint is a point of a predicted or tracked path.
type PathPoint struct {
	T time.Time
	geo.LLA
}

// PredictImpact propagates the free flight of the current estimate to the
// ground — the mean and its cubature points — and returns the impact with
// its 95 % ellipse and the mean's path from now to the impact, pathStep
// apart (zero means 10 s). It fails, wrapping ErrNoImpact, in boost mode or
// when the flight does not come down.
func (f *Filter) PredictImpact(pathStep time.Duration) (*Impact, []PathPoint, error) {
	if pathStep <= 0 {
		pathStep = 10 * time.Second
	}
	im, mean, err := f.predictImpact(pathStep)
	if err != nil {
		return nil, nil, err
	}
	return im, pathOf(f.c.t, mean), nil
}

// pathOf returns the samples of a trajectory that starts at t0 as path
// points, ending with its impact.
func pathOf(t0 time.Time, tr *ballistic.Trajectory) []PathPoint {
	out := make([]PathPoint, 0, len(tr.Samples)+1)
	for _, s := range tr.Samples {
		out = append(out, PathPoint{T: t0.Add(s.T), LLA: s.State.LLA()})
	}
	if n := len(out); tr.Impact != nil && (n == 0 || out[n-1].T.Before(t0.Add(tr.Impact.T))) {
		out = append(out, PathPoint{T: t0.Add(tr.Impact.T), LLA: tr.Impact.LLA})
	}
	return out
}

// ipp options: tolerances loose enough for a few-millisecond prediction,
// tight enough for metre-level impacts.
var ippOptions = ballistic.Options{RelTol: 1e-8, AbsTol: 1e-2, Sample: -1, Span: 6 * time.Hour}

// spreadOptions integrate the cubature points, which only spread the
// impact about the mean's: their impacts stay within 10 m of a 1e-8
// integration (TestSpreadToleranceAgrees), far below the smallest 95 %
// ellipse, for 37 % less time per prediction.
var spreadOptions = ballistic.Options{RelTol: 1e-6, AbsTol: 1, Sample: -1, Span: 6 * time.Hour}

// predictImpact propagates the mean and the cubature points of the free
// flight (position, velocity and ln α; in the free-acceleration modes the
// acceleration is dropped and ln α takes its prior) to the ground, and
// returns the impact and the mean trajectory sampled every pathStep.
func (f *Filter) predictImpact(pathStep time.Duration) (*Impact, *ballistic.Trajectory, error) {
	if f.c.mode == ModeBoost || f.c.mode == ModeUnknown {
		return nil, nil, fmt.Errorf("%w: the track is in %v", ErrNoImpact, f.c.mode)
	}
	c := f.c
	if c.mode != ModeBallistic {
		c = c.convert(ModeBallistic, []float64{c.lnAlpha}, []float64{f.cfg.SigmaLnBeta}, noise{}, 0)
	}
	t0 := c.t
	stateOf := func(x *vec) (ballistic.State, ballistic.Model) {
		return ballistic.State{R: r3.Vec{X: x[0], Y: x[1], Z: x[2]}, V: r3.Vec{X: x[3], Y: x[4], Z: x[5]}}, ballistic.Full(betaOf(x[iLnAlpha]))
	}
	s0, m0 := stateOf(&c.x)
	opts := ippOptions
	opts.Sample = pathStep
	mean, err := ballistic.Propagate(m0, s0, 0, opts)
	if err != nil {
		return nil, nil, err
	}
	if mean.Impact == nil {
		return nil, mean, fmt.Errorf("%w: the mean trajectory stays up for %v", ErrNoImpact, opts.Span)
	}
	n := c.n
	var pts [maxPts]vec
	c.points(&pts)
	im := &Impact{Samples: make([]geo.LLA, 2*n)}
	var ecef [maxPts]r3.Vec
	var ts [maxPts]float64
	for i := 0; i < 2*n; i++ {
		s, m := stateOf(&pts[i])
		tr, err := ballistic.Propagate(m, s, 0, spreadOptions)
		if err != nil {
			return nil, mean, err
		}
		if tr.Impact == nil {
			return nil, mean, fmt.Errorf("%w: a cubature point stays up for %v", ErrNoImpact, spreadOptions.Span)
		}
		ecef[i] = tr.Impact.R
		ts[i] = tr.Impact.T.Seconds()
		im.Samples[i] = geo.LLA{Lat: tr.Impact.LLA.Lat, Lon: tr.Impact.LLA.Lon}
	}
	// The centre is the impact of the mean trajectory, and the spread is
	// taken about it: with the wide prior on ln α the cubature points'
	// mean is pulled by the draggiest point (a low-β point lands short and
	// late), while the mean state flies the most likely β.
	w := 1 / float64(2*n)
	mp := mean.Impact.LLA
	mp.Alt = 0
	im.Point = mp
	tm := mean.Impact.T.Seconds()
	var vt float64
	for i := 0; i < 2*n; i++ {
		e := geo.ENU(mp, geo.ECEFFromVec(ecef[i]))
		im.Cov[0][0] += w * e.X * e.X
		im.Cov[0][1] += w * e.X * e.Y
		im.Cov[1][1] += w * e.Y * e.Y
		vt += w * (ts[i] - tm) * (ts[i] - tm)
	}
	im.Cov[1][0] = im.Cov[0][1]
	im.T = t0.Add(time.Duration(tm * float64(time.Second)))
	im.SigmaT = time.Duration(math.Sqrt(vt) * float64(time.Second))
	im.Ellipse = ellipseOf(im.Cov, Ellipse95)
	return im, mean, nil
}

// ellipseOf returns the ellipse of k standard deviations of the east–north
// covariance c.
func ellipseOf(c [2][2]float64, k float64) Ellipse {
	l1, l2, az := eig2(c)
	return Ellipse{
		Major:   geo.Meters(k * math.Sqrt(math.Max(l1, 0))),
		Minor:   geo.Meters(k * math.Sqrt(math.Max(l2, 0))),
		Bearing: az,
	}
}

// eig2 returns the eigenvalues l1 ≥ l2 of the symmetric east–north matrix c
// and the bearing of the first eigenvector, degrees clockwise from north
// in [0, 180).
func eig2(c [2][2]float64) (l1, l2 float64, bearing geo.Degrees) {
	a, b, d := c[0][0], c[0][1], c[1][1]
	m := (a + d) / 2
	r := math.Hypot((a-d)/2, b)
	l1, l2 = m+r, m-r
	// Eigenvector angle from east, counter-clockwise: θ = ½ atan2(2b, a−d).
	th := 0.5 * math.Atan2(2*b, a-d)
	brg := 90 - th*180/math.Pi
	brg = math.Mod(brg, 180)
	if brg < 0 {
		brg += 180
	}
	return l1, l2, geo.Degrees(brg)
}

// cep returns the radius of the circle about the centre of a 2-D Gaussian
// with principal standard deviations s1 and s2 that holds probability ½,
// by bisection on
//
//	P(r) = (1/(2π s1 s2)) ∫₀^{2π} (1 − exp(−r² q(θ)/2)) / q(θ) dθ,  q(θ) = cos²θ/s1² + sin²θ/s2²,
//
// the integral of the density in polar coordinates, by the midpoint rule.
func cep(s1, s2 float64) float64 {
	if s1 <= 0 && s2 <= 0 {
		return 0
	}
	if s2 < 1e-9*s1 {
		// Degenerate: a 1-D Gaussian; P(|x| < r) = ½ at r = 0.6745 s1.
		return 0.6744897501960817 * s1
	}
	prob := func(r float64) float64 {
		// Four quadrants of [0, π/2] with k midpoints each.
		const k = 256
		var sum float64
		for i := 0; i < k; i++ {
			th := (float64(i) + 0.5) * math.Pi / (2 * k)
			c, s := math.Cos(th), math.Sin(th)
			q := c*c/(s1*s1) + s*s/(s2*s2)
			sum += (1 - math.Exp(-r*r*q/2)) / q
		}
		return sum / (s1 * s2 * k)
	}
	lo, hi := 0.0, 3*math.Max(s1, s2)
	for i := 0; i < 60; i++ {
		mid := (lo + hi) / 2
		if prob(mid) < 0.5 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
