package estimate

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/spatial/r3"

	"github.com/trilink/trilink/internal/sensor"
)

// fitProblem is a batch maximum-a-posteriori fit of a state at time tRef
// to a set of measurements (research/tracking.md §5.3: Shapiro 1958; Kerr
// 2018): Gauss–Newton on the whitened residuals L⁻¹(z − h(Φ(θ))) of every
// plot, Φ the noise-free dynamics of the mode from tRef to the plot's
// time, plus prior rows (θ₀ − θ)/σ₀ that keep weakly observed parameters
// (ln α, the thrust) at their priors.
type fitProblem struct {
	mode    Mode
	n       int
	lnAlpha float64 // drag of the free-acceleration modes
	tRef    time.Time
	obs     []obs
	dts     []time.Duration
	order   []int // plots by increasing |dt|, negative first then positive
	prior   vec
	sigma   vec
}

// fitTau is the thrust's correlation time in a fit: so long that the
// thrust is constant over the few seconds of an initiation.
const fitTau = 1e9

// errFit is wrapped when a batch fit has too little data or fails.
var errFit = errors.New("estimate: batch fit failed")

func newFitProblem(mode Mode, lnAlpha float64, plots []sensor.Measurement, tRef time.Time) (*fitProblem, error) {
	fp := &fitProblem{mode: mode, n: dimOf(mode), lnAlpha: lnAlpha, tRef: tRef}
	for i := range plots {
		o, err := newObs(&plots[i])
		if err != nil {
			return nil, err
		}
		fp.obs = append(fp.obs, o)
		fp.dts = append(fp.dts, plots[i].Time.Sub(tRef))
	}
	fp.order = make([]int, len(plots))
	for i := range fp.order {
		fp.order[i] = i
	}
	sort.SliceStable(fp.order, func(a, b int) bool {
		da, db := fp.dts[fp.order[a]], fp.dts[fp.order[b]]
		if (da < 0) != (db < 0) {
			return da < 0
		}
		return abs(da) < abs(db)
	})
	return fp, nil
}

// residuals writes the whitened residuals of θ into e (data rows, then
// prior rows) and returns the data part of the cost.
func (fp *fitProblem) residuals(theta *vec, e []float64) float64 {
	n := fp.n
	// Propagate along the plots in order of |dt|, backwards then forwards.
	var row int
	rows := make([]int, len(fp.obs))
	for i, o := range fp.obs {
		rows[i] = row
		row += o.m
	}
	var cost float64
	x := *theta
	var cur time.Duration
	for k, i := range fp.order {
		if k > 0 && (fp.dts[i] < 0) != (fp.dts[fp.order[k-1]] < 0) {
			x, cur = *theta, 0
		}
		propagate(fp.mode, fp.lnAlpha, fitTau, &x, fp.dts[i]-cur)
		cur = fp.dts[i]
		o := &fp.obs[i]
		var r [maxM]float64
		o.residual(r3.Vec{X: x[0], Y: x[1], Z: x[2]}, r3.Vec{X: x[3], Y: x[4], Z: x[5]}, &r)
		// Whiten: solve S_R y = r.
		var y vec
		for q := 0; q < o.m; q++ {
			s := r[q]
			for p := 0; p < q; p++ {
				s -= o.sr[q][p] * y[p]
			}
			y[q] = s / o.sr[q][q]
			e[rows[i]+q] = y[q]
			cost += y[q] * y[q]
		}
	}
	for j := 0; j < n; j++ {
		if fp.sigma[j] > 0 {
			e[row+j] = (fp.prior[j] - theta[j]) / fp.sigma[j]
		}
	}
	return cost
}

// fitStep is the finite-difference step of parameter j: 1 m, 1 cm/s, and
// 1 mm/s² (thrust) or 10⁻³ (ln α).
func fitStep(j int) float64 {
	switch {
	case j < 3:
		return 1
	case j < 6:
		return 1e-2
	}
	return 1e-3
}

