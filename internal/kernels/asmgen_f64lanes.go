//go:build ignore

// asmgen_f64lanes writes f64lanes_amd64.s: the AVX-512 and the AVX2+FMA kernels of the
// float32 functions that compute in float64 lanes, ErfF32 and GELUTanhF32 (gelu.go), LogF32
// and RsqrtF32 (log.go). Run it with `go generate` (or `go run asmgen_f64lanes.go`) in this
// directory. Each kernel is the float64 operation sequence of its Go function (erf64,
// geluTanh64, log64) on eight lanes (AVX-512, written out twice with separate registers so
// that two groups of eight elements are in flight) or four (AVX2, see kernelAVX2). (GELU and
// its gradient compute in float32 lanes: asmgen_gelu32.go.)
package main

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strings"
)

// The constants, by name, as gelu.go has them.
var (
	geluS = []float64{0.39894228038399115, -0.066490376591952227, 0.009973445916634566,
		-0.0011860813414224232, 0.00010969086322871969}
	geluP = []float64{-3.7419662169459806e-06, 0.19955976086190419, 0.1985717584416031,
		0.19206382346927686, 0.1452733411182901, 0.15762678630298152, 0.072253446404667451,
		-0.017861422091223062, 0.17224383594436779, -0.16027533227553697, 0.040548695783188912}
	geluE = []float64{1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040,
		1.0 / 40320, 1.0 / 362880}
	geluK = []struct {
		name string
		v    float64
	}{
		{"half", 0.5}, {"mhalf", -0.5}, {"one", 1}, {"quarter", 0.25}, {"ymax", 40}, {"tmax", 14.6},
		{"small", 0.5}, {"log2e", 1.4426950408889634}, {"mln2hi", -0.693147180369123816490},
		{"mln2lo", -1.90821492927058770002e-10},
		{"sqrt2", math.Sqrt2}, {"two", 2}, {"ln2", math.Ln2}, {"inf", math.Inf(1)}, {"minf", math.Inf(-1)},
		{"nan", math.NaN()}, {"gtc", 0.044715}, {"gtm2a", -2 * math.Sqrt(2/math.Pi)}, {"gtclamp", 700},
		{"mgtclamp", -700},
	}
	logQ = []float64{2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13, 2.0 / 15}
)

// k returns the address of constant name in the geluK table.
func k(name string) string {
	for i, c := range geluK {
		if c.name == name {
			return fmt.Sprintf("geluK<>+%d(SB)", 8*i)
		}
	}
	panic(name)
}

// horner evaluates the polynomial c (lowest degree first) at x into acc.
func horner(table string, c []float64, x, acc string) string {
	s := fmt.Sprintf("\tVBROADCASTSD %s<>+%d(SB), %s\n", table, 8*(len(c)-1), acc)
	for i := len(c) - 2; i >= 0; i-- {
		s += fmt.Sprintf("\tVFMADD213PD.BCST %s<>+%d(SB), %s, %s\n", table, 8*i, x, acc)
	}
	return s
}

// expPD replaces y by r and writes e^y to out, with n as scratch: n = round(y·log2e),
// r = y - n·ln2 (in two parts), e^r from its Taylor polynomial to r⁹, times 2^n (VSCALEFPD
// rounds once). y must be in [-1100, 700] (clamped by the caller).
func expPD(y, n, out string) string {
	return `	VMULPD.BCST ` + k("log2e") + `, ` + y + `, ` + n + `
	VRNDSCALEPD $8, ` + n + `, ` + n + `
	VFMADD231PD.BCST ` + k("mln2hi") + `, ` + n + `, ` + y + `
	VFMADD231PD.BCST ` + k("mln2lo") + `, ` + n + `, ` + y + `
` + horner("geluE", geluE, y, out) + `	VSCALEFPD ` + n + `, ` + out + `, ` + out + `
`
}

// common computes, from x in Z0: s = |x| (Z1), u = x² (Z2), S(u) (Z3), e = e^(-min(s,40)²/2)
// (Z9) and q = e·P(t)/2 (Z6), t = 1/(1 + min(s, 14.6)/4).
func common() string {
	return `	VPANDQ.BCST geluAbs<>(SB), Z0, Z1
	VMULPD Z0, Z0, Z2
` + horner("geluS", geluS, "Z2", "Z3") + `	VMINPD.BCST ` + k("ymax") + `, Z1, Z4
	VMULPD Z4, Z4, Z4
	VMULPD.BCST ` + k("mhalf") + `, Z4, Z4
` + expPD("Z4", "Z5", "Z6") + `	VMOVAPD Z6, Z9
	VMINPD.BCST ` + k("tmax") + `, Z1, Z7
	VFMADD213PD Z20, Z21, Z7
	VDIVPD Z7, Z20, Z7
` + horner("geluP", geluP, "Z7", "Z8") + `	VMULPD Z8, Z6, Z6
	VMULPD.BCST ` + k("half") + `, Z6, Z6
`
}

