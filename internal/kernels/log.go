package kernels

import (
	"math"
)

// LogF32 is
//
//	for i := range dst {
//		dst[i] = float32(math.Log(float64(src[i])))
//	}
//
// within 1 ulp (correctly rounded on every input the tests try): -Inf for ±0,
// NaN for negative x and NaN, +Inf for +Inf. It works in float64: x = m·2^e with m in
// [√½, √2), log m = 2·atanh(s) with s = (m-1)/(m+1) (|s| <= 0.172) from its series to s¹⁵,
// and log x = e·ln2 + log m in one fused multiply-add. The AVX-512 and AVX2 kernels and the
// Go loop run the same float64 operations, so they give the same bits.
func LogF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(8, logF32, dst, src)
}

// logQ holds the series' coefficients after its first term: 2/(2k+1) for k = 1..7.
var logQ = [...]float64{2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13, 2.0 / 15}

// logGo computes LogF32 one element at a time: the operation sequence of the kernels.
func logGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(log64(float64(v)))
	}
}

// log64 is log x for a float32 value held in a float64, as LogF32 computes it.
func log64(x float64) float64 {
	switch {
	case x != x:
		return x
	case x == 0:
		return math.Inf(-1)
	case x < 0:
		return math.NaN()
	case math.IsInf(x, 1):
		return x
	}
	frac, exp := math.Frexp(x) // x = frac·2^exp, frac in [½, 1): as VGETMANTPD/VGETEXPPD (AVX2: x's bit fields), m = 2·frac
	m, e := 2*frac, float64(exp-1)
	if m > math.Sqrt2 {
		m, e = m*0.5, e+1
	}
	s := float64(m-1) / float64(m+1)
	z := float64(s * s)
	q := logQ[6]
	for k := 5; k >= 0; k-- {
		q = math.FMA(q, z, logQ[k])
	}
	l := float64(s * math.FMA(q, z, 2))
	return math.FMA(e, math.Ln2, l)
}

// RsqrtF32 is
//
//	for i := range dst {
//		dst[i] = float32(1 / math.Sqrt(float64(src[i])))
//	}
//
// (the square root and the division in float64, each correctly rounded, so the float32
// result is within ½ ulp plus a tie's double rounding). The AVX-512 and AVX2 kernels run the
// same two operations on float64 lanes: the same bits.
func RsqrtF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(2, rsqrtF32, dst, src)
}

// rsqrtGo computes RsqrtF32 one element at a time.
func rsqrtGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(1 / math.Sqrt(float64(v)))
	}
}
