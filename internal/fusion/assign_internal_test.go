package fusion

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteForce returns the least total cost of assigning each row of an
// n×m cost matrix (n ≤ m) to a distinct column.
func bruteForce(c [][]float64, m int) float64 {
	best := math.Inf(1)
	used := make([]bool, m)
	var rec func(i int, sum float64)
	rec = func(i int, sum float64) {
		if i == len(c) {
			best = math.Min(best, sum)
			return
		}
		for j := 0; j < m; j++ {
			if !used[j] {
				used[j] = true
				rec(i+1, sum+c[i][j])
				used[j] = false
			}
		}
	}
	rec(0, 0)
	return best
}

func TestAssign(t *testing.T) {
	t.Run("hand", func(t *testing.T) {
		// The greedy choice (row 0 → column 0 at 1) costs 1 + 100; the
		// optimum is 2 + 3.
		c := [][]float64{{1, 2}, {3, 100}}
		got := assign(c, 2)
		if got[0] != 1 || got[1] != 0 {
			t.Errorf("assign = %v, want [1 0]", got)
		}
	})
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for trial := range 300 {
			n := 1 + rng.IntN(5)
			m := n + rng.IntN(3)
			c := make([][]float64, n)
			for i := range c {
				c[i] = make([]float64, m)
				for j := range c[i] {
					c[i][j] = math.Floor(rng.Float64() * 20) // ties happen
				}
			}
			a := assign(c, m)
			seen := map[int]bool{}
			var sum float64
			for i, j := range a {
				if j < 0 || j >= m || seen[j] {
					t.Fatalf("trial %d: invalid assignment %v", trial, a)
				}
				seen[j] = true
				sum += c[i][j]
			}
			if want := bruteForce(c, m); sum != want {
				t.Fatalf("trial %d: cost %g, optimum %g (%v)", trial, sum, want, c)
			}
		}
	})
}

// gnn leaves a plot unassigned rather than pay more than the gate, and
// never gives one track two plots.
func TestGNN(t *testing.T) {
	for _, tt := range []struct {
		name string
		c    [][]float64
		want []int
	}{
		{"one_each", [][]float64{{1, 50}, {40, 2}}, []int{0, 1}},
		{"outside_gate", [][]float64{{1, 50}, {40, 30}}, []int{0, -1}},
		{"shared_best", [][]float64{{1, 5}, {2, 50}}, []int{1, 0}},
		{"two_plots_one_track", [][]float64{{3}, {4}}, []int{0, -1}},
		{"no_tracks", [][]float64{{}, {}}, []int{-1, -1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cols := len(tt.c[0])
			got := gnn(tt.c, cols, 20)
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("gnn = %v, want %v", got, tt.want)
				}
			}
		})
	}
}
