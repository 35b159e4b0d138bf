package kernels

import (
	"unsafe"

	"github.com/eagerml/eager/internal/parallel"
)

// transposeBlock is the rows of dst that Transpose writes before moving to the next eight
// columns: 8 source rows × 128 values (4 KiB of float32) are read, and 128 destination rows
// touched, so both sides stay in L1 while a block is done.
const transposeBlock = 128

// transposeGrain is the least work (elements) a goroutine takes in TransposeParallel.
const transposeGrain = 1 << 15

// Transpose copies a transposed matrix:
//
//	for i := 0; i < rows; i++ {
//		for j := 0; j < cols; j++ {
//			dst[i*ldd+j] = src[j*lds+i]
//		}
//	}
//
// It is a copy (no arithmetic), so the values are the same bits as that loop's. Blocks of
// eight columns are transposed 8×8 at a time with AVX2 for 4-byte elements, and in cache-sized
// blocks otherwise, where the loop above reads src with a stride of lds at every step (a new
// cache line, and on large matrices a new page, per element).
func Transpose[T any](dst []T, ldd int, src []T, lds int, rows, cols int) {
	if rows <= 0 || cols <= 0 {
		return
	}
	_ = dst[(rows-1)*ldd+cols-1]
	_ = src[(cols-1)*lds+rows-1]
	for i0 := 0; i0 < rows; i0 += transposeBlock {
		transposeRows(dst, ldd, src, lds, i0, min(i0+transposeBlock, rows), cols)
	}
}

// TransposeParallel is Transpose with the rows of dst split across cores when the matrix is
// large; the result is the same (a copy).
func TransposeParallel[T any](dst []T, ldd int, src []T, lds int, rows, cols int) {
	if rows*cols < 2*transposeGrain || rows < 2*transposeBlock {
		Transpose(dst, ldd, src, lds, rows, cols)
		return
	}
	_ = dst[(rows-1)*ldd+cols-1]
	_ = src[(cols-1)*lds+rows-1]
	blocks := (rows + transposeBlock - 1) / transposeBlock
	grain := max(1, transposeGrain/(transposeBlock*cols))
	parallel.For(blocks, grain, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			i0 := b * transposeBlock
			transposeRows(dst, ldd, src, lds, i0, min(i0+transposeBlock, rows), cols)
		}
	})
}

// transposeRows writes dst rows [i0, i1) of Transpose.
func transposeRows[T any](dst []T, ldd int, src []T, lds int, i0, i1, cols int) {
	rows := i1 - i0
	j := 0
	if unsafe.Sizeof(*new(T)) == 4 && packCols8F32 != nil && rows >= 8 {
		// packCols8F32 moves 32-bit lanes without arithmetic, so any 4-byte type is copied
		// bit for bit.
		r8 := rows &^ 7
		d, s := asF32(dst), asF32(src)
		for ; j+8 <= cols; j += 8 {
			_ = s[(j+7)*lds+i0+r8-1]
			_ = d[(i0+r8-1)*ldd+j+7]
			packCols8F32(d[i0*ldd+j:], ldd, s[j*lds+i0:], lds, r8)
		}
		if r8 < rows { // the last rows of the columns done above
			transposeGo(dst, ldd, src, lds, i0+r8, i1, 0, j)
		}
	}
	transposeGo(dst, ldd, src, lds, i0, i1, j, cols)
}

// transposeGo writes dst[i*ldd+j] = src[j*lds+i] for i in [i0, i1), j in [j0, j1), eight
// columns at a time: eight source rows are read side by side, so each step writes eight
// adjacent values.
func transposeGo[T any](dst []T, ldd int, src []T, lds int, i0, i1, j0, j1 int) {
	j := j0
	for ; j+8 <= j1; j += 8 {
		s0, s1, s2, s3 := src[j*lds:], src[(j+1)*lds:], src[(j+2)*lds:], src[(j+3)*lds:]
		s4, s5, s6, s7 := src[(j+4)*lds:], src[(j+5)*lds:], src[(j+6)*lds:], src[(j+7)*lds:]
		for i := i0; i < i1; i++ {
			d := dst[i*ldd+j : i*ldd+j+8 : i*ldd+j+8]
			d[0], d[1], d[2], d[3] = s0[i], s1[i], s2[i], s3[i]
			d[4], d[5], d[6], d[7] = s4[i], s5[i], s6[i], s7[i]
		}
	}
	for ; j < j1; j++ {
		s := src[j*lds:]
		for i := i0; i < i1; i++ {
			dst[i*ldd+j] = s[i]
		}
	}
}
