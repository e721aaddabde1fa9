package fusion

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/spatial/r3"
)

// sameObject's shortcut (rejecting when |d|² ≥ χ²·tr(S)) never changes its
// answer: checked against the full Mahalanobis distance over random pairs
// near and far, with random covariances.
func TestSameObjectShortcut(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	randKin := func(scale float64) kin {
		var k kin
		k.r = r3.Vec{X: rnd.NormFloat64() * scale, Y: rnd.NormFloat64() * scale, Z: rnd.NormFloat64() * scale}
		k.v = r3.Vec{X: rnd.NormFloat64() * scale / 100, Y: rnd.NormFloat64() * scale / 100, Z: rnd.NormFloat64() * scale / 100}
		// P = AAᵀ + εI with a random A: symmetric positive definite.
		var a [6][6]float64
		for i := range a {
			for j := range a[i] {
				a[i][j] = rnd.NormFloat64() * (1 + 100*rnd.Float64())
			}
		}
		for i := range 6 {
			for j := range 6 {
				for m := range 6 {
					k.p[i][j] += a[i][m] * a[j][m]
				}
			}
			k.p[i][i] += 1e-3
		}
		return k
	}
	full := func(a, b kin) bool {
		d := mat.NewVecDense(6, []float64{a.r.X - b.r.X, a.r.Y - b.r.Y, a.r.Z - b.r.Z, a.v.X - b.v.X, a.v.Y - b.v.Y, a.v.Z - b.v.Z})
		s := mat.NewSymDense(6, nil)
		for i := range 6 {
			for j := i; j < 6; j++ {
				s.SetSym(i, j, a.p[i][j]+b.p[i][j])
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(s) {
			return false
		}
		var y mat.VecDense
		if err := ch.SolveVecTo(&y, d); err != nil {
			return false
		}
		return mat.Dot(d, &y) < chi2Six
	}
	same := 0
	for i := range 20000 {
		scale := []float64{1, 30, 100, 1000, 1e5}[i%5]
		a, b := randKin(scale), randKin(scale)
		if got, want := sameObject(a, b), full(a, b); got != want {
			t.Fatalf("pair %d: sameObject %v, full computation %v", i, got, want)
		} else if got {
			same++
		}
	}
	if same == 0 {
		t.Fatal("no pair was the same object: the test does not reach the full computation")
	}
	t.Logf("%d of 20000 pairs the same object", same)
}