// erfEnd is erf64's ending, x = z·√2 in Z0: 2x·S(u) for |x| < 0.5, e·P(t) - 1 below,
// 1 - e·P(t) above (2q = e·P(t)); NaN stays NaN.
const erfEnd = `	VMULPD Z3, Z0, Z3
	VADDPD Z3, Z3, Z3
	VADDPD Z6, Z6, Z9
	VSUBPD Z20, Z9, Z8
	VMOVAPD Z20, Z10
	VSUBPD Z9, Z10, Z10
	VCMPPD $0x11, Z22, Z0, K2
	VMOVAPD Z8, K2, Z10
	VCMPPD.BCST $0x11, SMALL, Z1, K3
	VMOVAPD Z3, K3, Z10
	VCMPPD $0x03, Z0, Z0, K1
	VMOVAPD Z0, K1, Z10
`

// geluTanhBody is geluTanh64 on x in Z0, the result in Z10: w = -2a·x·(1 + 0.044715x²)
// clamped to [-700, 700], then x/(1 + e^w); NaN for -Inf.
func geluTanhBody() string {
	return `	VMULPD Z0, Z0, Z1
	VMOVAPD Z20, Z2
	VFMADD231PD.BCST ` + k("gtc") + `, Z1, Z2
	VMULPD Z2, Z0, Z2
	VMULPD.BCST ` + k("gtm2a") + `, Z2, Z2
	VMINPD.BCST ` + k("gtclamp") + `, Z2, Z2
	VMAXPD.BCST ` + k("mgtclamp") + `, Z2, Z2
` + expPD("Z2", "Z3", "Z4") + `	VADDPD Z20, Z4, Z4
	VDIVPD Z4, Z0, Z10
	VCMPPD.BCST $0x00, ` + k("minf") + `, Z0, K1
	VBROADCASTSD ` + k("nan") + `, K1, Z10
`
}

var regRe = regexp.MustCompile(`\b([ZYK])(\d+)\b`)

// second renames the registers of one group of eight for the second group.
func second(code string) string {
	zmap := map[int]int{0: 11, 1: 12, 2: 13, 3: 14, 4: 15, 5: 16, 6: 17, 7: 18, 8: 19, 9: 23, 10: 24}
	code = regRe.ReplaceAllStringFunc(code, func(r string) string {
		m := regRe.FindStringSubmatch(r)
		var n int
		fmt.Sscan(m[2], &n)
		switch m[1] {
		case "Z", "Y":
			if to, ok := zmap[n]; ok {
				return fmt.Sprintf("%s%d", m[1], to)
			}
		case "K":
			return fmt.Sprintf("K%d", n+3)
		}
		return r
	})
	return strings.NewReplacer("(SI)(AX*4)", "32(SI)(AX*4)", "(DI)(AX*4)", "32(DI)(AX*4)").Replace(code)
}

// interleave alternates the lines of one group and its second-group copy.
func interleave(code string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
		b.WriteString(l + "\n" + second(l) + "\n")
	}
	return b.String()
}

// logBody is log64 on x in Z0, the result in Z10: x = m·2^e with m in [√½, √2),
// s = (m-1)/(m+1), log m = s·(2 + s²·Q(s²)), log x = e·ln2 + log m; then 0 gives -Inf,
// negative x NaN and +Inf +Inf.
func logBody() string {
	return `	VGETEXPPD Z0, Z1
	VGETMANTPD $0, Z0, Z2
	VCMPPD.BCST $0x1e, ` + k("sqrt2") + `, Z2, K1
	VMULPD.BCST ` + k("half") + `, Z2, K1, Z2
	VADDPD Z20, Z1, K1, Z1
	VSUBPD Z20, Z2, Z3
	VADDPD Z20, Z2, Z4
	VDIVPD Z4, Z3, Z3
	VMULPD Z3, Z3, Z4
` + horner("logQ", logQ, "Z4", "Z5") + `	VFMADD213PD.BCST ` + k("two") + `, Z4, Z5
	VMULPD Z5, Z3, Z10
	VFMADD231PD.BCST ` + k("ln2") + `, Z1, Z10
	VCMPPD $0x00, Z22, Z0, K2
	VBROADCASTSD ` + k("minf") + `, K2, Z10
	VCMPPD $0x11, Z22, Z0, K3
	VBROADCASTSD ` + k("nan") + `, K3, Z10
	VCMPPD.BCST $0x00, ` + k("inf") + `, Z0, K1
	VMOVAPD Z0, K1, Z10
`
}

