package kernels

//go:generate go run asmgen_gelu32.go

import "math"

// GELU and its gradient in float32 lanes: the algorithm of geluF32 and geluGradF32, which
// geluGo and geluGradGo run one element at a time with the exact float32 operations of
// the AVX-512 and AVX2+FMA kernels in gelu32_amd64.s (asmgen_gelu32.go), fused multiply-adds
// included.
//
// With s = min(|x|, 20) and Q(s) = Φ(-s) = erfc(s/√2)/2,
//
//	GELU(x)  = x·Q(s) (x < 0),   x - x·Q(s) (x ≥ 0)
//	GELU'(x) = e·G(s) (x < 0),   1 - e·G(s) (x ≥ 0)
//
// where e = e^(-s²/2), Q(s) = e·M(s) and Φ(-s) - s·φ(s) = e·G(s), M(s) = Q(s)·e^(s²/2) and
// G(s) = M(s) - s/√(2π). Both products come out of one exponential, with no cancellation
// for x < 0 (where GELU is tiny and GELU' crosses zero at x ≈ -0.7518) and with errors
// damped by Q/(1-Q) ≤ 1 for x ≥ 0:
//
//   - e = 2^k·(1 + r + q): -s²/2 = yh + yl exactly (one FMA), k = round(yh·log2e),
//     r + rl = yh - k·ln2 + yl in two parts (k·ln2hi and yh - k·ln2hi exact: ln2hi has 15
//     bits, |k| ≤ 289), q = r²·P(r) + rl with P of degree 5 (geluE32; e^r to 1.2e-10).
//   - M and G: 16 intervals of s, whose table slot is bits 21-24 of the float32 encoding of
//     s + 1 (its exponent and two leading mantissa bits; s + 1 clamped to 15.5): widths ¼
//     on [0, 1), ½ to 3, 1 to 7, 2 to 13, then [13, 20]. On each a degree-6 polynomial in
//     d = s - c, c the interval's center (d is exact, or within 2^-27 on [0, ⅛)); for G on
//     [½, 1), c is the float32 nearest G's zero, so that G keeps its relative accuracy there.
//     The constant term is a float32 pair c0 + c0lo, and tail = d·P(d) + c0lo. geluM32 and
//     geluG32 come from gelu32_fit.go (within 4.9e-9 and 1.6e-9 relative); the 16 values of
//     each coefficient fill one zmm register, and the AVX-512 kernels look them up with one
//     VPERMPS; the AVX2 kernels, from a copy of the rows rotated by four entries, with one
//     VPERMPS from memory when every lane of the vectors has s < 3 (the low eight entries;
//     VPERMPS on ymm indexes eight), else two (low and high eight entries) and a VBLENDVPS
//     on bit 3 of the slot.
//   - With a = x (GELU) or g (GELU'), a·c0 = bh + bl exactly, cc = a·tail + bl, and
//     a·(c0 + tail)·(1 + r + q) = bh + (bh·r + (bh·q + cc·(1 + r + q))), scaled by 2^k
//     (VSCALEFPS, one rounding also for subnormal results; AVX2: VMULPS by 2^k, the same
//     single rounding, where 2^k is a normal float32, else as scalef32 the product in
//     float64 rounded once back to float32); for x ≥ 0 subtracted from a.
//     The G table holds G/2^m, m per interval (a tenth row) from 0 where |G| < 0.7 up to 4,
//     and 2^(k+m) scales: no finite g overflows g·G/2^m·(1 + r + q), and a tiny g loses no
//     precision where the result can be normal.
//
// Special values as the float64 formula gives them: NaN stays NaN, GELU(+Inf) = +Inf and
// GELU(-Inf) = NaN (-Inf·0), GELU'(+Inf) = 1 and GELU'(-Inf) = NaN, patched in by one
// VFIXUPIMMPS (AVX2: VCMPPS, and VBLENDVPS or VORPS).
//
// Against the float64-lane kernels this replaced (8 lanes per register, a division, the
// conversions), on one goroutine and 1M elements on the Zen 5 development VM, three
// alternating runs: GELU 1.14-1.16 -> 0.43 ms, its gradient 1.20-1.38 -> 0.45-0.46 ms
// (BenchmarkGELUF32/one, BenchmarkGELUBackwardF32/one: 2.6-3.0x). Two interleaved copies of
// the body leave the ten table registers resident. The Go loops take 1.9x the float64 ones
// (61-64 ms against 33-34 for GELU): every float32 FMA is emulated (fma32).
//
// Without AVX-512, the AVX2+FMA kernels replace the Go loops: on the Zen 3 development VM
// (2 cores, shared with other work), one goroutine and 1M elements, one run: GELU 108 ms ->
// 3.7 ms (29x), its gradient 111 -> 3.9 ms (29x); over three alternating runs against the
// previous build, 91-127 -> 3.9-6.2 ms and 119-142 -> 3.1-6.2 ms. That is 6-9x the
// AVX-512 kernels' 0.43-0.46 ms on Zen 5: half the lanes, twenty VPERMPS and ten VBLENDVPS
// per eight elements for the lookups (a quarter of the time: GELU 3.04 -> 2.24 ms, best of
// 15 runs, with the VPERMPS replaced by plain loads, wrong results) and five conversions for
// the scaling (2.81 -> 2.30 ms without them). Now the scaling is one VMULPS by 2^k unless a
// lane of the vector has |x| above about 13.2, the lookups one VPERMPS each unless a lane of
// the 16 elements has |x| ≥ 3, and the exponential is issued first (its chain is the
// longest). Over seven alternating runs against the previous build (one goroutine, 1M
// elements, the VM busy with other work): GELU 3.0-3.4 -> 2.2-2.8 ms on N(0, 2²) inputs
// and 3.2-3.9 -> 1.6-2.0 ms on N(0, 1) ones, its gradient 3.3-3.6 -> 2.5-3.6 ms and
// 3.1-3.9 -> 1.9-2.6 ms (BenchmarkGELUF32/one and one_sd1, BenchmarkGELUBackwardF32 alike).

