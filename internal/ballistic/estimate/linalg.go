package estimate

import "math"

// Fixed-size linear algebra for the filter: every matrix fits in arrays
// on the stack, so a filter step allocates nothing and a Filter copies by
// value. The routines are the textbook ones (Golub and Van Loan, Matrix
// Computations, 4th ed.: Householder QR §5.2, Cholesky §4.2, triangular
// solves §3.1), written without fused multiply-adds so that results are
// bit-identical wherever the Go compiler does not fuse (amd64).

const (
	maxN    = 9         // largest state dimension (boost mode)
	maxM    = 4         // largest measurement dimension (radar with range rate)
	maxPts  = 2 * maxN  // cubature points
	maxRows = 3 * maxN  // columns of a compound square-root matrix
	maxGN   = maxN      // largest batch-fit parameter count
	maxObs  = 64 * maxM // largest number of scalar observations in one batch fit
	cholEps = 1e-300    // a pivot at or below this is not positive
)

// vec is a state-sized vector; only the first n entries are used.
type vec [maxN]float64

// sqm is a square matrix of state size, row-major; only the leading n×n
// block is used.
type sqm [maxN][maxN]float64

// tria returns the lower-triangular L, with non-negative diagonal, such
// that L·Lᵀ = Bᵀ·B for the k×n matrix B whose rows are given (each row is a
// column of the compound matrix A = Bᵀ, so L·Lᵀ = A·Aᵀ). B is overwritten.
// This is the "triangularization" of the square-root cubature filter
// (Arasaratnam and Haykin, IEEE TAC 54(6), 2009, §V), done by Householder
// QR of B.
func tria(b *[maxRows][maxN]float64, k, n int) (l sqm) {
	for j := 0; j < n && j < k; j++ {
		var norm float64
		for i := j; i < k; i++ {
			norm += b[i][j] * b[i][j]
		}
		norm = math.Sqrt(norm)
		if norm == 0 {
			continue
		}
		alpha := -norm
		if b[j][j] < 0 {
			alpha = norm
		}
		// v = x − α e₁, stored in column j from row j down.
		b[j][j] -= alpha
		var vv float64
		for i := j; i < k; i++ {
			vv += b[i][j] * b[i][j]
		}
		if vv != 0 {
			for c := j + 1; c < n; c++ {
				var d float64
				for i := j; i < k; i++ {
					d += b[i][j] * b[i][c]
				}
				f := 2 * d / vv
				for i := j; i < k; i++ {
					b[i][c] -= f * b[i][j]
				}
			}
		}
		b[j][j] = alpha
		for i := j + 1; i < k; i++ {
			b[i][j] = 0
		}
	}
	// R is the upper triangle of b; L = Rᵀ with rows signed so that the
	// diagonal is non-negative (R → D·R with D = diag(±1) leaves RᵀR).
	for i := 0; i < n; i++ {
		s := 1.0
		if i < k && b[i][i] < 0 {
			s = -1
		}
		for j := i; j < n; j++ {
			if i < k {
				l[j][i] = s * b[i][j]
			}
		}
	}
	return l
}

// cholesky factors the leading n×n block of the symmetric matrix a (lower
// triangle read) into L·Lᵀ, returning L and false if a is not positive
// definite.
func cholesky(a *sqm, n int) (l sqm, ok bool) {
	for j := 0; j < n; j++ {
		d := a[j][j]
		for k := 0; k < j; k++ {
			d -= l[j][k] * l[j][k]
		}
		if !(d > cholEps) {
			return l, false
		}
		d = math.Sqrt(d)
		l[j][j] = d
		for i := j + 1; i < n; i++ {
			s := a[i][j]
			for k := 0; k < j; k++ {
				s -= l[i][k] * l[j][k]
			}
			l[i][j] = s / d
		}
	}
	return l, true
}

// forward solves L·y = b for lower-triangular L (n×n), in place in b.
func forward(l *sqm, b *vec, n int) {
	for i := 0; i < n; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i][k] * b[k]
		}
		b[i] = s / l[i][i]
	}
}

// backward solves Lᵀ·y = b for lower-triangular L (n×n), in place in b.
func backward(l *sqm, b *vec, n int) {
	for i := n - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < n; k++ {
			s -= l[k][i] * b[k]
		}
		b[i] = s / l[i][i]
	}
}

// outer returns L·Lᵀ for the leading n×n block of L.
func outer(l *sqm, n int) (p sqm) {
	for i := 0; i < n; i++ {
		for j := 0; j <= i; j++ {
			var s float64
			for k := 0; k <= j; k++ {
				s += l[i][k] * l[j][k]
			}
			p[i][j] = s
			p[j][i] = s
		}
	}
	return p
}

// finite reports whether every entry of the first n of x is finite.
func finite(x *vec, n int) bool {
	for i := 0; i < n; i++ {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) {
			return false
		}
	}
	return true
}

// finiteSqrt reports whether the leading n×n lower triangle of l is
// finite with a positive diagonal.
func finiteSqrt(l *sqm, n int) bool {
	for i := 0; i < n; i++ {
		if !(l[i][i] > 0) || math.IsInf(l[i][i], 0) {
			return false
		}
		for j := 0; j < i; j++ {
			if math.IsNaN(l[i][j]) || math.IsInf(l[i][j], 0) {
				return false
			}
		}
	}
	return true
}