// kernel wraps an AVX-512 body (x in Z0, the result in Z10) in its TEXT block: two
// interleaved copies per iteration, sixteen elements.
func kernel(name, args, doc, body string) string {
	body = "\tVCVTPS2PD (SI)(AX*4), Z0\n" + body + "\tVCVTPD2PS Z10, Y10\n\tVMOVUPS Y10, (DI)(AX*4)\n"
	body = strings.NewReplacer("SMALL", k("small")).Replace(body)
	load, frame := "\tMOVQ src_base+24(FP), SI\n", "$0-48"
	return fmt.Sprintf(`
// %s
//
// func %s(%s)
TEXT ·%s(SB), NOSPLIT, %s
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
%s	VBROADCASTSD %s, Z20
	VBROADCASTSD %s, Z21
	VPXORQ Z22, Z22, Z22
	XORQ AX, AX
	ANDQ $-16, CX
	JZ %s_done

%s_loop:
%s	ADDQ $16, AX
	CMPQ AX, CX
	JL %s_loop

%s_done:
	VZEROUPPER
	RET
`, doc, name, args, name, frame, load, k("one"), k("quarter"), name, name, interleave(body), name, name)
}

// The AVX2 kernels compute the same float64 operations on four lanes per ymm register. AVX2
// has no embedded broadcast, so their constants come from tables holding each value four
// times (32 bytes, a ymm memory operand); no mask registers, so selections are VCMPPD and
// VBLENDVPD; no VSCALEFPD, VGETEXPPD or VGETMANTPD, so 2^n and x's exponent and mantissa
// are integer operations on the bit pattern. A body uses Y0-Y7 and leaves its result in Y5,
// so that a second copy (Y8-Y15) fits beside it; avx2Unroll copies it that many times.

// avx2Unroll is the number of interleaved bodies in the AVX2 kernels (4 elements each). A
// body fits in eight ymm registers, so two fit; on a Zen 3 two made erf, the tanh GELU and
// log 8-16% faster than one over 1M elements (five alternating runs; rsqrt, bound by the
// square root and division units, within ±8%). f64lanes_amd64.go's lanesAVX2Width must be
// 4·avx2Unroll.
const avx2Unroll = 2

// avx2K is the constant table of the AVX2 kernels: geluK's values, then bit patterns.
var avx2K = func() []struct {
	name string
	bits uint64
} {
	var t []struct {
		name string
		bits uint64
	}
	for _, c := range geluK {
		t = append(t, struct {
			name string
			bits uint64
		}{c.name, math.Float64bits(c.v)})
	}
	for _, c := range []struct {
		name string
		bits uint64
	}{
		{"abs", 0x7fffffffffffffff},
		{"mant", 0x000fffffffffffff},
		{"zero", 0},
		{"two52", math.Float64bits(1 << 52)},         // OR an exponent field in: 2^52 + E
		{"bias52", math.Float64bits(1<<52 + 1023)},   // minus this: E - 1023
		{"expMagic", math.Float64bits(3<<51 + 1023)}, // n + this holds n + 1023 in its low bits
		{"scaleMin", math.Float64bits(-960)},         // 2^n in two factors below this
	} {
		t = append(t, c)
	}
	return t
}()

// y returns the address of the AVX2 constant name (four copies).
func y(name string) string {
	for i, c := range avx2K {
		if c.name == name {
			return fmt.Sprintf("lanesK4<>+%d(SB)", 32*i)
		}
	}
	panic(name)
}

// horner4 is horner for the AVX2 kernels: the coefficients from table's four-copy twin.
func horner4(table string, c []float64, x, acc string) string {
	s := fmt.Sprintf("\tVMOVUPD %s4<>+%d(SB), %s\n", table, 32*(len(c)-1), acc)
	for i := len(c) - 2; i >= 0; i-- {
		s += fmt.Sprintf("\tVFMADD213PD %s4<>+%d(SB), %s, %s\n", table, 32*i, x, acc)
	}
	return s
}