// geluM32: largest relative error 4.88e-09
var geluM32 = [geluDeg32 + 3][16]float32{
	{0.23076032, 0.18523167, 0.15365194, 0.13072473, 0.106345154, 0.084803395, 0.0703427, 0.060015675, 0.049122546, 0.039506692, 0.033018973, 0.028352661, 0.45379323, 0.37960443, 0.32335618, 0.27977058},
	{2.8262287e-10, -6.056445e-09, -4.2262852e-10, 5.99267e-09, -7.105868e-10, -2.8586735e-09, -3.1783491e-09, 6.63687e-10, 3.7427522e-10, 1.6621141e-09, -1.6476395e-09, -5.125558e-10, -5.630384e-09, -1.1303329e-09, -1.2670472e-08, -1.26404105e-08},
	{-0.11049189, -0.07478687, -0.05322542, -0.039449263, -0.026734248, -0.017327016, -0.012057464, -0.0088403905, -0.005961912, -0.0038753396, -0.0027146277, -0.002005033, -0.34221813, -0.25659063, -0.19684468, -0.15414304},
	{0.04632274, 0.027177325, 0.01694737, 0.011119633, 0.0063876533, 0.00341591, 0.0020133231, 0.0012765679, 0.0007136303, 0.00037665013, 0.00022172071, 0.00014109892, 0.20550798, 0.14169148, 0.10016413, 0.07244771},
	{-0.01752863, -0.009075105, -0.0050312798, -0.0029566258, -0.0014589935, -0.0006517812, -0.00032805078, -0.00018090043, -8.427682e-05, -3.6277095e-05, -1.7991959e-05, -9.881755e-06, -0.10550871, -0.067814834, -0.044745434, -0.030249348},
	{0.0061023575, 0.002823678, 0.0014067435, 0.00074709434, 0.00032011853, 0.00012069292, 5.2243064e-05, 2.5180634e-05, 9.827609e-06, 3.4637753e-06, 1.4508729e-06, 6.893418e-07, 0.048079345, 0.029063184, 0.01804776, 0.0114942575},
	{-0.0020031529, -0.0008362255, -0.00037479002, -0.00018275797, -6.8968184e-05, -2.1993084e-05, -8.22909e-06, -3.4598513e-06, -1.1575061e-06, -3.3284195e-07, -1.1797849e-07, -4.801065e-08, -0.020006385, -0.011609624, -0.006805121, -0.0041009416},
	{0.0006125215, 0.00023209295, 9.485547e-05, 4.249777e-05, 1.41118635e-05, 3.8520807e-06, 1.2578435e-06, 4.6494833e-07, 1.3148703e-07, 3.123198e-08, 9.403213e-09, 2.9347516e-09, 0.00764098, 0.0042388253, 0.0023863143, 0.001351465},
	{1.25, 1.75, 2.25, 2.75, 3.5, 4.5, 5.5, 6.5, 8, 10, 12, 14, 0.125, 0.375, 0.625, 0.875},
}

