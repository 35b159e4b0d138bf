package kernels

import "github.com/eagerml/eager/internal/parallel"

// gemv computes the products with one row (m == 1) or one column (n == 1) of C as a
// matrix-vector product, which reads the matrix once and packs nothing.
func gemv[T Float](g *gemmConfig[T], transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	need := k + max(m, n)
	sp, _ := g.vpool.Get().(*[]T)
	if sp == nil || len(*sp) < need {
		s := make([]T, need)
		sp = &s
	}
	defer g.vpool.Put(sp)
	scratch := *sp
	var x, y []T // the vector operand and the result
	var mat []T  // the matrix operand
	var ld int
	rows := false // y[i] = Σp mat[i*ld+p]·x[p]; else y[j] = Σp x[p]·mat[p*ld+j]
	if m == 1 {
		// C(0, j) = Σp A(0, p)·B(p, j).
		x = gather(scratch[:k], a, transA, lda)
		y = scratch[k : k+n]
		mat, ld, rows = b, ldb, transB
	} else {
		// C(i, 0) = Σp A(i, p)·B(p, 0).
		x = gather(scratch[:k], b, !transB, ldb)
		y = scratch[k : k+m]
		mat, ld, rows = a, lda, !transA
	}
	// Each y element is computed alone, so splitting y across cores changes no bit; chunks
	// are whole blocks of 64 so that the vector kernels see full vectors.
	const block = 64
	nb := (len(y) + block - 1) / block
	grain := max(1, parallelFlops/(2*block*k))
	parallel.For(nb, grain, func(lo, hi int) {
		y := y[lo*block : min(hi*block, len(y))]
		if rows {
			g.gemvT(y, x, mat[lo*block*ld:], ld)
		} else {
			g.gemvN(y, x, mat[lo*block:], ld)
		}
	})
	inc := 1
	if n == 1 {
		inc = ldc
	}
	if accumulate {
		for i, v := range y {
			c[i*inc] += v
		}
	} else {
		for i, v := range y {
			c[i*inc] = v
		}
	}
}

// gather returns the vector v[p] = s[p*stride] (stride = ld when strided, else 1), copying
// into dst only when strided.
func gather[T Float](dst, s []T, strided bool, ld int) []T {
	if !strided {
		return s[:len(dst)]
	}
	for p := range dst {
		dst[p] = s[p*ld]
	}
	return dst
}

// gemvNGo is
//
//	for j := range y {
//		var s T
//		for p := range x {
//			s += x[p] * a[p*lda+j]
//		}
//		y[j] = s
//	}
//
// run over blocks of columns so that a block of y stays in cache while the rows stream by.
func gemvNGo[T Float](y, x, a []T, lda int) {
	const block = 256
	for j0 := 0; j0 < len(y); j0 += block {
		yb := y[j0:min(j0+block, len(y))]
		clear(yb)
		for p, xv := range x {
			row := a[p*lda+j0 : p*lda+j0+len(yb)]
			for j, v := range row {
				yb[j] += xv * v
			}
		}
	}
}

// gemvTGo is
//
//	for i := range y {
//		var s T
//		for p := range x {
//			s += a[i*lda+p] * x[p]
//		}
//		y[i] = s
//	}
func gemvTGo[T Float](y, x, a []T, lda int) {
	for i := range y {
		row := a[i*lda : i*lda+len(x)]
		var s T
		for p, v := range row {
			s += v * x[p]
		}
		y[i] = s
	}
}
