package kernels

import (
	"fmt"
	"unsafe"
)

// SumCols sets dst[j] to the sum of the column src[p*stride+j], p < rows, for each j <
// len(dst), accumulated in float64 exactly as Sum accumulates that column copied into a row:
// 16 lanes by p mod 16, the rows past the last multiple of 16 added in order to a separate
// total, the lanes combined in Sum's fixed order, and columns longer than SumChunk summed by
// chunks whose totals are added in order. Columns are independent, so the vector kernels
// add 8 (AVX-512) or 4 (AVX2) of them at once, each with the same operations as
//
//	for j := range dst {
//		col := make([]T, rows)
//		for p := range col {
//			col[p] = src[p*stride+j]
//		}
//		dst[j] = float64(Sum(col)) // before Sum's rounding to T
//	}
//
// It panics if src is too short.
func SumCols[T Float](dst []float64, src []T, stride, rows int) {
	w := len(dst)
	if w == 0 {
		return
	}
	if rows <= 0 {
		clear(dst)
		return
	}
	if stride < 0 || len(src) < (rows-1)*stride+w {
		panic(fmt.Sprintf("kernels.SumCols: %d values for %d rows of stride %d and width %d", len(src), rows, stride, w))
	}
	if unsafe.Sizeof(T(0)) == 4 {
		sumColsChunked(dst, asF32(src), stride, rows, sumColsChunkF32)
		return
	}
	sumColsChunked(dst, src, stride, rows, sumColsChunkGo[T])
}

// SumColsWidth returns how many columns of rows rows stride elements apart SumCols sums best
// in one call: 64 where its kernel walks a block of columns down the rows, more where it
// reads each row whole (float32 with AVX2 but not AVX-512, many rows a multiple of 1 KiB
// apart). Callers splitting a wide sum across cores can give each core that many columns;
// the results do not depend on the split.
func SumColsWidth[T Float](rows, stride int) int {
	if unsafe.Sizeof(T(0)) == 4 {
		return sumColsWidth(min(rows, SumChunk), stride)
	}
	return 64
}

// sumColsChunked runs chunk on each SumChunk rows of src, adding the chunks' totals in order.
func sumColsChunked[T Float](dst []float64, src []T, stride, rows int, chunk func(dst []float64, src []T, stride, n int)) {
	chunk(dst, src, stride, min(rows, SumChunk))
	if rows <= SumChunk {
		return
	}
	part := make([]float64, len(dst))
	for c0 := SumChunk; c0 < rows; c0 += SumChunk {
		chunk(part, src[c0*stride:], stride, min(SumChunk, rows-c0))
		for j, v := range part {
			dst[j] += v
		}
	}
}

// sumColsBlock is the number of columns sumColsChunkGo accumulates at once: 16 lanes of 64
// float64 accumulators (8 KiB) stay in L1 while rows stream through.
const sumColsBlock = 64

// sumColsChunkGo is SumCols on n ≤ SumChunk rows, in Go: each block of columns streams the
// rows through 16 lanes of accumulators kept in memory.
func sumColsChunkGo[T Float](dst []float64, src []T, stride, n int) {
	var acc [16][sumColsBlock]float64
	var tail [sumColsBlock]float64
	full := n - n%16
	for j0 := 0; j0 < len(dst); j0 += sumColsBlock {
		w := min(sumColsBlock, len(dst)-j0)
		for l := range acc {
			clear(acc[l][:w])
		}
		tl := tail[:w]
		clear(tl)
		for p := 0; p < full; p++ {
			a := acc[p&15][:w]
			row := src[p*stride+j0 : p*stride+j0+w]
			for j, v := range row {
				a[j] += float64(v)
			}
		}
		for p := full; p < n; p++ {
			row := src[p*stride+j0 : p*stride+j0+w]
			for j, v := range row {
				tl[j] += float64(v)
			}
		}
		d := dst[j0 : j0+w]
		for j := range d {
			var v [4]float64
			for l := range v {
				v[l] = (acc[l][j] + acc[l+8][j]) + (acc[l+4][j] + acc[l+12][j])
			}
			d[j] = ((v[0] + v[2]) + (v[1] + v[3])) + tl[j]
		}
	}
}
