//go:build amd64 && !purego

package kernels

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

func sumColsChunkF32(dst []float64, src []float32, stride, n int) {
	switch {
	case hasAVX512:
		sumColsChunkAVX512(dst, src, stride, n)
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
	}
	if hasAVX512 {
		v["avx512"] = sumColsChunkAVX512
	}
	return v
}
