package kernels

//go:generate go run asmgen_f64lanes.go

import (
	"math"

	"github.com/eagerml/eager/internal/parallel"
)

// GELUF32 is
//
//	for i := range dst {
//		x := float64(src[i])
//		dst[i] = float32(0.5 * x * (1 + math.Erf(x/math.Sqrt2)))
//	}
//
// within 1 ulp for every float32 input (all checked once: 0.76% of them at 1 ulp), including
// large negative x where GELU(x) = x·Φ(x) is tiny: relative accuracy down to x = -13.146,
// where the result leaves float32's normal range; below, subnormal results within 1 ulp of
// their spacing, and -0 from x = -14.356. It computes in float32 lanes, 16 per AVX-512
// register or 8 per AVX2 one: GELU(x) = x·Q(s) for x < 0 and x - x·Q(s) above, with
// Q(s) = Φ(-s) = e^(-s²/2)·M(s), s = |x|, the exponential from s² split in two parts by an
// FMA and M from a table of polynomials (see gelu32.go). NaN for NaN and for -Inf (as the
// formula above, -Inf·0, and PyTorch give), +Inf for +Inf. The AVX-512 and AVX2+FMA kernels
// and the Go loop (geluGo; -tags purego, other CPUs) give the same bits.
func GELUF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(16, geluF32, dst, src)
}

// The fits of gelu_fit.py, which ErfF32 uses: Φ(x) - ½ = x·S(x²) on |x| < geluSmall, and
// R(s) = erfc(s/√2)·e^(s²/2) = P(1/(1+s/4)) on geluSmall <= s <= geluTMax.
const (
	geluSmall = 0.5
	geluTMax  = 14.6 // GELU(x) rounds to -0 in float32 below -14.6: t stays in the fitted range
	geluYMax  = 40   // e^(-40²/2) is 0 in float64: larger |x| gives the same result
	geluLog2E = 1.4426950408889634
	geluLn2Hi = 0.693147180369123816490 // ln 2 in 32 bits: n·ln2Hi is exact for |n| < 2^20
	geluLn2Lo = 1.90821492927058770002e-10
)

var geluS = [...]float64{0.39894228038399115, -0.066490376591952227, 0.009973445916634566,
	-0.0011860813414224232, 0.00010969086322871969}

var geluP = [...]float64{-3.7419662169459806e-06, 0.19955976086190419, 0.1985717584416031,
	0.19206382346927686, 0.1452733411182901, 0.15762678630298152, 0.072253446404667451,
	-0.017861422091223062, 0.17224383594436779, -0.16027533227553697, 0.040548695783188912}

// geluExpC holds 1/k! for k = 0..9: e^r on |r| <= ln2/2 to within 1e-11.
var geluExpC = [...]float64{1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
	1.0 / 40320, 1.0 / 362880}

// GELUBackwardF32 is GELU's input gradient,
//
//	for i := range dst {
//		x := float64(x[i])
//		dst[i] = float32(float64(g[i]) * (Φ(x) + x·φ(x)))
//	}
//
// with Φ and φ the normal distribution and density, computed in float32 lanes as GELUF32
// is: Φ(-s) - s·φ(s) = e^(-s²/2)·G(s) (s = |x|) for x < 0 and 1 minus that for x ≥ 0, G from
// a table of polynomials, one of them centered on G's zero so that the relative accuracy
// holds near GELU's minimum at x ≈ -0.7518, where the derivative crosses zero (gelu32.go).
// Within 2 ulp wherever the result is a normal float32, except for x in [-1.04, -0.50]
// around that zero: within 4 ulp there (every float32 x checked once with g = 1, 1.37 and
// 1.9: 3, 4 and 4 ulp there; 0.006-0.010% of inputs above 1 ulp); results in the subnormal
// range within 2 units of its spacing (1 for those three g). NaN for x = -Inf (as x·φ(x)
// gives) and NaN, g for x = +Inf. An infinite g gives NaN (the float64 form gave ±Inf).
func GELUBackwardF32(dst, g, x []float32) {
	g, x = g[:len(dst)], x[:len(dst)]
	if len(dst) < splitLen/16 {
		geluGradF32(dst, g, x)
		return
	}
	parallel.For(len(dst), splitLen/32, func(lo, hi int) { geluGradF32(dst[lo:hi], g[lo:hi], x[lo:hi]) })
}