// geluG32: largest relative error 1.57e-09
var geluG32 = [geluDeg32 + 4][16]float32{
	{-0.26791754, -0.51291734, -0.3719841, -0.48318326, -0.32248822, -0.4276092, -0.53095996, -0.6332773, -0.39280197, -0.49373952, -0.594286, -0.34730247, 0.40392545, 0.23000108, -6.9343855e-09, -6.9343855e-09},
	{1.4350841e-08, 1.37705225e-08, -2.3586566e-09, -3.769009e-09, 1.1488798e-08, -1.2180297e-08, 1.7524496e-09, 1.0203354e-08, 8.111727e-09, 1.8031987e-09, -2.464718e-08, 1.2271369e-08, -1.1665262e-08, -4.33825e-09, -1.1839189e-16, -1.1839231e-16},
	{-0.50943416, -0.47372916, -0.22608384, -0.21919577, -0.10641913, -0.104067326, -0.10274994, -0.10194567, -0.050613023, -0.0503522, -0.050207112, -0.025059208, -0.7411604, -0.6555329, -0.5724062, -0.5724062},
	{0.046322767, 0.027177311, 0.008473689, 0.0055598174, 0.0015969168, 0.00085397734, 0.0005033307, 0.0003191419, 8.920397e-05, 4.708144e-05, 2.7715216e-05, 8.819912e-06, 0.20550795, 0.14169146, 0.084756345, 0.08475635},
	{-0.017528903, -0.009074374, -0.0025159917, -0.001478546, -0.00036476058, -0.00016292179, -8.200808e-05, -4.5213303e-05, -1.053732e-05, -4.5411507e-06, -2.2550782e-06, -6.169929e-07, -0.10551342, -0.06781956, -0.036582734, -0.036581825},
	{0.006101322, 0.0028245768, 0.00070312613, 0.0003734841, 8.000116e-05, 3.0177074e-05, 1.3061823e-05, 6.2966556e-06, 1.2278867e-06, 4.3228627e-07, 1.808527e-07, 4.1794216e-08, 0.048087142, 0.02906779, 0.014304005, 0.014318047},
	{-0.0019992215, -0.00084559014, -0.00018290036, -8.8397144e-05, -1.7205097e-05, -5.574661e-06, -2.0723958e-06, -9.0273977e-07, -1.4259963e-07, -3.641263e-08, -9.883483e-09, -2.3876365e-09, -0.019764815, -0.011367884, -0.0051593967, -0.005161203},
	{0.00062299846, 0.00022030916, 5.0597217e-05, 2.207072e-05, 3.5940125e-06, 9.4978276e-07, 3.1093737e-07, 1.1135143e-07, 1.685039e-08, 4.4494053e-09, 1.5796056e-09, 7.737142e-11, 0.007238328, 0.0039895917, 0.0019938403, 0.0015480139},
	{1.25, 1.75, 2.25, 2.75, 3.5, 4.5, 5.5, 6.5, 8, 10, 12, 14, 0.125, 0.375, 0.75179154, 0.75179154},
	{0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 0, 0, 0, 0},
}

// geluE32: largest error relative to e^r 1.18e-10
var geluE32 = [6]float32{0.5, 0.16666666, 0.041666288, 0.00833355, 0.001394522, 0.00019760203}

// The constants of the exponential: ln 2 = geluLn2Hi32 + geluLn2Lo32 with geluLn2Hi32's
// low 9 bits zero, so that k·geluLn2Hi32 is exact for |k| < 512.
const (
	geluClamp32 = 20
	geluSlot32  = 15.5 // s + 1 is clamped to geluSlot32 for the table slot
	geluDeg32   = 6    // degree of the polynomials of geluM32 and geluG32
	geluLog2E32 = float32(math.Log2E)
	geluLn2Hi32 = float32(0.693145751953125)
	geluLn2Lo32 = float32(math.Ln2 - 0.693145751953125)
)

// A geluKernel is a pair of one-goroutine kernels for geluF32 and geluGradF32 (geluKernels
// lists those the CPU runs, for the tests).
type geluKernel struct {
	name string
	fwd  func(dst, src []float32)
	grad func(dst, g, x []float32)
}

