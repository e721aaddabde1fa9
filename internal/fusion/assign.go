package fusion

import "math"

// forbidden is the cost of a pair that may not be assigned.
const forbidden = 1e12

// assign solves the rectangular assignment problem for an n×m cost matrix
// with n ≤ m: it returns, for each row, the column assigned to it, so that
// the total cost is least. It is the Hungarian algorithm with row and
// column potentials and shortest augmenting paths (Kuhn 1955; Munkres
// 1957; the O(n²m) form of Jonker and Volgenant 1987), deterministic for a
// given matrix: ties go to the lowest column.
func assign(cost [][]float64, m int) []int {
	n := len(cost)
	if n == 0 {
		return nil
	}
	if n > m {
		panic("fusion: assign needs at least as many columns as rows")
	}
	inf := math.Inf(1)
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1) // p[j]: the row (1-based) matched to column j; p[0] the row being added
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = inf
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta := inf
			j1 := 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := cost[i0-1][j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j] = cur
					way[j] = j0
				}
				if minv[j] < delta {
					delta = minv[j]
					j1 = j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
			if j0 == 0 {
				break
			}
		}
	}
	out := make([]int, n)
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			out[p[j]-1] = j - 1
		}
	}
	return out
}

// gnn assigns rows (plots) to columns (tracks) with costs c[i][j], where a
// cost at or above limit means the pair is outside the gate. Each row may
// instead stay unassigned at cost limit. It returns for each row the
// column, or −1.
func gnn(c [][]float64, cols int, limit float64) []int {
	n := len(c)
	if n == 0 {
		return nil
	}
	// Columns: the tracks, then one "unassigned" column per row.
	m := cols + n
	full := make([][]float64, n)
	for i := range c {
		row := make([]float64, m)
		for j := 0; j < cols; j++ {
			if c[i][j] < limit {
				row[j] = c[i][j]
			} else {
				row[j] = forbidden
			}
		}
		for k := 0; k < n; k++ {
			row[cols+k] = forbidden
		}
		row[cols+i] = limit
		full[i] = row
	}
	a := assign(full, m)
	out := make([]int, n)
	for i, j := range a {
		if j < cols && full[i][j] < forbidden {
			out[i] = j
		} else {
			out[i] = -1
		}
	}
	return out
}
