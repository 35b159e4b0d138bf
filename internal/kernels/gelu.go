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
// within 1 ulp, NaN for a NaN or -Inf input as that formula gives (PyTorch's too), +Inf for
// +Inf. It works in float64: GELU(x) = x·Φ(x) with Φ the normal distribution function, from
// a polynomial in x² for |x| < 0.5, and else from Φ(x) = ½·e^(-x²/2)·R(|x|) (x < 0) or
// 1 - ½·e^(-x²/2)·R(x) (x > 0), where R(s) = erfcx(s/√2) is a polynomial in 1/(1+s/4) and
// e^(-x²/2) is exact to a few float64 ulp (x² of a float32 is exact in float64). Both fits
// are within 1e-9 relative (internal/kernels/gelu_fit.py derived them), so the float32
// result is the correctly rounded one except within 1e-2 ulp of a tie. The AVX-512 kernel
// and the Go loop run the same float64 operations (fused multiply-adds included), so they
// give the same bits.
func GELUF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(16, geluF32, dst, src)
}

// The fits of gelu_fit.py: Φ(x) - ½ = x·S(x²) on |x| < geluSmall, and
// R(s) = erfc(s/√2)·e^(s²/2) = P(1/(1+s/4)) on geluSmall <= s <= geluTMax.
const (
	geluSmall = 0.5
	geluTMax  = 14.6 // GELU(x) rounds to -0 in float32 below -14.6: t stays in the fitted range
	geluYMax  = 40   // e^(-40²/2) is 0 in float64: larger |x| gives the same result
	geluLarge = 6    // GELU(x) rounds to x in float32 above 6
	geluLog2E = 1.4426950408889634
	geluLn2Hi = 0.693147180369123816490 // ln 2 in 32 bits: n·ln2Hi is exact for |n| < 2^20
	geluLn2Lo = 1.90821492927058770002e-10

	geluInvSqrt2Pi = 0.3989422804014327 // 1/√(2π)
	geluGradLarge  = 10                 // GELU'(x) rounds to 1 above 10
)

var geluS = [...]float64{0.39894228038399115, -0.066490376591952227, 0.009973445916634566,
	-0.0011860813414224232, 0.00010969086322871969}

var geluP = [...]float64{-3.7419662169459806e-06, 0.19955976086190419, 0.1985717584416031,
	0.19206382346927686, 0.1452733411182901, 0.15762678630298152, 0.072253446404667451,
	-0.017861422091223062, 0.17224383594436779, -0.16027533227553697, 0.040548695783188912}

// geluExpC holds 1/k! for k = 0..9: e^r on |r| <= ln2/2 to within 1e-11.
var geluExpC = [...]float64{1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
	1.0 / 40320, 1.0 / 362880}

// geluGo computes GELUF32 one element at a time: the operation sequence of the AVX-512 kernel.
func geluGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = float32(gelu64(float64(v)))
	}
}

// gelu64 is GELU of a float32 value held in a float64, as GELUF32 computes it (conversions
// to float64 keep Go from fusing products into adds where the kernel does not).
func gelu64(x float64) float64 {
	sp, _, q := geluPieces(x)
	switch {
	case math.Abs(x) < geluSmall: // x·(½ + x·S(x²))
		return float64(x * math.FMA(x, sp, 0.5))
	case x < 0:
		return math.FMA(x, 0, float64(x*q)) // x·0 makes -Inf give NaN
	case x > geluLarge:
		return x
	}
	return math.FMA(-x, q, x)
}

// GELUBackwardF32 is GELU's input gradient,
//
//	for i := range dst {
//		x := float64(x[i])
//		dst[i] = float32(float64(g[i]) * (Φ(x) + x·φ(x)))
//	}
//
// with Φ and φ the normal distribution and density, from the same float64 pieces as GELUF32
// (φ(x) = e^(-x²/2)/√(2π)), so within 1 ulp except near the derivative's zero at
// x ≈ -0.7518, where the two terms cancel and the error is within 2e-9·|g| (the fits'
// relative error). NaN for x = -Inf (as x·φ(x) gives), g for x = +Inf.
func GELUBackwardF32(dst, g, x []float32) {
	g, x = g[:len(dst)], x[:len(dst)]
	if len(dst) < splitLen/16 {
		geluGradF32(dst, g, x)
		return
	}
	parallel.For(len(dst), splitLen/32, func(lo, hi int) { geluGradF32(dst[lo:hi], g[lo:hi], x[lo:hi]) })
}

// geluGradGo computes GELUBackwardF32 one element at a time: the operation sequence of the
// AVX-512 kernel.
func geluGradGo(dst, g, x []float32) {
	g, x = g[:len(dst)], x[:len(dst)]
	for i, v := range x {
		dst[i] = float32(geluGrad64(float64(v)) * float64(g[i]))
	}
}

// geluGrad64 is Φ(x) + x·φ(x) for a float32 value held in a float64, as GELUBackwardF32
// computes it.
func geluGrad64(x float64) float64 {
	sp, e, q := geluPieces(x)
	var cdf float64
	switch {
	case math.Abs(x) < geluSmall:
		cdf = math.FMA(x, sp, 0.5)
	case x < 0:
		cdf = q
	default:
		cdf = 1 - q
	}
	if x > geluGradLarge {
		return 1
	}
	return math.FMA(x, float64(e*geluInvSqrt2Pi), cdf)
}

// ErfF32 is
//
//	for i := range dst {
//		dst[i] = float32(math.Erf(float64(src[i])))
//	}
//
// within 1 ulp, from GELUF32's float64 pieces at x = z·√2: erf(z) = 2x·S(x²) for |x| < 0.5,
// 1 - e^(-x²/2)·R(x) above and e^(-x²/2)·R(|x|) - 1 below. ±1 for ±Inf, NaN for NaN. The
// AVX-512 kernel and the Go loop give the same bits.
func ErfF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(16, erfF32, dst, src)
}

// erfGo computes ErfF32 one element at a time: the operation sequence of the AVX-512 kernel.
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
// t = 1/(1 + min(|x|, 14.6)/4): the float64 operations the AVX-512 kernels share.
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

// expPD is e^y for y in [-1100, 700] as the AVX-512 kernels compute it: n = round(y·log2e),
// r = y - n·ln2 in two parts, e^r by its Taylor polynomial to r⁹, times 2^n.
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
// for +Inf. The AVX-512 kernel and the Go loop give the same bits.
func GELUTanhF32(dst, src []float32) {
	src = src[:len(dst)]
	splitCost(8, geluTanhF32, dst, src)
}

// geluTanhGo computes GELUTanhF32 one element at a time: the operation sequence of the
// AVX-512 kernel.
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
