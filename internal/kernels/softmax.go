package kernels

import "math"

// Row kernels of Softmax on float32, with float64 sums in a fixed order.

// ScaleF32 multiplies float32 values by a float64 factor in float64, rounding each product
// once (Softmax's normalisation):
//
//	for i := range dst {
//		dst[i] = float32(float64(src[i]) * s)
//	}
func ScaleF32(dst, src []float32, s float64) {
	n := len(dst)
	src = src[:n]
	n4 := n &^ 3
	done := 0
	if n4 > 0 && scaleF32(dst[:n4], src, s) {
		done = n4
	}
	for i := done; i < n; i++ {
		dst[i] = float32(float64(src[i]) * s)
	}
}

// MaxF32 returns the largest value of x (-Inf for an empty x) and false, or true when x holds
// a NaN (the value is then meaningless). When the maximum is zero the sign of the zero
// returned is unspecified: +0 and -0 compare equal.
func MaxF32(x []float32) (m float32, hasNaN bool) {
	n8 := len(x) &^ 7
	m = float32(math.Inf(-1))
	if n8 > 0 {
		var ok bool
		if m, hasNaN, ok = maxF32(x[:n8]); !ok {
			m, hasNaN = maxGo(x[:n8])
		}
		if hasNaN {
			return m, true
		}
	}
	for _, v := range x[n8:] {
		if v != v {
			return v, true
		}
		if v > m {
			m = v
		}
	}
	return m, false
}

func maxGo(x []float32) (m float32, hasNaN bool) {
	m = float32(math.Inf(-1))
	for _, v := range x {
		if v != v {
			return v, true
		}
		if v > m {
			m = v
		}
	}
	return m, false
}

// SoftmaxGradRow writes Softmax's input gradient for one row of output y and its gradient g,
// in float32 with the sum as Sum takes it:
//
//	p := make([]float32, len(dst))
//	Mul(p, g, y)
//	s := Sum(p)
//	for j := range dst {
//		dst[j] = y[j] * (g[j] - s)
//	}
func SoftmaxGradRow(dst, g, y []float32) {
	n := len(dst)
	g, y = g[:n], y[:n]
	if n > SumChunk {
		p := make([]float32, n)
		Mul(p, g, y)
		softmaxGradOut(dst, g, y, Sum(p), 0)
		return
	}
	n16 := n &^ 15
	var lanes float64 // Sum's 16 lanes combined in its order
	if n16 > 0 {
		var ok bool
		if lanes, ok = softmaxGradSumF32(g[:n16], y[:n16]); !ok {
			var acc [16]float64
			for i := 0; i < n16; i++ {
				acc[i&15] += float64(g[i] * y[i])
			}
			lanes = combineLanes(&acc, 0)
		}
	}
	var t float64
	for i := n16; i < n; i++ {
		t += float64(g[i] * y[i])
	}
	s := float32(lanes + t)
	done := 0
	if s == s { // with a NaN the Go loop gives the NaN it picks
		done = softmaxGradOutF32(dst, g, y, s)
	}
	softmaxGradOut(dst, g, y, s, done)
}

func softmaxGradOut(dst, g, y []float32, s float32, from int) {
	for j := from; j < len(dst); j++ {
		dst[j] = y[j] * (g[j] - s)
	}
}