// ErfF32 is
//
//	for i := range dst {
//		dst[i] = float32(math.Erf(float64(src[i])))
//	}
//
// within 1 ulp, in float64 lanes from geluPieces at x = z·√2: erf(z) = 2x·S(x²) for |x| < 0.5,
// 1 - e^(-x²/2)·R(x) above and e^(-x²/2)·R(|x|) - 1 below. ±1 for ±Inf, NaN for NaN. The
// AVX-512 and AVX2 kernels and the Go loop give the same bits.
func ErfF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(16, erfF32, dst, src)
}

// lanesVariant is one way to compute the four functions on one goroutine, for tests and
// benchmarks.
type lanesVariant struct {
	name                      string
	erf, geluTanh, log, rsqrt func(dst, src []float32)
}

// erfGo computes ErfF32 one element at a time: the operation sequence of the kernels.
func erfGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(erf64(float64(v)))
	}
}

// erf64 is erf z for a float32 value held in a float64, as ErfF32 computes it.
func erf64(z float64) float64 {
	x := float64(z * math.Sqrt2)
	sp, _, q := geluPieces(x)
	switch {
	case x != x:
		return x
	case math.Abs(x) < geluSmall:
		return float64(float64(x*sp) * 2)
	case x < 0:
		return float64(q*2) - 1
	}
	return 1 - float64(q*2)
}

// geluPieces returns, for x, S(x²), e = e^(-min(|x|, 40)²/2) and q = e·P(t)/2 with
// t = 1/(1 + min(|x|, 14.6)/4): the float64 operations of erf64 (and of its kernels).
func geluPieces(x float64) (sp, e, q float64) {
	s := math.Abs(x)
	u := float64(x * x)
	sp = geluS[len(geluS)-1]
	for k := len(geluS) - 2; k >= 0; k-- {
		sp = math.FMA(sp, u, geluS[k])
	}
	sy := s
	if sy > geluYMax {
		sy = geluYMax
	}
	e = expPD(float64(float64(sy*sy) * -0.5))
	st := s
	if st > geluTMax {
		st = geluTMax
	}
	t := 1 / math.FMA(st, 0.25, 1)
	p := geluP[len(geluP)-1]
	for k := len(geluP) - 2; k >= 0; k-- {
		p = math.FMA(p, t, geluP[k])
	}
	return sp, e, float64(float64(e*p) * 0.5)
}

// expPD is e^y for y in [-1100, 700] as the kernels compute it: n = round(y·log2e),
// r = y - n·ln2 in two parts, e^r by its Taylor polynomial to r⁹, times 2^n rounded once
// (VSCALEFPD; the AVX2 kernels build 2^n from its bits, in two factors below 2^-960).
func expPD(y float64) float64 {
	n := math.RoundToEven(float64(y * geluLog2E))
	r := math.FMA(n, -geluLn2Hi, y)
	r = math.FMA(n, -geluLn2Lo, r)
	e := geluExpC[len(geluExpC)-1]
	for k := len(geluExpC) - 2; k >= 0; k-- {
		e = math.FMA(e, r, geluExpC[k])
	}
	return math.Ldexp(e, int(n))
}

// GELUTanhF32 is GELU's tanh approximation,
//
//	for i := range dst {
//		x := float64(src[i])
//		dst[i] = float32(0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x))))
//	}
//
// computed as x/(1 + e^w) with w = -2·√(2/π)·x·(1 + 0.044715x²) (the same function, since
// (1 + tanh y)/2 = 1/(1 + e^(-2y))), in float64: within 1 ulp of that form, which unlike the
// tanh form keeps the tiny negative values of large negative x. NaN for -Inf and NaN, +Inf
// for +Inf. The AVX-512 and AVX2 kernels and the Go loop give the same bits.
func GELUTanhF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(8, geluTanhF32, dst, src)
}

// geluTanhGo computes GELUTanhF32 one element at a time: the operation sequence of the
// kernels.
func geluTanhGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(geluTanh64(float64(v)))
	}
}

// geluTanh64 is GELUTanhF32's function of a float32 value held in a float64.
func geluTanh64(x float64) float64 {
	u := float64(x * x)
	w := float64(float64(x*math.FMA(u, 0.044715, 1)) * (-2 * math.Sqrt(2/math.Pi)))
	// Clamped as VMINPD/VMAXPD do: a NaN w becomes the bound, and x (NaN) makes the result NaN.
	if !(w < 700) {
		w = 700
	}
	if !(w > -700) {
		w = -700
	}
	if math.IsInf(x, -1) {
		return math.NaN() // 0.5·x·(1 + tanh(...)) is -Inf·0
	}
	return x / (1 + expPD(w))
}
