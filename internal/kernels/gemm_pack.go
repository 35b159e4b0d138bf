package kernels

// packA copies rows [i0, i0+mc) and depths [p0, p0+kc) of A into mr-row panels: panel q holds
// A(i0+q*mr+r, p0+p) at dst[q*mr*kc + p*mr + r], rows past mc as zeros. A(i, p) is
// a[i*lda+p], or a[p*lda+i] when trans.
func packA[T Float](dst []T, trans bool, a []T, lda, i0, mc, p0, kc, mr int) {
	for q := 0; q*mr < mc; q++ {
		rows := min(mr, mc-q*mr)
		panel := dst[q*mr*kc : (q+1)*mr*kc]
		ib := i0 + q*mr
		if trans {
			for p := 0; p < kc; p++ {
				src := a[(p0+p)*lda+ib : (p0+p)*lda+ib+rows]
				d := panel[p*mr : p*mr+mr]
				copy(d, src)
				clear(d[rows:])
			}
			continue
		}
		if rows < mr {
			clear(panel)
		}
		for r := 0; r < rows; r++ {
			src := a[(ib+r)*lda+p0 : (ib+r)*lda+p0+kc]
			for p, v := range src {
				panel[p*mr+r] = v
			}
		}
	}
}

// packB copies depths [p0, p0+kc) and columns [j0, j0+nc) of B into nr-column panels: panel
// q holds B(p0+p, j0+q*nr+j) at dst[q*nr*kc + p*nr + j], columns past nc as zeros. B(p, j) is
// b[p*ldb+j], or b[j*ldb+p] when trans.
func packB[T Float](dst []T, trans bool, b []T, ldb, p0, kc, j0, nc, nr int) {
	for q := 0; q*nr < nc; q++ {
		cols := min(nr, nc-q*nr)
		panel := dst[q*nr*kc : (q+1)*nr*kc]
		jb := j0 + q*nr
		if !trans {
			for p := 0; p < kc; p++ {
				src := b[(p0+p)*ldb+jb : (p0+p)*ldb+jb+cols]
				d := panel[p*nr : p*nr+nr]
				copy(d, src)
				clear(d[cols:])
			}
			continue
		}
		if cols < nr {
			clear(panel)
		}
		for j := 0; j < cols; j++ {
			src := b[(jb+j)*ldb+p0 : (jb+j)*ldb+p0+kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
	}
}

// gemmNaive is Gemm's defining loop, used for products too small to pack.
func gemmNaive[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	sa, ta := lda, 1 // A(i, p) = a[i*sa + p*ta]
	if transA {
		sa, ta = 1, lda
	}
	sb, tb := 1, ldb // B(p, j) = b[p*tb + j*sb]
	if transB {
		sb, tb = ldb, 1
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s T
			for p := 0; p < k; p++ {
				s += a[i*sa+p*ta] * b[p*tb+j*sb]
			}
			if accumulate {
				c[i*ldc+j] += s
			} else {
				c[i*ldc+j] = s
			}
		}
	}
}
