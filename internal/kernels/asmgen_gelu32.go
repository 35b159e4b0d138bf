//go:build ignore

// asmgen_gelu32 writes gelu32_amd64.s: the AVX-512 kernels geluAVX512 and geluGradAVX512,
// GELU and its gradient on sixteen float32 lanes per zmm register, and the AVX2+FMA kernels
// geluAVX2 and geluGradAVX2 on eight lanes per ymm register, all with the operation sequence
// of gelu32 (gelu32.go), so that they give the Go loops' bits. Run it with
// `go generate` (or `go run asmgen_gelu32.go`) in this directory; the tables below must
// match gelu32.go's (the tests compare the kernels with the Go loops bit for bit).
//
// The 16 entries of each polynomial coefficient (and of the interval centers, and for the
// gradient the scale exponents) sit in one register, Z22-Z31, and are looked up by VPERMPS;
// the other constants are broadcast from memory. Two copies of the body, with separate
// registers (Z0-Z10, Z11-Z21), are interleaved line by line for the main loop over 32
// elements; then one vector of 16, then the last len mod 16 elements through masked loads
// and stores (mask K2), so that every element is computed the same way wherever it sits in
// the slice.
//
// The AVX2 kernels (bodyAVX2) read the table rows from memory (gelu32R<>, a copy of the
// tables with each row rotated by four entries), one VPERMPS per coefficient when no lane
// of the 16 (or 8) elements has |x| ≥ 3, else two and a VBLENDVPS; they replace VSCALEFPS
// by a float32 product with 2^k (in float64, out of the loop, for the vectors where 2^k is
// not a normal float32) and VFIXUPIMMPS by compares. Two interleaved copies of eight
// registers each (Y0-Y7, Y8-Y15) run the main loop over 16 elements, one copy the last 8;
// the caller runs the Go loop on the last len mod 8 elements. On one goroutine and 1M
// elements on the Zen 3 development VM, the two copies took 2.84 ms for GELU and 3.01 ms
// for its gradient, one copy in a loop over 8 elements 3.17 and 3.46 (best of 20 runs
// each, alternating, before the single-lookup path and the float32 scaling).
package main

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"strings"
)