// expAVX2 is expPD on ymm registers (tmp is scratch too), with 2^n built from its bits:
// n + (2^52 + 2^51 + 1023) holds n + 1023 in its low mantissa bits, which VPSLLQ moves to
// the exponent field, valid for n in [-1022, 1023]. Then e^r·2^n rounds once, as math.Ldexp
// (and VSCALEFPD) do. With wide, for y below -708 (n down to -1587), 2^n is two factors,
// 2^max(n, -960) (e^r times it stays normal: exact) and 2^(n - max(n, -960)), so that the
// product still rounds once, also where it is subnormal.
func expAVX2(y0, n, out, tmp string, wide bool) string {
	s := `	VMULPD ` + y("log2e") + `, ` + y0 + `, ` + n + `
	VROUNDPD $8, ` + n + `, ` + n + `
	VFMADD231PD ` + y("mln2hi") + `, ` + n + `, ` + y0 + `
	VFMADD231PD ` + y("mln2lo") + `, ` + n + `, ` + y0 + `
` + horner4("geluE", geluE, y0, out)
	if wide {
		s += `	VMAXPD ` + y("scaleMin") + `, ` + n + `, ` + tmp + `
	VSUBPD ` + tmp + `, ` + n + `, ` + n + `
	VADDPD ` + y("expMagic") + `, ` + tmp + `, ` + tmp + `
	VPSLLQ $52, ` + tmp + `, ` + tmp + `
	VMULPD ` + tmp + `, ` + out + `, ` + out + `
`
	}
	return s + `	VADDPD ` + y("expMagic") + `, ` + n + `, ` + n + `
	VPSLLQ $52, ` + n + `, ` + n + `
	VMULPD ` + n + `, ` + out + `, ` + out + `
`
}

// erfAVX2Body is erf64 on z in Y0 (x = z·√2 replaces it), the result in Y5: the operations
// of common and erfEnd. y = -min(s, 40)²/2 reaches -800, so the exponential is wide.
func erfAVX2Body() string {
	return `	VMULPD ` + y("sqrt2") + `, Y0, Y0
	VANDPD ` + y("abs") + `, Y0, Y1
	VMULPD Y0, Y0, Y2
` + horner4("geluS", geluS, "Y2", "Y3") + `	VMULPD Y3, Y0, Y3
	VADDPD Y3, Y3, Y3
	VMINPD ` + y("ymax") + `, Y1, Y4
	VMULPD Y4, Y4, Y4
	VMULPD ` + y("mhalf") + `, Y4, Y4
` + expAVX2("Y4", "Y5", "Y6", "Y2", true) + `	VMINPD ` + y("tmax") + `, Y1, Y7
	VMOVUPD ` + y("one") + `, Y2
	VFMADD231PD ` + y("quarter") + `, Y7, Y2
	VMOVUPD ` + y("one") + `, Y7
	VDIVPD Y2, Y7, Y7
` + horner4("geluP", geluP, "Y7", "Y4") + `	VMULPD Y4, Y6, Y6
	VMULPD ` + y("half") + `, Y6, Y6
	VADDPD Y6, Y6, Y6
	VSUBPD ` + y("one") + `, Y6, Y4
	VMOVUPD ` + y("one") + `, Y5
	VSUBPD Y6, Y5, Y5
	VCMPPD $0x11, ` + y("zero") + `, Y0, Y2
	VBLENDVPD Y2, Y4, Y5, Y5
	VCMPPD $0x11, ` + y("small") + `, Y1, Y2
	VBLENDVPD Y2, Y3, Y5, Y5
	VCMPPD $0x03, Y0, Y0, Y2
	VBLENDVPD Y2, Y0, Y5, Y5
`
}

// geluTanhAVX2Body is geluTanhBody on ymm registers, x in Y0 and the result in Y5; w is
// clamped to [-700, 700], so 2^n is one factor.
func geluTanhAVX2Body() string {
	return `	VMULPD Y0, Y0, Y1
	VMOVUPD ` + y("one") + `, Y2
	VFMADD231PD ` + y("gtc") + `, Y1, Y2
	VMULPD Y2, Y0, Y2
	VMULPD ` + y("gtm2a") + `, Y2, Y2
	VMINPD ` + y("gtclamp") + `, Y2, Y2
	VMAXPD ` + y("mgtclamp") + `, Y2, Y2
` + expAVX2("Y2", "Y3", "Y4", "", false) + `	VADDPD ` + y("one") + `, Y4, Y4
	VDIVPD Y4, Y0, Y5
	VCMPPD $0x00, ` + y("minf") + `, Y0, Y1
	VBLENDVPD Y1, ` + y("nan") + `, Y5, Y5
`
}

