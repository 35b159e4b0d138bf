package kernels

import "unsafe"

// GemmShortTile returns the register tile of GemmSerialShort for T on this CPU: 8×32 for
// float32 with AVX-512, else GemmTile's. A product of few rows (the output channels of a
// small convolution) padded to whole tiles wastes less of a shorter tile: 6 or 16 rows fill
// 8-row tiles but only half or two thirds of 12-row ones.
func GemmShortTile[T Float]() (mr, nr int) {
	if unsafe.Sizeof(T(0)) == 4 && gemmShortF32 != nil {
		return gemmShortF32.mr, gemmShortF32.nr
	}
	return GemmTile[T]()
}

// GemmSerialShort is GemmSerial computed with GemmShortTile's tile. It gives the same bits
// as GemmSerial (and Gemm): the kernels differ only in how many rows of C they hold, each
// element being summed by the same sequence of fused multiply-adds in the same depth blocks.
func GemmSerialShort[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	if unsafe.Sizeof(T(0)) != 4 || gemmShortF32 == nil || m <= 0 || n <= 0 || k <= 0 {
		GemmSerial(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
		return
	}
	gemmSerial(gemmShortF32, transA, transB, m, n, k, asF32(a), lda, asF32(b), ldb, asF32(c), ldc, accumulate)
}

// GemmBlocked reports whether GemmSerial (and GemmSerialShort) computes an m×n×k product with
// the blocked micro-kernels rather than the tiny-product loop or the matrix-vector path. On
// the blocked path each row of C is computed by the same operations whatever m is, so a
// caller may pad m with zero rows (to whole tiles of either height) without changing a bit
// of the rows it keeps.
func GemmBlocked(m, n, k int) bool { return m > 1 && n > 1 && k > 0 && 2*m*n*k > smallFlops }
