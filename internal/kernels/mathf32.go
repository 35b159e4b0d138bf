package kernels

import (
	"math"

	"github.com/eagerml/eager/internal/parallel"
)

// ExpF32 is
//
//	for i := range dst {
//		dst[i] = float32(math.Exp(float64(src[i])))
//	}
//
// within 2 ulp (the assembly works in float32: e^x = 2^n·e^r with r = x - n·ln2 reduced
// exactly, and 2^n applied so that subnormal results round once. AVX2: n an integer, e^r by
// a degree-7 polynomial, 2^n in two halves; AVX-512: n a multiple of 1/16, 2^(n mod 1) from a
// 16-entry table, e^r by a cubic, 2^floor(n) by VSCALEFPS; both within 1 ulp over every
// float32). Overflow gives +Inf, underflow 0, NaN stays NaN.
func ExpF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(4, pick2(dst, src, expF32, expStreamF32), dst, src)
}

// TanhF32 is
//
//	for i := range dst {
//		dst[i] = float32(math.Tanh(float64(src[i])))
//	}
//
// within 3 ulp (the AVX2 assembly, within 2, uses an odd polynomial for |x| < 0.625 and
// 1 - 2/(e^(2|x|)+1) above; the AVX-512 assembly m/(m+2) with m = e^(2|x|)-1 computed as an
// expm1 from a 32-entry table of 2^(j/32) - 1, within 3 ulp with small |x| the worst; both
// with x's sign).
func TanhF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(4, pick2(dst, src, tanhF32, tanhStreamF32), dst, src)
}

// SigmoidF32 is
//
//	for i := range dst {
//		dst[i] = float32(1 / (1 + math.Exp(-float64(src[i]))))
//	}
//
// within 3 ulp (the assembly computes e = e^-|x| as ExpF32 does and then 1/(1+e), or e/(1+e)
// for negative x, so that it neither overflows nor flushes the tiny results of large negative
// x to zero; the AVX2 kernel is within 2 ulp, the AVX-512 one within 3, at negative x).
func SigmoidF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(4, pick2(dst, src, sigmoidF32, sigmoidStreamF32), dst, src)
}

func expGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(math.Exp(float64(v)))
	}
}

func tanhGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

func sigmoidGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(sigmoid64(float64(v)))
	}
}

// sigmoid64 is 1/(1+e^-x), computed without overflow for large negative x.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// pick2 returns the streaming variant of a unary kernel when it streams (see streams).
func pick2(dst, src []float32, k, stream func(dst, src []float32)) func(dst, src []float32) {
	if streams(dst, src) {
		return stream
	}
	return k
}

// splitCost runs fn over dst and src, in fixed chunks across cores for slices long enough
// that an element costing about cost Adds pays for the split.
func splitCost(cost int, fn func(dst, src []float32), dst, src []float32) {
	if len(dst) < splitLen/cost {
		fn(dst, src)
		return
	}
	parallel.For(len(dst), splitLen/(2*cost), func(lo, hi int) { fn(dst[lo:hi], src[lo:hi]) })
}
