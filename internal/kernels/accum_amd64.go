//go:build amd64 && !purego

package kernels

import "sync"

// sumColsAVX512 is sumColsChunkGo on float32 for 1 ≤ w ≤ 64 columns of n ≥ 1 rows of src
// (stride in elements), 8 columns at a time, the last 8 masked: the 16 lanes are registers,
// kept in acc between blocks of rows.
//
//go:noescape
func sumColsAVX512(dst *float64, src *float32, stride, n, w int, acc *[16 * 64]float64)

// sumColsAVX2 is sumColsAVX512 with AVX2, for 4 ≤ w ≤ 64 columns, w a multiple of 4.
//
//go:noescape
func sumColsAVX2(dst *float64, src *float32, stride, n, w int, acc *[16 * 64]float64)

// addRowF64AVX2 adds a row to a lane of accumulators: acc[j] += float64(src[j]) for j < w,
// w a multiple of 4 (the conversion and addition sumColsAVX2 makes for each element).
//
//go:noescape
func addRowF64AVX2(acc *float64, src *float32, w int)

func sumColsChunkF32(dst []float64, src []float32, stride, n int) {
	switch {
	case hasAVX512:
		sumColsChunkAVX512(dst, src, stride, n)
	case hasAVX2 && len(dst) >= 4 && sumRowsWanted(n, stride):
		sumColsRowsAVX2(dst, src, stride, n)
	case hasAVX2 && len(dst) >= 4:
		sumColsChunkAVX2(dst, src, stride, n)
	default:
		sumColsChunkGo(dst, src, stride, n)
	}
}

// sumColsChunkAVX512 runs the AVX-512 kernel on each 64 columns.
func sumColsChunkAVX512(dst []float64, src []float32, stride, n int) {
	var acc [16 * 64]float64
	for j0 := 0; j0 < len(dst); j0 += 64 {
		sumColsAVX512(&dst[j0], &src[j0], stride, n, min(64, len(dst)-j0), &acc)
	}
}

// sumColsChunkAVX2 runs the AVX2 kernel on each 64 columns up to the last multiple of 4,
// and the Go loop on the rest.
func sumColsChunkAVX2(dst []float64, src []float32, stride, n int) {
	var acc [16 * 64]float64
	w4 := len(dst) &^ 3
	for j0 := 0; j0 < w4; j0 += 64 {
		sumColsAVX2(&dst[j0], &src[j0], stride, n, min(64, w4-j0), &acc)
	}
	if w4 < len(dst) {
		sumColsChunkGo(dst[w4:], src[w4:], stride, n)
	}
}

// sumColsVariants lists the float32 SumCols chunk kernels this machine runs, for tests.
func sumColsVariants() map[string]func(dst []float64, src []float32, stride, n int) {
	v := map[string]func(dst []float64, src []float32, stride, n int){"go": sumColsChunkGo[float32]}
	if hasAVX2 {
		v["avx2"] = sumColsChunkAVX2
		v["avx2-rows"] = sumColsRowsAVX2
	}
	if hasAVX512 {
		v["avx512"] = sumColsChunkAVX512
	}
	return v
}

// sumColsRowsAVX2 is sumColsChunkGo on float32 with the rows read in order, each added
// whole to its lane of accumulators (addRowF64AVX2), rather than the columns walked a strip
// of four at a time down a block of rows: where the rows are long and far apart, reading
// them in order is what the hardware prefetcher follows, and each cache line is read once.
// The lanes of up to sumRowsWidth columns at a time (17 rows of float64: 68 KiB) stay in
// L1 or L2. Every column gets sumColsChunkGo's operations in its order, so the bits are the
// same.
func sumColsRowsAVX2(dst []float64, src []float32, stride, n int) {
	w4 := len(dst) &^ 3
	if w4 < len(dst) {
		sumColsChunkGo(dst[w4:], src[w4:], stride, n)
	}
	if w4 == 0 {
		return
	}
	ap := sumRowsPool.Get().(*[]float64)
	full := n - n%16
	for j0 := 0; j0 < w4; j0 += sumRowsWidth {
		w := min(sumRowsWidth, w4-j0)
		acc := (*ap)[:17*w] // 16 lanes, then the total of the rows past the last multiple of 16
		clear(acc)
		for p := 0; p < n; p++ {
			lane := 16
			if p < full {
				lane = p & 15
			}
			addRowF64AVX2(&acc[lane*w], &src[p*stride+j0], w)
		}
		d := dst[j0 : j0+w]
		for j := range d {
			var v [4]float64
			for l := range v {
				v[l] = (acc[l*w+j] + acc[(l+8)*w+j]) + (acc[(l+4)*w+j] + acc[(l+12)*w+j])
			}
			d[j] = ((v[0] + v[2]) + (v[1] + v[3])) + acc[16*w+j]
		}
	}
	sumRowsPool.Put(ap)
}

// sumRowsWidth is the most columns sumColsRowsAVX2 accumulates at once.
const sumRowsWidth = 512

// sumRowsWanted reports whether sumColsChunkF32 takes sumColsRowsAVX2 (on AVX2 without
// AVX-512) for n rows stride floats apart: when the strip kernel's 64-row blocks overflow
// the L1 sets they map to, rows a multiple of 1 KiB apart (each strip of four columns then
// walks lines evicted by the strip before it), and there are enough rows to repay clearing
// and combining the lanes. On the Zen 3 VM, one goroutine (BenchmarkSumCols), 2048 rows of
// 512 columns took 239-251 µs against 838-892 with the strip kernel, 256 rows 43-51 against
// 91-96; but where the strips fit in L1 they win across cores (eager's sum of 2048 rows of
// 128 or 384 columns: 40 and 118-120 µs against 47-53 and 129-148 read whole), and on few
// rows (64×256: 5.2-6.7 against 8.2-9.1 µs).
func sumRowsWanted(n, stride int) bool {
	return !hasAVX512 && hasAVX2 && n >= 256 && stride%256 == 0
}

// sumColsWidth is SumColsWidth for float32.
func sumColsWidth(rows, stride int) int {
	if sumRowsWanted(rows, stride) {
		return sumRowsWidth
	}
	return 64
}

var sumRowsPool = sync.Pool{New: func() any { s := make([]float64, 17*sumRowsWidth); return &s }}