// logAVX2Body is log64 on x in Y0, the result in Y5. A float32 value is a normal float64
// (or 0, Inf, NaN), so math.Frexp's decomposition is its bit fields: e = E - 1023 from the
// exponent field E (via 2^52 + E), m in [1, 2) from the mantissa with 1's exponent; then as
// logBody. Special cases as log64 takes them: -Inf for ±0, NaN below 0, x itself for +Inf
// and NaN (where the fields would give a finite value).
func logAVX2Body() string {
	return `	VPSRLQ $52, Y0, Y1
	VPOR ` + y("two52") + `, Y1, Y1
	VSUBPD ` + y("bias52") + `, Y1, Y1
	VANDPD ` + y("mant") + `, Y0, Y2
	VORPD ` + y("one") + `, Y2, Y2
	VCMPPD $0x1e, ` + y("sqrt2") + `, Y2, Y3
	VMULPD ` + y("half") + `, Y2, Y4
	VBLENDVPD Y3, Y4, Y2, Y2
	VANDPD ` + y("one") + `, Y3, Y3
	VADDPD Y3, Y1, Y1
	VSUBPD ` + y("one") + `, Y2, Y3
	VADDPD ` + y("one") + `, Y2, Y4
	VDIVPD Y4, Y3, Y3
	VMULPD Y3, Y3, Y4
` + horner4("logQ", logQ, "Y4", "Y5") + `	VFMADD213PD ` + y("two") + `, Y4, Y5
	VMULPD Y5, Y3, Y5
	VFMADD231PD ` + y("ln2") + `, Y1, Y5
	VCMPPD $0x00, ` + y("zero") + `, Y0, Y3
	VBLENDVPD Y3, ` + y("minf") + `, Y5, Y5
	VCMPPD $0x11, ` + y("zero") + `, Y0, Y3
	VBLENDVPD Y3, ` + y("nan") + `, Y5, Y5
	VCMPPD $0x05, ` + y("inf") + `, Y0, Y3
	VBLENDVPD Y3, Y0, Y5, Y5
`
}

// rsqrtAVX2Body is 1/sqrt(x) on x in Y0, the result in Y5.
func rsqrtAVX2Body() string {
	return "\tVSQRTPD Y0, Y1\n\tVMOVUPD " + y("one") + ", Y2\n\tVDIVPD Y1, Y2, Y5\n"
}

var ymmRe = regexp.MustCompile(`\b([XY])(\d+)\b`)

// secondYMM renames the registers of one AVX2 body (Y0-Y7) for the next four elements.
func secondYMM(code string) string {
	code = ymmRe.ReplaceAllStringFunc(code, func(r string) string {
		var n int
		fmt.Sscan(r[1:], &n)
		return fmt.Sprintf("%c%d", r[0], n+8)
	})
	return strings.NewReplacer("(SI)(AX*4)", "16(SI)(AX*4)", "(DI)(AX*4)", "16(DI)(AX*4)").Replace(code)
}

// kernelAVX2 is kernel for an AVX2 body: avx2Unroll groups of four elements per iteration.
func kernelAVX2(name, doc, body string) string {
	body = "\tVCVTPS2PD (SI)(AX*4), Y0\n" + body + "\tVCVTPD2PSY Y5, X5\n\tVMOVUPS X5, (DI)(AX*4)\n"
	if avx2Unroll == 2 {
		var b strings.Builder
		for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
			b.WriteString(l + "\n" + secondYMM(l) + "\n")
		}
		body = b.String()
	}
	w := 4 * avx2Unroll
	return fmt.Sprintf(`
// %s
//
// func %s(dst, src []float32)
TEXT ·%s(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	XORQ AX, AX
	ANDQ $-%d, CX
	JZ %s_done

%s_loop:
%s	ADDQ $%d, AX
	CMPQ AX, CX
	JL %s_loop

%s_done:
	VZEROUPPER
	RET
`, doc, name, name, w, name, name, body, w, name, name)
}