// geluGo computes geluF32 one element at a time.
func geluGo(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] = gelu32(x, x, &geluM32, nil)
	}
}

// geluGradGo computes geluGradF32 one element at a time.
func geluGradGo(dst, g, x []float32) {
	g, x = g[:len(dst)], x[:len(dst)]
	for i, v := range x {
		dst[i] = gelu32(v, g[i], (*[geluDeg32 + 3][16]float32)(geluG32[:geluDeg32+3]), &geluG32[geluDeg32+3])
	}
}

// gelu32 is a times e·T(s) for x < 0 and a - a·e·T(s) for x ≥ 0, T the function tab
// holds (M; or G/2^m, with m from scale), then the special values of x.
func gelu32(x, a float32, tab *[geluDeg32 + 3][16]float32, scale *[16]float32) float32 {
	s := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	if !(s < geluClamp32) {
		s = geluClamp32 // as VMINPS: NaN becomes the bound (the fix-up below restores it)
	}
	// e^(-s²/2) = 2^k·(1 + r + q)
	xm := s * -0.5
	yh := float32(xm * s)
	yl := fma32(xm, s, -yh)
	k := float32(math.RoundToEven(float64(yh * geluLog2E32)))
	r1 := fma32(k, -geluLn2Hi32, yh)
	c := fma32(k, -geluLn2Lo32, yl)
	r := r1 + c
	rl := (r1 - r) + c
	pe := geluE32[len(geluE32)-1]
	for i := len(geluE32) - 2; i >= 0; i-- {
		pe = fma32(pe, r, geluE32[i])
	}
	q := fma32(float32(r*r), pe, rl)
	p := r + q
	// T(s) = c0 + tail on the interval of s (slot j)
	t := s + 1
	if !(t < geluSlot32) {
		t = geluSlot32 // as VMINPS: NaN becomes the bound
	}
	j := math.Float32bits(t) >> 21 & 15
	d := s - tab[geluDeg32+2][j]
	pt := tab[geluDeg32+1][j]
	for i := geluDeg32; i >= 2; i-- {
		pt = fma32(pt, d, tab[i][j])
	}
	tail := fma32(pt, d, tab[1][j])
	// a·T·e
	bh := float32(a * tab[0][j])
	bl := fma32(a, tab[0][j], -bh)
	cc := fma32(a, tail, bl)
	v := fma32(cc, p, cc)
	v = fma32(bh, q, v)
	w := fma32(bh, r, v)
	if scale != nil {
		k += scale[j]
	}
	y := scalef32(bh+w, k)
	if math.Float32bits(x)>>31 == 0 {
		y = a - y
	}
	// VFIXUPIMMPS: GELU(+Inf) = +Inf (x - x·0 is NaN), GELU'(-Inf) = GELU'(NaN) = NaN (e·G
	// of the clamped s is 0). GELU(NaN) and GELU(-Inf) are NaN already.
	switch {
	case scale == nil && math.IsInf(float64(x), 1):
		y = x
	case scale != nil && (x != x || math.IsInf(float64(x), -1)):
		y = float32(math.NaN())
	}
	return y
}

// scalef32 is VSCALEFPS for an integral n in [-400, 400] (or NaN): y·2^n rounded once to
// float32. The float64 product is exact (2^n and y·2^n are normal float64 values).
func scalef32(y, n float32) float32 {
	if n != n {
		return n
	}
	return float32(float64(y) * math.Float64frombits(uint64(int64(n)+1023)<<52))
}

// fma32 is the float32 fused multiply-add a·b + c, rounded once. The product is exact in
// float64 and the sum is rounded there once more, which rounds to float32 as the single
// rounding would unless the float64 sum falls exactly halfway between two float32 values
// (or is below float32's normal range): then the sum's rounding error decides, as
// round-to-odd would.
func fma32(a, b, c float32) float32 {
	p, cf := float64(a)*float64(b), float64(c)
	s := p + cf
	bits := math.Float64bits(s)
	if bits&(1<<29-1) != 1<<28 && math.Abs(s) >= 0x1p-125 {
		return float32(s)
	}
	bb := s - p
	e := (p - (s - bb)) + (cf - bb)
	if (e > 0 || e < 0) && bits&1 == 0 && !math.IsInf(s, 0) {
		if (e > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
}
