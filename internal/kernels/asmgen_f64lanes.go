//go:build ignore

// asmgen_f64lanes writes f64lanes_amd64.s: the AVX-512 kernels of the float32 functions that
// compute in float64 lanes, ErfF32 and GELUTanhF32 (gelu.go), LogF32 and RsqrtF32 (log.go).
// Run it with `go generate` (or `go run asmgen_f64lanes.go`) in this directory. Each kernel
// is the float64 operation sequence of its Go function (erf64, geluTanh64, log64) on eight
// lanes, written out twice with separate registers so that two groups of eight elements are
// in flight. (GELU and its gradient compute in float32 lanes: asmgen_gelu32.go.)
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

func data(name string, vals []float64) string {
	var b strings.Builder
	for i, v := range vals {
		fmt.Fprintf(&b, "DATA %s<>+%d(SB)/8, $%#016x\n", name, 8*i, math.Float64bits(v))
	}
	fmt.Fprintf(&b, "GLOBL %s<>(SB), RODATA|NOPTR, $%d\n\n", name, 8*len(vals))
	return b.String()
}

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
	if err := os.WriteFile("f64lanes_amd64.s", []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
