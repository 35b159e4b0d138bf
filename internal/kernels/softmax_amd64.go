//go:build amd64 && !purego

package kernels

//go:noescape
func scaleF32AVX2(dst, src *float32, n int, s float64)

func scaleF32(dst, src []float32, s float64) bool {
	if !hasAVX2 {
		return false
	}
	scaleF32AVX2(&dst[0], &src[0], len(dst), s)
	return true
}

//go:noescape
func maxF32AVX2(x *float32, n int) (m float32, unordered bool)

func maxF32(x []float32) (m float32, hasNaN, ok bool) {
	if !hasAVX2 {
		return 0, false, false
	}
	m, hasNaN = maxF32AVX2(&x[0], len(x))
	return m, hasNaN, true
}

//go:noescape
func softmaxGradSumAVX2(gr, y *float32, n int) float64

//go:noescape
func softmaxGradOutAVX2(dst, gr, y *float32, n int, s float32)

func softmaxGradSumF32(g, y []float32) (float64, bool) {
	if !hasAVX2 {
		return 0, false
	}
	return softmaxGradSumAVX2(&g[0], &y[0], len(g)), true
}

// softmaxGradOutF32 writes dst up to the last multiple of 8 and reports how far it went.
func softmaxGradOutF32(dst, g, y []float32, s float32) (done int) {
	n8 := len(dst) &^ 7
	if !hasAVX2 || n8 == 0 {
		return 0
	}
	softmaxGradOutAVX2(&dst[0], &g[0], &y[0], n8, s)
	return n8
}
