package kernels

import "github.com/eagerml/eager/internal/parallel"

// Gemm computes C = A·B (or C += A·B when accumulate is set) for row-major matrices:
// A is m×k (or k×m when transA, read transposed), B is k×n (or n×k when transB), C is m×n;
// lda, ldb, ldc are the row strides. It is
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			var s T
//			for p := 0; p < k; p++ {
//				s += A(i, p) * B(p, j)
//			}
//			C[i*ldc+j] = s // or += when accumulate
//		}
//	}
//
// Transposed operands are packed into contiguous panels rather than read with strides. Rows
// of C are split across cores in fixed blocks, so results do not depend on timing.
func Gemm[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	if transA { // pack A^T into m×k row-major
		p := make([]T, m*k)
		for i := 0; i < m; i++ {
			for q := 0; q < k; q++ {
				p[i*k+q] = a[q*lda+i]
			}
		}
		a, lda = p, k
	}
	if transB { // pack B^T into k×n row-major
		p := make([]T, k*n)
		for j := 0; j < n; j++ {
			row := b[j*ldb : j*ldb+k]
			for q, v := range row {
				p[q*n+j] = v
			}
		}
		b, ldb = p, n
	}
	grain := max(1, (1<<15)/max(1, n*k/64))
	parallel.For(m, grain, func(lo, hi int) {
		gemmRows(lo, hi, n, k, a, lda, b, ldb, c, ldc, accumulate)
	})
}

// gemmRows computes rows [lo, hi) of C = A·B with A and B row-major, blocking k so that a
// panel of B stays in cache while four rows of C are updated together.
func gemmRows[T Float](lo, hi, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	if !accumulate {
		for i := lo; i < hi; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
	}
	const kc = 256
	for k0 := 0; k0 < k; k0 += kc {
		k1 := min(k0+kc, k)
		i := lo
		for ; i+4 <= hi; i += 4 {
			c0 := c[i*ldc : i*ldc+n]
			c1 := c[(i+1)*ldc : (i+1)*ldc+n]
			c2 := c[(i+2)*ldc : (i+2)*ldc+n]
			c3 := c[(i+3)*ldc : (i+3)*ldc+n]
			for p := k0; p < k1; p++ {
				a0, a1, a2, a3 := a[i*lda+p], a[(i+1)*lda+p], a[(i+2)*lda+p], a[(i+3)*lda+p]
				br := b[p*ldb : p*ldb+n]
				for j, bv := range br {
					c0[j] += a0 * bv
					c1[j] += a1 * bv
					c2[j] += a2 * bv
					c3[j] += a3 * bv
				}
			}
		}
		for ; i < hi; i++ {
			ci := c[i*ldc : i*ldc+n]
			for p := k0; p < k1; p++ {
				av := a[i*lda+p]
				br := b[p*ldb : p*ldb+n]
				for j, bv := range br {
					ci[j] += av * bv
				}
			}
		}
	}
}