// data4 writes vals as a table of four copies of each.
func data4(name string, vals []uint64) string {
	var b strings.Builder
	for i, v := range vals {
		for j := 0; j < 4; j++ {
			fmt.Fprintf(&b, "DATA %s<>+%d(SB)/8, $%#016x\n", name, 32*i+8*j, v)
		}
	}
	fmt.Fprintf(&b, "GLOBL %s<>(SB), RODATA|NOPTR, $%d\n\n", name, 32*len(vals))
	return b.String()
}

// bits returns the bit patterns of vals.
func bits(vals []float64) []uint64 {
	u := make([]uint64, len(vals))
	for i, v := range vals {
		u[i] = math.Float64bits(v)
	}
	return u
}

// data writes vals as a table of float64 values.
func data(name string, vals []float64) string {
	var b strings.Builder
	for i, v := range vals {
		fmt.Fprintf(&b, "DATA %s<>+%d(SB)/8, $%#016x\n", name, 8*i, math.Float64bits(v))
	}
	fmt.Fprintf(&b, "GLOBL %s<>(SB), RODATA|NOPTR, $%d\n\n", name, 8*len(vals))
	return b.String()
}

// main writes f64lanes_amd64.s: the AVX-512 kernels, their tables, then the AVX2 kernels
// and their tables (appended, so that the AVX-512 part stays as it was).
func main() {
	var b strings.Builder
	b.WriteString("// Code generated by asmgen_f64lanes.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	b.WriteString(kernel("erfAVX512", "dst, src []float32",
		"erfAVX512 is erfGo on the first len(dst)&^15 elements: erf64's operations on float64 lanes.",
		"\tVMULPD.BCST "+k("sqrt2")+", Z0, Z0\n"+common()+erfEnd))
	b.WriteString(kernel("geluTanhAVX512", "dst, src []float32",
		"geluTanhAVX512 is geluTanhGo on the first len(dst)&^15 elements: geluTanh64's operations on float64 lanes.",
		geluTanhBody()))
	b.WriteString(kernel("rsqrtAVX512", "dst, src []float32",
		"rsqrtAVX512 is rsqrtGo on the first len(dst)&^15 elements: 1/sqrt(x) on float64 lanes.",
		"\tVSQRTPD Z0, Z1\n\tVDIVPD Z1, Z20, Z10\n"))
	b.WriteString(kernel("logAVX512", "dst, src []float32",
		"logAVX512 is logGo on the first len(dst)&^15 elements: log64's operations on float64 lanes.", logBody()))
	b.WriteString("\n")
	b.WriteString(data("geluS", geluS))
	b.WriteString(data("geluP", geluP))
	b.WriteString(data("geluE", geluE))
	b.WriteString(data("logQ", logQ))
	var kv []float64
	for _, c := range geluK {
		kv = append(kv, c.v)
	}
	b.WriteString(data("geluK", kv))
	b.WriteString("DATA geluAbs<>+0(SB)/8, $0x7fffffffffffffff\nGLOBL geluAbs<>(SB), RODATA|NOPTR, $8\n")
	tail := fmt.Sprint(4*avx2Unroll - 1)
	b.WriteString(kernelAVX2("erfAVX2",
		"erfAVX2 is erfGo on the first len(dst)&^"+tail+" elements: erf64's operations on float64 lanes.", erfAVX2Body()))
	b.WriteString(kernelAVX2("geluTanhAVX2",
		"geluTanhAVX2 is geluTanhGo on the first len(dst)&^"+tail+" elements: geluTanh64's operations on float64 lanes.", geluTanhAVX2Body()))
	b.WriteString(kernelAVX2("rsqrtAVX2",
		"rsqrtAVX2 is rsqrtGo on the first len(dst)&^"+tail+" elements: 1/sqrt(x) on float64 lanes.", rsqrtAVX2Body()))
	b.WriteString(kernelAVX2("logAVX2",
		"logAVX2 is logGo on the first len(dst)&^"+tail+" elements: log64's operations on float64 lanes.", logAVX2Body()))
	b.WriteString("\n")
	b.WriteString(data4("geluS4", bits(geluS)))
	b.WriteString(data4("geluP4", bits(geluP)))
	b.WriteString(data4("geluE4", bits(geluE)))
	b.WriteString(data4("logQ4", bits(logQ)))
	var kb []uint64
	for _, c := range avx2K {
		kb = append(kb, c.bits)
	}
	b.WriteString(data4("lanesK4", kb))
	if err := os.WriteFile("f64lanes_amd64.s", []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
