package kernels

import (
	"runtime"
	"unsafe"
)

// gemmKernelGo is the portable micro-kernel, a 4×4 tile:
//
//	for p := 0; p < k; p++ {
//		for i := 0; i < 4; i++ {
//			for j := 0; j < 4; j++ {
//				acc[i][j] += a[p*lda+i] * b[p*ldb+j]
//			}
//		}
//	}
//	c[i*ldc+j] = acc[i][j] // or += when add != 0
//
// Its sixteen scalar accumulators stay in registers where there are 32 of them (arm64).
func gemmKernelGo[T Float](k int, a *T, lda int, b *T, ldb int, c *T, ldc int, add int) {
	as := unsafe.Slice(a, (k-1)*lda+4)
	bs := unsafe.Slice(b, (k-1)*ldb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	for p := 0; p < k; p++ {
		ap := as[lda*p : lda*p+4 : lda*p+4]
		bp := bs[ldb*p : ldb*p+4 : ldb*p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	r0, r1, r2, r3 := cs[0:4:4], cs[ldc:ldc+4:ldc+4], cs[2*ldc:2*ldc+4:2*ldc+4], cs[3*ldc:3*ldc+4:3*ldc+4]
	if add != 0 {
		r0[0], r0[1], r0[2], r0[3] = r0[0]+c00, r0[1]+c01, r0[2]+c02, r0[3]+c03
		r1[0], r1[1], r1[2], r1[3] = r1[0]+c10, r1[1]+c11, r1[2]+c12, r1[3]+c13
		r2[0], r2[1], r2[2], r2[3] = r2[0]+c20, r2[1]+c21, r2[2]+c22, r2[3]+c23
		r3[0], r3[1], r3[2], r3[3] = r3[0]+c30, r3[1]+c31, r3[2]+c32, r3[3]+c33
		return
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
	r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
	r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
}

// goGemmConfig is the portable GEMM. On amd64 (the purego build) a 2×4 tile, whose eight
// accumulators fit the sixteen X registers, ran twice as fast as 4×4 (7 against 3.5 GFLOP/s
// at 256); targets with 32 floating-point registers (arm64) keep the 4×4 tile.
func goGemmConfig[T Float](name string) *gemmConfig[T] {
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "386" {
		return &gemmConfig[T]{
			name: name, mr: 2, nr: 4, kc: 256, mc: 64, nc: 1024, directBRows: 64,
			kern: gemmKernelGo2x4[T], gemvN: gemvNGo[T], gemvT: gemvTGo[T],
		}
	}
	return &gemmConfig[T]{
		name: name, mr: 4, nr: 4, kc: 256, mc: 64, nc: 1024, directBRows: 64,
		kern: gemmKernelGo[T], gemvN: gemvNGo[T], gemvT: gemvTGo[T],
	}
}

// gemmKernelGo2x4 is gemmKernelGo's 2×4 variant.
func gemmKernelGo2x4[T Float](k int, a *T, lda int, b *T, ldb int, c *T, ldc int, add int) {
	as := unsafe.Slice(a, (k-1)*lda+2)
	bs := unsafe.Slice(b, (k-1)*ldb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13 T
	for p := 0; p < k; p++ {
		ap := as[lda*p : lda*p+2 : lda*p+2]
		bp := bs[ldb*p : ldb*p+4 : ldb*p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0, a1 := ap[0], ap[1]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	cs := unsafe.Slice(c, ldc+4)
	r0, r1 := cs[0:4:4], cs[ldc:ldc+4:ldc+4]
	if add != 0 {
		r0[0], r0[1], r0[2], r0[3] = r0[0]+c00, r0[1]+c01, r0[2]+c02, r0[3]+c03
		r1[0], r1[1], r1[2], r1[3] = r1[0]+c10, r1[1]+c11, r1[2]+c12, r1[3]+c13
		return
	}
	r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
	r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
}
