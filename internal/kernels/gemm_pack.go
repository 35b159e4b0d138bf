package kernels

import "unsafe"

// packA copies rows [i0, i0+mc) and depths [p0, p0+kc) of A into mr-row panels: panel q holds
// A(i0+q*mr+r, p0+p) at dst[q*mr*kc + p*mr + r], rows past mc as zeros. A(i, p) is
// a[i*lda+p], or a[p*lda+i] when trans.
func packA[T Float](dst []T, trans bool, a []T, lda, i0, mc, p0, kc, mr int) {
	if trans {
		// Rows of the stored a are depths: read each once, front to back, and deal its values
		// out to the panels, rather than walk down the columns with a large stride.
		full := mc / mr * mr
		for p := 0; p < kc; p++ {
			src := a[(p0+p)*lda+i0 : (p0+p)*lda+i0+mc]
			off := p * mr
			switch mr {
			case 12:
				for i := 0; i < full; i += 12 {
					*(*[12]T)(dst[i*kc+off:]) = *(*[12]T)(src[i:])
				}
			case 6:
				for i := 0; i < full; i += 6 {
					*(*[6]T)(dst[i*kc+off:]) = *(*[6]T)(src[i:])
				}
			default:
				for i := 0; i < full; i += mr {
					copy(dst[i*kc+off:i*kc+off+mr], src[i:i+mr])
				}
			}
			if full < mc {
				d := dst[full*kc+off : full*kc+off+mr]
				copy(d, src[full:])
				clear(d[mc-full:])
			}
		}
		return
	}
	q := 0
	for ; (q+1)*mr <= mc; q++ {
		panel := dst[q*mr*kc : (q+1)*mr*kc]
		src := a[(i0+q*mr)*lda+p0:]
		switch mr {
		case 12:
			packRows12(panel, src, lda, kc)
		case 6:
			packRows6(panel, src, lda, kc)
		default:
			packRows(panel, src, lda, kc, mr, mr)
		}
	}
	if rows := mc - q*mr; rows > 0 {
		panel := dst[q*mr*kc : (q+1)*mr*kc]
		clear(panel)
		packRows(panel, a[(i0+q*mr)*lda+p0:], lda, kc, mr, rows)
	}
}

// packRows stores src[r*lda+p] at panel[p*mr+r] for r < rows, p < kc.
func packRows[T Float](panel, src []T, lda, kc, mr, rows int) {
	for r := 0; r < rows; r++ {
		row := src[r*lda : r*lda+kc]
		for p, v := range row {
			panel[p*mr+r] = v
		}
	}
}

// packRows12 is packRows for twelve rows, writing the panel front to back.
func packRows12[T Float](panel, src []T, lda, kc int) {
	r0, r1, r2, r3 := src[:kc], src[lda:lda+kc], src[2*lda:2*lda+kc], src[3*lda:3*lda+kc]
	r4, r5, r6, r7 := src[4*lda:4*lda+kc], src[5*lda:5*lda+kc], src[6*lda:6*lda+kc], src[7*lda:7*lda+kc]
	r8, r9, r10, r11 := src[8*lda:8*lda+kc], src[9*lda:9*lda+kc], src[10*lda:10*lda+kc], src[11*lda:11*lda+kc]
	panel = panel[:12*kc]
	for p := range r0 {
		d := panel[12*p : 12*p+12 : 12*p+12]
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		d[4], d[5], d[6], d[7] = r4[p], r5[p], r6[p], r7[p]
		d[8], d[9], d[10], d[11] = r8[p], r9[p], r10[p], r11[p]
	}
}

// packRows6 is packRows for six rows, writing the panel front to back.
func packRows6[T Float](panel, src []T, lda, kc int) {
	r0, r1, r2 := src[:kc], src[lda:lda+kc], src[2*lda:2*lda+kc]
	r3, r4, r5 := src[3*lda:3*lda+kc], src[4*lda:4*lda+kc], src[5*lda:5*lda+kc]
	panel = panel[:6*kc]
	for p := range r0 {
		d := panel[6*p : 6*p+6 : 6*p+6]
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// packB copies depths [p0, p0+kc) and columns [j0, j0+nc) of B into nr-column panels: panel
// q holds B(p0+p, j0+q*nr+j) at dst[q*nr*kc + p*nr + j], columns past nc as zeros. B(p, j) is
// b[p*ldb+j], or b[j*ldb+p] when trans.
func packB[T Float](dst []T, trans bool, b []T, ldb, p0, kc, j0, nc, nr int) {
	if !trans {
		// Read each row of B once, front to back, dealing it out to the panels.
		full := nc / nr * nr
		for p := 0; p < kc; p++ {
			src := b[(p0+p)*ldb+j0 : (p0+p)*ldb+j0+nc]
			off := p * nr
			switch nr {
			case 32:
				for j := 0; j < full; j += 32 {
					*(*[32]T)(dst[j*kc+off:]) = *(*[32]T)(src[j:])
				}
			case 16:
				for j := 0; j < full; j += 16 {
					*(*[16]T)(dst[j*kc+off:]) = *(*[16]T)(src[j:])
				}
			case 8:
				for j := 0; j < full; j += 8 {
					*(*[8]T)(dst[j*kc+off:]) = *(*[8]T)(src[j:])
				}
			default:
				for j := 0; j < full; j += nr {
					copy(dst[j*kc+off:j*kc+off+nr], src[j:j+nr])
				}
			}
			if full < nc {
				d := dst[full*kc+off : full*kc+off+nr]
				copy(d, src[full:])
				clear(d[nc-full:])
			}
		}
		return
	}
	for q := 0; q*nr < nc; q++ {
		cols := min(nr, nc-q*nr)
		panel := dst[q*nr*kc : (q+1)*nr*kc]
		jb := j0 + q*nr
		if cols < nr {
			clear(panel)
		}
		j := 0
		for ; j+8 <= cols; j += 8 {
			packCols8(panel[j:], b[(jb+j)*ldb+p0:], ldb, kc, nr)
		}
		for ; j < cols; j++ {
			src := b[(jb+j)*ldb+p0 : (jb+j)*ldb+p0+kc]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
	}
}

// packCols8 stores src[j*ld+p] at panel[p*nr+j] for j < 8, p < kc: eight stored rows read side
// by side, so that each step writes eight adjacent values.
func packCols8[T Float](panel, src []T, ld, kc, nr int) {
	p0 := 0
	if unsafe.Sizeof(T(0)) == 4 && packCols8F32 != nil && kc >= 8 {
		p0 = kc &^ 7
		_ = src[7*ld+p0-1]     // the kernel reads up to here
		_ = panel[(p0-1)*nr+7] // and writes up to here
		packCols8F32(asF32(panel), nr, asF32(src), ld, p0)
		if p0 == kc {
			return
		}
	}
	r0, r1, r2, r3 := src[:kc], src[ld:ld+kc], src[2*ld:2*ld+kc], src[3*ld:3*ld+kc]
	r4, r5, r6, r7 := src[4*ld:4*ld+kc], src[5*ld:5*ld+kc], src[6*ld:6*ld+kc], src[7*ld:7*ld+kc]
	for p := p0; p < kc; p++ {
		d := panel[p*nr : p*nr+8 : p*nr+8]
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		d[4], d[5], d[6], d[7] = r4[p], r5[p], r6[p], r7[p]
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