// The tables of gelu32.go (gelu32_fit.go prints them).
var (
	geluM32 = [9][16]float32{
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
	geluG32 = [10][16]float32{
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
	geluE32 = [6]float32{0.5, 0.16666666, 0.041666288, 0.00833355, 0.001394522, 0.00019760203}
)

// A constant is a named float32 (or int32) constant of the kernels.
type constant struct {
	name string
	bits uint32
}

// consts are the AVX-512 kernels' broadcast constants, by name.
var consts = []constant{
	{"abs", 0x7fffffff},
	{"sign", 0x80000000},
	{"clamp", math.Float32bits(20)},
	{"mhalf", math.Float32bits(-0.5)},
	{"log2e", math.Float32bits(float32(math.Log2E))},
	{"ln2hi", math.Float32bits(0.693145751953125)},
	{"ln2lo", math.Float32bits(float32(math.Ln2 - 0.693145751953125))},
	{"one", math.Float32bits(1)},
	{"slot", math.Float32bits(15.5)},
	// VFIXUPIMMPS tables: one response nibble per class of x (0 QNaN, 1 SNaN, 4 -Inf,
	// 5 +Inf; response 0 keeps the result, 3 is the default NaN, 5 is +Inf).
	{"fixFwd", 0x00500000},
	{"fixBwd", 0x00030033},
}

func c(name string) string {
	for i, k := range consts {
		if k.name == name {
			return fmt.Sprintf("gelu32K<>+%d(SB)", 4*i)
		}
	}
	panic(name)
}

func e(i int) string { return fmt.Sprintf("gelu32E<>+%d(SB)", 4*i) }

// body is gelu32 on the lanes of X (and of the gradient in G when grad), the result in S;
// the table registers hold tab's rows: Z23 c0hi, Z24 c0lo, Z25-Z30 c1-c6, Z31 the centers
// (and for the gradient Z22 the exponents m of G/2^m).
func body(grad bool) string {
	a, fix := "X", "fixFwd"
	if grad {
		a, fix = "G", "fixBwd"
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, "\t"+format+"\n", args...) }
	w("VPANDD.BCST %s, X, S", c("abs"))
	w("VMINPS.BCST %s, S, S", c("clamp"))
	// e^(-s²/2) = 2^K·(1 + R + B): A = -s/2, B = -s²/2 rounded, A = the rest (exact).
	w("VMULPS.BCST %s, S, A", c("mhalf"))
	w("VMULPS S, A, B")
	w("VFMSUB213PS B, S, A")
	w("VMULPS.BCST %s, B, K", c("log2e"))
	w("VRNDSCALEPS $0, K, K")
	w("VFNMADD231PS.BCST %s, K, B", c("ln2hi"))
	w("VFNMADD231PS.BCST %s, K, A", c("ln2lo"))
	w("VADDPS A, B, R")
	w("VSUBPS R, B, B")
	w("VADDPS A, B, B") // B = rl
	w("VBROADCASTSS %s, A", e(5))
	for i := 4; i >= 0; i-- {
		w("VFMADD213PS.BCST %s, R, A", e(i))
	}
	w("VMULPS R, R, C")
	w("VFMADD231PS A, C, B") // B = q
	w("VADDPS B, R, A")      // A = p = r + q
	// The slot of s + 1 (C), d = s - center (D), tail = d·P(d) + c0lo (PT).
	w("VADDPS.BCST %s, S, C", c("one"))
	w("VMINPS.BCST %s, C, C", c("slot"))
	w("VPSRLD $21, C, C") // VPERMPS reads bits 0-3
	w("VPERMPS Z31, C, D")
	w("VSUBPS D, S, D")
	w("VPERMPS Z30, C, PT")
	for z := 29; z >= 24; z-- {
		w("VPERMPS Z%d, C, TMP", z)
		w("VFMADD213PS TMP, D, PT")
	}
	if grad { // the table holds G/2^m: m from Z22 into the exponent
		w("VPERMPS Z22, C, D")
		w("VADDPS D, K, K")
	}
	// a·c0 = S + TMP exactly, then the sum of the products as gelu32 forms it.
	w("VPERMPS Z23, C, TMP")
	w("VMULPS TMP, %s, S", a)
	w("VFMSUB213PS S, %s, TMP", a)
	w("VFMADD231PS PT, %s, TMP", a)
	w("VFMADD231PS A, TMP, TMP")
	w("VFMADD231PS B, S, TMP")
	w("VFMADD231PS R, S, TMP")
	w("VADDPS TMP, S, S")
	w("VSCALEFPS K, S, S")
	// x ≥ 0 (sign bit clear): a - a·e·T.
	w("VPTESTNMD.BCST %s, X, K1", c("sign"))
	w("VSUBPS S, %s, K1, S", a)
	w("VFIXUPIMMPS.BCST $0, %s, X, S", c(fix))
	return b.String()
}

var regs = []map[string]string{
	{"X": "Z0", "S": "Z1", "K": "Z2", "R": "Z3", "A": "Z4", "B": "Z5", "C": "Z6", "D": "Z7", "PT": "Z8", "TMP": "Z9", "G": "Z10", "K1": "K1"},
	{"X": "Z11", "S": "Z12", "K": "Z13", "R": "Z14", "A": "Z15", "B": "Z16", "C": "Z17", "D": "Z18", "PT": "Z19", "TMP": "Z20", "G": "Z21", "K1": "K3"},
}

var word = regexp.MustCompile(`\b[A-Z][A-Z0-9]*\b`)

func rename(code string, m map[string]string) string {
	return word.ReplaceAllStringFunc(code, func(w string) string {
		if r, ok := m[w]; ok {
			return r
		}
		return w
	})
}

// kernel returns the text of geluAVX512 or geluGradAVX512.
func kernel(grad bool) string {
	name, args, frame := "geluAVX512", "dst, src []float32", "$0-48"
	load := "\tMOVQ src_base+24(FP), SI\n"
	if grad {
		name, args, frame = "geluGradAVX512", "dst, g, x []float32", "$0-72"
		load = "\tMOVQ g_base+24(FP), DX\n\tMOVQ x_base+48(FP), SI\n"
	}
	// loads of copy i at element offset off (bytes), with an optional mask suffix.
	loads := func(m map[string]string, off int, mask string) string {
		s := fmt.Sprintf("\tVMOVUPS%s %d(SI)(AX*4), %s%s\n", mask, off, mask2(mask), m["X"])
		if grad {
			s += fmt.Sprintf("\tVMOVUPS%s %d(DX)(AX*4), %s%s\n", mask, off, mask2(mask), m["G"])
		}
		return s
	}
	bd := body(grad)
	var b strings.Builder
	fmt.Fprintf(&b, "\n// %s is %s on its slices: gelu32's float32 operations on sixteen lanes.\n", name, map[bool]string{false: "geluGo", true: "geluGradGo"}[grad])
	fmt.Fprintf(&b, "//\n// func %s(%s)\nTEXT ·%s(SB), NOSPLIT, %s\n", name, args, name, frame)
	b.WriteString("\tMOVQ dst_base+0(FP), DI\n\tMOVQ dst_len+8(FP), R8\n" + load)
	for i := 0; i < 9; i++ {
		fmt.Fprintf(&b, "\tVMOVUPS gelu32T<>+%d(SB), Z%d\n", 64*i+map[bool]int{false: 0, true: 576}[grad], 23+i)
	}
	if grad {
		b.WriteString("\tVMOVUPS gelu32T<>+1152(SB), Z22\n")
	}
	b.WriteString("\tXORQ AX, AX\n\tMOVQ R8, BX\n\tSUBQ $32, BX\n\tJL one\nloop:\n")
	b.WriteString(loads(regs[0], 0, "") + loads(regs[1], 64, ""))
	l0 := strings.Split(strings.TrimRight(rename(bd, regs[0]), "\n"), "\n")
	l1 := strings.Split(strings.TrimRight(rename(bd, regs[1]), "\n"), "\n")
	for i := range l0 {
		b.WriteString(l0[i] + "\n" + l1[i] + "\n")
	}
	fmt.Fprintf(&b, "\tVMOVUPS %s, (DI)(AX*4)\n\tVMOVUPS %s, 64(DI)(AX*4)\n", regs[0]["S"], regs[1]["S"])
	b.WriteString("\tADDQ $32, AX\n\tCMPQ AX, BX\n\tJLE loop\none:\n\tMOVQ R8, BX\n\tSUBQ $16, BX\n\tCMPQ AX, BX\n\tJG tail\n")
	b.WriteString(loads(regs[0], 0, "") + rename(bd, regs[0]))
	fmt.Fprintf(&b, "\tVMOVUPS %s, (DI)(AX*4)\n\tADDQ $16, AX\ntail:\n", regs[0]["S"])
	b.WriteString("\tMOVQ R8, CX\n\tSUBQ AX, CX\n\tJZ done\n\tMOVQ $1, BX\n\tSHLQ CX, BX\n\tDECQ BX\n\tKMOVW BX, K2\n")
	b.WriteString(loads(regs[0], 0, ".Z") + rename(bd, regs[0]))
	fmt.Fprintf(&b, "\tVMOVUPS %s, K2, (DI)(AX*4)\ndone:\n\tVZEROUPPER\n\tRET\n", regs[0]["S"])
	return b.String()
}

func mask2(mask string) string {
	if mask != "" {
		return "K2, "
	}
	return ""
}

func main() {
	var b strings.Builder
	b.WriteString("// Code generated by asmgen_gelu32.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	b.WriteString(kernel(false))
	b.WriteString(kernel(true))
	b.WriteString(kernelAVX2(false))
	b.WriteString(kernelAVX2(true))
	b.WriteString("\n")
	n := 0
	for _, rows := range [][][16]float32{geluM32[:], geluG32[:]} {
		for _, r := range rows {
			for _, v := range r {
				fmt.Fprintf(&b, "DATA gelu32T<>+%d(SB)/4, $%#08x\n", 4*n, math.Float32bits(v))
				n++
			}
		}
	}
	fmt.Fprintf(&b, "GLOBL gelu32T<>(SB), RODATA|NOPTR, $%d\n\n", 4*n)
	// The AVX2 kernels' copy, each row rotated by four: slot j at (j+4)&15.
	n = 0
	for _, rows := range [][][16]float32{geluM32[:], geluG32[:]} {
		for _, r := range rows {
			for i := range r {
				fmt.Fprintf(&b, "DATA gelu32R<>+%d(SB)/4, $%#08x\n", 4*n, math.Float32bits(r[(i+12)&15]))
				n++
			}
		}
	}
	fmt.Fprintf(&b, "GLOBL gelu32R<>(SB), RODATA|NOPTR, $%d\n\n", 4*n)
	for i, v := range geluE32 {
		fmt.Fprintf(&b, "DATA gelu32E<>+%d(SB)/4, $%#08x\n", 4*i, math.Float32bits(v))
	}
	fmt.Fprintf(&b, "GLOBL gelu32E<>(SB), RODATA|NOPTR, $%d\n\n", 4*len(geluE32))
	for i, k := range consts {
		fmt.Fprintf(&b, "DATA gelu32K<>+%d(SB)/4, $%#08x\n", 4*i, k.bits)
	}
	fmt.Fprintf(&b, "GLOBL gelu32K<>(SB), RODATA|NOPTR, $%d\n\n", 4*len(consts))
	for i, k := range constsY {
		for l := 0; l < 8; l++ {
			fmt.Fprintf(&b, "DATA gelu32Y<>+%d(SB)/4, $%#08x\n", 32*i+4*l, k.bits)
		}
	}
	fmt.Fprintf(&b, "GLOBL gelu32Y<>(SB), RODATA|NOPTR, $%d\n", 32*len(constsY))
	if err := os.WriteFile("gelu32_amd64.s", []byte(b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// constsY are the AVX2 kernels' constants, eight copies each (AVX2 has no broadcast
// operands): consts' values that they use, the polynomial of e^r, float64's exponent bias
// and ±Inf for the special values.
var constsY = func() []constant {
	var ks []constant
	for _, name := range []string{"abs", "clamp", "mhalf", "log2e", "ln2hi", "ln2lo", "one", "slot"} {
		for _, k := range consts {
			if k.name == name {
				ks = append(ks, k)
			}
		}
	}
	for i, v := range geluE32 {
		ks = append(ks, constant{fmt.Sprintf("e%d", i), math.Float32bits(v)})
	}
	return append(ks, constant{"bias", 1023}, constant{"inf", 0x7f800000}, constant{"ninf", 0xff800000},
		constant{"m126", 126}, constant{"m127", 127}, constant{"rot", 1 << 23})
}()

// y is the memory operand of the AVX2 constant name.
func y(name string) string {
	for i, k := range constsY {
		if k.name == name {
			return fmt.Sprintf("gelu32Y<>+%d(SB)", 32*i)
		}
	}
	panic(name)
}

// bodyAVX2 is body for eight lanes per ymm register in eight registers, so that two copies
// fit the sixteen ymm registers. What AVX2 lacks is replaced by sequences that round the
// same way:
//
//   - Table lookup (16 entries, VPERMPS indexes 8): VPERMPS on the low and on the high eight
//     entries of the row, straight from gelu32R<> in memory (no registers are left to keep
//     the rows), and VBLENDVPS on bit 3 of the slot, which the index register C carries in
//     its sign bit (C = t>>21 | t<<7 for the bits t of s + 1 plus 1<<23, which adds 4 to
//     the slot j in bits 21-24; VPERMPS reads bits 0-2). gelu32R<> holds slot j at
//     (j+4)&15, so that s in [0, 3) (slots 12-15 and 0-3) reads the low eight entries only:
//     when no lane's C has its sign bit set (VTESTPS), the kernels take the path with one
//     VPERMPS per row (fast), else the one with two and the blend (slow, out of the loop).
//     The same entries are read either way.
//   - VSCALEFPS: VMULPS by 2^k, built by VCVTPS2DQ and VPSLLD (k is integral and never NaN),
//     which rounds the exact product once as scalef32 does while 2^k is a normal float32;
//     where it is not (k < -126, |x| above about 13.2) scaleAVX2 redoes the product in
//     float64 (out of the loop, for both copies of the body). Against the float64 product
//     for every vector (five conversions), 2.9-3.6 -> 2.6-3.2 ms for GELU and 3.5-3.7 ->
//     3.0-3.2 ms for its gradient (the bench below, four alternating runs on a busy VM).
//   - Masked subtraction for x ≥ 0: VSUBPS into a temporary, VBLENDVPS on the sign of x.
//   - VFIXUPIMMPS: GELU(+Inf) = +Inf by VCMPPS EQ and VBLENDVPS; GELU'(-Inf) = GELU'(NaN) =
//     NaN by VCMPPS NGT_UQ against -Inf (true for both) ORed into the result (all ones, a
//     NaN).
//
// To fit eight registers the order differs from body's (each value is still computed by the
// same operation from the same operands): the exponential first (r in T, q in E, k in F:
// its chain of dependent operations is the longest, and the kernels are bound by latency
// more than by throughput), then the slot (pre), the table polynomial (fast or slow) in
// P with s and the looked-up values in S, a·c0 = H + S and cc in S, x and g read from memory
// (MX, MG) where they are needed. Issuing the exponential first took GELU from 2.82-3.00
// to 2.34-2.82 ms, its gradient from 2.62-3.26 to 2.79-3.15 (five alternating runs, a
// wash). The result is in E. A name with an x prefix is
// the xmm half of the register. head ends with the float32 scaling, C negative in the
// lanes that need scaleAVX2; tail is the rest.
func bodyAVX2(grad bool) (pre, fast, slow, head, tail string) {
	a := "MX"
	if grad {
		a = "MG"
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, "\t"+format+"\n", args...) }
	one := false // the lookups of the fast path: the low eight entries only
	look := func(row int, dst string) {
		off := 64 * row
		if grad {
			off += 576
		}
		w("VPERMPS gelu32R<>+%d(SB), C, %s", off, dst)
		if !one {
			w("VPERMPS gelu32R<>+%d(SB), C, H", off+32)
			w("VBLENDVPS C, H, %s, %s", dst, dst)
		}
	}
	w("VMOVUPS MX, S")
	w("VANDPS %s, S, S", y("abs"))
	w("VMINPS %s, S, S", y("clamp"))
	// e^(-s²/2) = 2^F·(1 + T + E): P = -s/2, E = -s²/2 rounded, P = the rest; T = r, E = q.
	w("VMULPS %s, S, P", y("mhalf"))
	w("VMULPS S, P, E")
	w("VFMSUB213PS E, S, P")
	w("VMULPS %s, E, F", y("log2e"))
	w("VROUNDPS $0, F, F")
	w("VFNMADD231PS %s, F, E", y("ln2hi"))
	w("VFNMADD231PS %s, F, P", y("ln2lo"))
	w("VADDPS P, E, T")
	w("VSUBPS T, E, E")
	w("VADDPS P, E, E")
	w("VMOVUPS %s, P", y("e5"))
	for i := 4; i >= 0; i-- {
		w("VFMADD213PS %s, T, P", y(fmt.Sprintf("e%d", i)))
	}
	w("VMULPS T, T, C")
	w("VFMADD231PS P, C, E")
	// The slot (C), d = s - center (D), tail = d·P(d) + c0lo (P), c0 (S).
	w("VADDPS %s, S, C", y("one"))
	w("VMINPS %s, C, C", y("slot"))
	w("VPADDD %s, C, C", y("rot"))
	w("VPSLLD $7, C, H")
	w("VPSRLD $21, C, C")
	w("VPOR H, C, C")
	pre = b.String()
	for _, one = range []bool{true, false} {
		b.Reset()
		look(8, "D")
		w("VSUBPS D, S, D")
		look(7, "P")
		for row := 6; row >= 1; row-- {
			look(row, "S")
			w("VFMADD213PS S, D, P")
		}
		if grad {
			look(9, "D") // the exponent m of G/2^m
			w("VADDPS D, F, F")
		}
		look(0, "S")
		if one {
			fast = b.String()
		} else {
			slow = b.String()
		}
	}
	b.Reset()
	// a·c0 = H + S exactly, cc = a·tail + bl in S, p = r + q in P.
	w("VMULPS %s, S, H", a)
	w("VFMSUB132PS %s, H, S", a)
	w("VFMADD231PS %s, P, S", a)
	w("VADDPS E, T, P")
	w("VFMADD231PS P, S, S")
	w("VFMADD231PS E, H, S")
	w("VFMADD231PS T, H, S")
	w("VADDPS S, H, H")
	// H·2^F in float32 (E): 2^F from F + 127 shifted into the exponent field. While 2^F is a
	// normal float32 (F ≥ -126) the float32 product is the exact product rounded once, as
	// scalef32's float64 product rounded to float32 is (also where it is subnormal, zero,
	// infinite or NaN). C = F + 126 is negative in a lane where F < -126 (k < -126: |x| above
	// about 13.2): the kernel then redoes both copies' scaling in float64 (scaleAVX2) before
	// it goes on.
	w("VCVTPS2DQ F, F")
	w("VPADDD %s, F, C", y("m126"))
	w("VPADDD %s, F, E", y("m127"))
	w("VPSLLD $23, E, E")
	w("VMULPS E, H, E")
	head = b.String()
	b.Reset()
	// x ≥ 0 (C = x): a - a·e·T.
	w("VMOVUPS MX, C")
	if grad {
		w("VMOVUPS MG, D")
		w("VSUBPS E, D, P")
	} else {
		w("VSUBPS E, C, P")
	}
	w("VBLENDVPS C, E, P, E")
	if grad {
		w("VCMPPS $0x1a, %s, C, P", y("ninf"))
		w("VORPS P, E, E")
	} else {
		w("VCMPPS $0, %s, C, P", y("inf"))
		w("VBLENDVPS P, C, E, E")
	}
	return pre, fast, slow, head, b.String()
}

// scaleAVX2 is scalef32 for bodyAVX2's lanes whose F (an int32 now) is below -126: H·2^F
// into E, the float64 product rounded once to float32. k is integral (VROUNDPS) and never
// NaN (s is clamped), so VCVTPS2DQ was exact. Lanes 0-3 go through P (2^F) and E, lanes 4-7
// through F and H.
func scaleAVX2() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, "\t"+format+"\n", args...) }
	w("VPADDD %s, F, F", y("bias"))
	w("VPMOVZXDQ xF, P")
	w("VPSLLQ $52, P, P")
	w("VCVTPS2PD xH, E")
	w("VMULPD P, E, E")
	w("VEXTRACTI128 $1, F, xF")
	w("VPMOVZXDQ xF, F")
	w("VPSLLQ $52, F, F")
	w("VEXTRACTF128 $1, H, xH")
	w("VCVTPS2PD xH, H")
	w("VMULPD F, H, H")
	w("VCVTPD2PSY E, xE")
	w("VCVTPD2PSY H, xH")
	w("VINSERTF128 $1, xH, E, E")
	return b.String()
}

// regsAVX2 numbers bodyAVX2's registers, for each of the two copies.
var regsAVX2 = []map[string]int{
	{"S": 0, "C": 1, "D": 2, "P": 3, "T": 4, "H": 5, "E": 6, "F": 7},
	{"S": 8, "C": 9, "D": 10, "P": 11, "T": 12, "H": 13, "E": 14, "F": 15},
}

var wordAVX2 = regexp.MustCompile(`\bx?[A-Z][A-Z0-9]*\b`)

// renameAVX2 gives bodyAVX2's registers their names (Yn, or Xn with the x prefix) and MX
// and MG their addresses, off bytes into the current block.
func renameAVX2(code string, m map[string]int, off int) string {
	return wordAVX2.ReplaceAllStringFunc(code, func(w string) string {
		switch w {
		case "MX":
			return fmt.Sprintf("%d(SI)(AX*4)", off)
		case "MG":
			return fmt.Sprintf("%d(DX)(AX*4)", off)
		}
		if r, ok := m[strings.TrimPrefix(w, "x")]; ok {
			if w[0] == 'x' {
				return fmt.Sprintf("X%d", r)
			}
			return fmt.Sprintf("Y%d", r)
		}
		return w
	})
}

// kernelAVX2 returns the text of geluAVX2 or geluGradAVX2: bodyAVX2 on the first
// len(dst)&^7 elements, two interleaved copies on 16 elements per iteration, then one on 8;
// the caller runs the Go loop on the rest.
func kernelAVX2(grad bool) string {
	name, args, frame, goName := "geluAVX2", "dst, src []float32", "$0-48", "geluGo"
	load := "\tMOVQ src_base+24(FP), SI\n"
	if grad {
		name, args, frame, goName = "geluGradAVX2", "dst, g, x []float32", "$0-72", "geluGradGo"
		load = "\tMOVQ g_base+24(FP), DX\n\tMOVQ x_base+48(FP), SI\n"
	}
	pre, fast, slow, head, tail := bodyAVX2(grad)
	r0, r1 := regsAVX2[0], regsAVX2[1]
	// interleave writes the two copies of code line by line (the second 32 bytes further on).
	interleave := func(b *strings.Builder, code string) {
		l0 := strings.Split(strings.TrimRight(renameAVX2(code, r0, 0), "\n"), "\n")
		l1 := strings.Split(strings.TrimRight(renameAVX2(code, r1, 32), "\n"), "\n")
		for i := range l0 {
			b.WriteString(l0[i] + "\n" + l1[i] + "\n")
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n// %s is %s on the first len(dst)&^7 elements: gelu32's float32 operations on eight\n// lanes.\n", name, goName)
	fmt.Fprintf(&b, "//\n// func %s(%s)\nTEXT ·%s(SB), NOSPLIT, %s\n", name, args, name, frame)
	b.WriteString("\tMOVQ dst_base+0(FP), DI\n\tMOVQ dst_len+8(FP), R8\n" + load)
	b.WriteString("\tANDQ $-8, R8\n\tXORQ AX, AX\n\tMOVQ R8, BX\n\tSUBQ $16, BX\n\tJL one\nloop:\n")
	interleave(&b, pre)
	fmt.Fprintf(&b, "\tVPOR Y%d, Y%d, Y%d\n\tVTESTPS Y%d, Y%d\n\tJNZ tab2\n", r0["C"], r1["C"], r0["H"], r0["H"], r0["H"])
	interleave(&b, fast)
	b.WriteString("tabbed2:\n")
	interleave(&b, head)
	fmt.Fprintf(&b, "\tVPOR Y%d, Y%d, Y%d\n\tVTESTPS Y%d, Y%d\n\tJNZ scale2\nscaled2:\n", r0["C"], r1["C"], r0["C"], r0["C"], r0["C"])
	interleave(&b, tail)
	fmt.Fprintf(&b, "\tVMOVUPS Y%d, (DI)(AX*4)\n\tVMOVUPS Y%d, 32(DI)(AX*4)\n", r0["E"], r1["E"])
	b.WriteString("\tADDQ $16, AX\n\tCMPQ AX, BX\n\tJLE loop\none:\n\tCMPQ AX, R8\n\tJGE done\n")
	b.WriteString(renameAVX2(pre, r0, 0))
	fmt.Fprintf(&b, "\tVTESTPS Y%d, Y%d\n\tJNZ tab1\n", r0["C"], r0["C"])
	b.WriteString(renameAVX2(fast, r0, 0) + "tabbed1:\n" + renameAVX2(head, r0, 0))
	fmt.Fprintf(&b, "\tVTESTPS Y%d, Y%d\n\tJNZ scale1\nscaled1:\n", r0["C"], r0["C"])
	b.WriteString(renameAVX2(tail, r0, 0))
	fmt.Fprintf(&b, "\tVMOVUPS Y%d, (DI)(AX*4)\n\tADDQ $8, AX\n\tJMP one\ndone:\n\tVZEROUPPER\n\tRET\n", r0["E"])
	// The float64 scaling, out of the loop's way.
	b.WriteString("tab2:\n")
	interleave(&b, slow)
	b.WriteString("\tJMP tabbed2\ntab1:\n" + renameAVX2(slow, r0, 0) + "\tJMP tabbed1\nscale2:\n")
	interleave(&b, scaleAVX2())
	b.WriteString("\tJMP scaled2\nscale1:\n" + renameAVX2(scaleAVX2(), r0, 0) + "\tJMP scaled1\n")
	return b.String()
}