// solve runs Gauss–Newton from theta and returns the estimate, the lower
// square root of its covariance (HᵀH)⁻¹ and the data cost (χ² of the
// fit) with its degrees of freedom.
func (fp *fitProblem) solve(theta vec) (vec, sqm, float64, int, error) {
	n := fp.n
	rows := n
	for _, o := range fp.obs {
		rows += o.m
	}
	e0 := make([]float64, rows)
	e1 := make([]float64, rows)
	h := make([][maxN]float64, rows)
	total := func(th *vec, e []float64) float64 {
		c := fp.residuals(th, e)
		for j := rows - n; j < rows; j++ {
			c += e[j] * e[j]
		}
		return c
	}
	var nrm sqm
	jac := func(th *vec) {
		total(th, e0)
		for j := 0; j < n; j++ {
			eps := fitStep(j)
			t2 := *th
			t2[j] += eps
			total(&t2, e1)
			for r := 0; r < rows; r++ {
				h[r][j] = (e0[r] - e1[r]) / eps
			}
		}
		nrm = sqm{}
		for r := 0; r < rows; r++ {
			for a := 0; a < n; a++ {
				if h[r][a] == 0 {
					continue
				}
				for b := 0; b <= a; b++ {
					nrm[a][b] += h[r][a] * h[r][b]
				}
			}
		}
	}
	cost := total(&theta, e0)
	for iter := 0; iter < 12; iter++ {
		jac(&theta)
		var g vec
		for r := 0; r < rows; r++ {
			for a := 0; a < n; a++ {
				g[a] += h[r][a] * e0[r]
			}
		}
		l, ok := cholesky(&nrm, n)
		if !ok {
			return vec{}, sqm{}, 0, 0, fmt.Errorf("%w: normal matrix not positive definite", errFit)
		}
		forward(&l, &g, n)
		backward(&l, &g, n)
		step := 1.0
		var next vec
		var nc float64
		improved := false
		for try := 0; try < 8; try++ {
			next = theta
			for a := 0; a < n; a++ {
				next[a] += step * g[a]
			}
			nc = total(&next, e1)
			if nc <= cost || math.Abs(nc-cost) < 1e-9*(1+cost) {
				improved = true
				break
			}
			step /= 2
		}
		if !improved {
			break
		}
		dc := cost - nc
		theta, cost = next, nc
		if dc < 1e-6*(1+cost) && step == 1 {
			break
		}
	}
	jac(&theta)
	l, ok := cholesky(&nrm, n)
	if !ok {
		return vec{}, sqm{}, 0, 0, fmt.Errorf("%w: normal matrix not positive definite", errFit)
	}
	// P = N⁻¹ column by column, then its Cholesky factor.
	var p sqm
	for c := 0; c < n; c++ {
		var u vec
		u[c] = 1
		forward(&l, &u, n)
		backward(&l, &u, n)
		for r := 0; r < n; r++ {
			p[r][c] = u[r]
		}
	}
	for r := 0; r < n; r++ {
		for c := 0; c < r; c++ {
			avg := (p[r][c] + p[c][r]) / 2
			p[r][c], p[c][r] = avg, avg
		}
	}
	s, ok := cholesky(&p, n)
	if !ok {
		return vec{}, sqm{}, 0, 0, fmt.Errorf("%w: covariance not positive definite", errFit)
	}
	dataCost := fp.residuals(&theta, e0)
	dof := rows - n - n
	for j := 0; j < n; j++ {
		if fp.sigma[j] > 0 {
			dof++
		}
	}
	return theta, s, dataCost, dof, nil
}

// polyGuess fits r(t) = r₀ + v₀·dt + ½·a·dt² (a = 0 with two plot times)
// to radar plot positions by unweighted least squares per axis, for the
// Gauss–Newton starting point. It needs radar plots at two or more
// distinct times.
func polyGuess(fp *fitProblem) (r0, v0, a0 r3.Vec, err error) {
	type pt struct {
		t float64
		p r3.Vec
	}
	var pts []pt
	times := map[time.Duration]bool{}
	for i := range fp.obs {
		p, ok := fp.obs[i].position()
		if !ok {
			continue
		}
		pts = append(pts, pt{fp.dts[i].Seconds(), p})
		times[fp.dts[i]] = true
	}
	if len(times) < 2 {
		return r0, v0, a0, fmt.Errorf("%w: radar plots at %d distinct times, need 2", errFit, len(times))
	}
	deg := 2
	if len(times) < 3 {
		deg = 1
	}
	k := deg + 1
	var nm sqm
	var rhs [3]vec
	for _, q := range pts {
		basis := [3]float64{1, q.t, q.t * q.t / 2}
		for a := 0; a < k; a++ {
			for b := 0; b < k; b++ {
				nm[a][b] += basis[a] * basis[b]
			}
			rhs[0][a] += basis[a] * q.p.X
			rhs[1][a] += basis[a] * q.p.Y
			rhs[2][a] += basis[a] * q.p.Z
		}
	}
	l, ok := cholesky(&nm, k)
	if !ok {
		return r0, v0, a0, fmt.Errorf("%w: plot times degenerate", errFit)
	}
	for ax := 0; ax < 3; ax++ {
		forward(&l, &rhs[ax], k)
		backward(&l, &rhs[ax], k)
	}
	r0 = r3.Vec{X: rhs[0][0], Y: rhs[1][0], Z: rhs[2][0]}
	v0 = r3.Vec{X: rhs[0][1], Y: rhs[1][1], Z: rhs[2][1]}
	if deg == 2 {
		a0 = r3.Vec{X: rhs[0][2], Y: rhs[1][2], Z: rhs[2][2]}
	}
	return r0, v0, a0, nil
}
