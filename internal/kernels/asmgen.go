//go:build ignore

// asmgen writes gemm_amd64.s (the register-blocked GEMM micro-kernels and the matrix-vector
// kernels) and elementwise_amd64.s (float32 elementwise and math kernels). Run it with
// `go generate` (or `go run asmgen.go asmgen_elementwise.go`) in this directory after changing a tile shape.
//
// Each kernel computes one MR×NR tile of C from an MR-row panel of packed A (kc steps of MR
// values) and an NR-column panel of packed B (kc steps of NR values):
//
//	for p := 0; p < k; p++ {
//		for i := 0; i < MR; i++ {
//			for j := 0; j < NR; j++ {
//				acc[i][j] = fma(a[p*MR+i], b[p*NR+j], acc[i][j])
//			}
//		}
//	}
//	c[i*ldc+j] = acc[i][j] // or += when add != 0
//
// The tile keeps MR×(NR/width) vector accumulators in registers; one B row is loaded as NR/width
// vectors and each A value is broadcast once per step.
package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// gemvTemplate holds the AVX2 matrix-vector kernels; NAME, PX (PS/PD), SX (SS/SD), ELEM
// (bytes), SHIFT (log2 ELEM), W1 (elements per vector) and BCAST are replaced per type.
// Vector loads use the element count W1; the offsets below are written for it.
const gemvTemplate = `
// func NAMENAVX2(y *T, n int, x *T, k int, a *T, lda int)
// y[j] = Σp x[p]·a[p*lda+j] for j < n, n a multiple of W1, k ≥ 1: for each chunk of 8 KiB of
// y (kept in L1), zero it, then stream the k rows through it front to back, y += x[p]·row, so
// that the matrix is read sequentially; each y[j] still sums over p in order.
TEXT ·NAMENAVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ x+16(FP), SI
	MOVQ k+24(FP), R8
	MOVQ a+32(FP), DX
	MOVQ lda+40(FP), BX
	SHLQ $SHIFT, BX
chunk:
	TESTQ CX, CX
	JLE doneN
	MOVQ CX, R9
	CMPQ R9, $(8192/ELEM)
	JLE sized
	MOVQ $(8192/ELEM), R9
sized:
	VXORPX Y0, Y0, Y0
	XORQ AX, AX
zero:
	VMOVUPX Y0, (DI)(AX*ELEM)
	ADDQ $W1, AX
	CMPQ AX, R9
	JL zero
	MOVQ R9, R13
	ANDQ $-(4*W1), R13
	MOVQ DX, R10
	MOVQ SI, R11
	MOVQ R8, R12
row:
	BCAST (R11), Y15
	XORQ AX, AX
	CMPQ AX, R13
	JGE row1
row4:
	VMOVUPX (DI)(AX*ELEM), Y0
	VMOVUPX 32(DI)(AX*ELEM), Y1
	VMOVUPX 64(DI)(AX*ELEM), Y2
	VMOVUPX 96(DI)(AX*ELEM), Y3
	VFMADD231PX (R10)(AX*ELEM), Y15, Y0
	VFMADD231PX 32(R10)(AX*ELEM), Y15, Y1
	VFMADD231PX 64(R10)(AX*ELEM), Y15, Y2
	VFMADD231PX 96(R10)(AX*ELEM), Y15, Y3
	VMOVUPX Y0, (DI)(AX*ELEM)
	VMOVUPX Y1, 32(DI)(AX*ELEM)
	VMOVUPX Y2, 64(DI)(AX*ELEM)
	VMOVUPX Y3, 96(DI)(AX*ELEM)
	ADDQ $(4*W1), AX
	CMPQ AX, R13
	JL row4
row1:
	CMPQ AX, R9
	JGE rowend
	VMOVUPX (DI)(AX*ELEM), Y0
	VFMADD231PX (R10)(AX*ELEM), Y15, Y0
	VMOVUPX Y0, (DI)(AX*ELEM)
	ADDQ $W1, AX
	JMP row1
rowend:
	ADDQ $ELEM, R11
	ADDQ BX, R10
	DECQ R12
	JNZ row
	LEAQ (DI)(R9*ELEM), DI
	LEAQ (DX)(R9*ELEM), DX
	SUBQ R9, CX
	JMP chunk
doneN:
	VZEROUPPER
	RET

// func NAMETAVX2(y *T, m int, x *T, k int, a *T, lda int)
// y[i] = Σp a[i*lda+p]·x[p] for i < m, k ≥ 1: four rows at a time, each summed in two vector
// accumulators over blocks of 2·W1, then one over a block of W1, reduced across lanes, then
// the last k mod W1 products added in order.
TEXT ·NAMETAVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ m+8(FP), CX
	MOVQ x+16(FP), SI
	MOVQ k+24(FP), R8
	MOVQ a+32(FP), DX
	MOVQ lda+40(FP), BX
	SHLQ $SHIFT, BX
	MOVQ R8, R9
	ANDQ $-(2*W1), R9
	SHLQ $SHIFT, R9 // bytes in blocks of 2·W1
	MOVQ R8, R15
	ANDQ $-W1, R15
	SHLQ $SHIFT, R15 // bytes in blocks of W1
	SHLQ $SHIFT, R8 // bytes in all of k
rows4:
	CMPQ CX, $4
	JL rows1
	MOVQ DX, R10
	LEAQ (DX)(BX*1), R11
	LEAQ (DX)(BX*2), R12
	LEAQ (R11)(BX*2), R13
	VXORPX Y0, Y0, Y0
	VXORPX Y1, Y1, Y1
	VXORPX Y2, Y2, Y2
	VXORPX Y3, Y3, Y3
	VXORPX Y4, Y4, Y4
	VXORPX Y5, Y5, Y5
	VXORPX Y6, Y6, Y6
	VXORPX Y7, Y7, Y7
	XORQ AX, AX
	CMPQ AX, R9
	JGE t4b
t4a:
	VMOVUPX (SI)(AX*1), Y8
	VMOVUPX 32(SI)(AX*1), Y9
	VFMADD231PX (R10)(AX*1), Y8, Y0
	VFMADD231PX 32(R10)(AX*1), Y9, Y4
	VFMADD231PX (R11)(AX*1), Y8, Y1
	VFMADD231PX 32(R11)(AX*1), Y9, Y5
	VFMADD231PX (R12)(AX*1), Y8, Y2
	VFMADD231PX 32(R12)(AX*1), Y9, Y6
	VFMADD231PX (R13)(AX*1), Y8, Y3
	VFMADD231PX 32(R13)(AX*1), Y9, Y7
	ADDQ $64, AX
	CMPQ AX, R9
	JL t4a
t4b:
	CMPQ AX, R15
	JGE t4c
	VMOVUPX (SI)(AX*1), Y8
	VFMADD231PX (R10)(AX*1), Y8, Y0
	VFMADD231PX (R11)(AX*1), Y8, Y1
	VFMADD231PX (R12)(AX*1), Y8, Y2
	VFMADD231PX (R13)(AX*1), Y8, Y3
	ADDQ $32, AX
t4c:
	VADDPX Y4, Y0, Y0
	VADDPX Y5, Y1, Y1
	VADDPX Y6, Y2, Y2
	VADDPX Y7, Y3, Y3
	HSUM(Y0, X0, X8)
	HSUM(Y1, X1, X8)
	HSUM(Y2, X2, X8)
	HSUM(Y3, X3, X8)
	CMPQ AX, R8
	JGE t4e
t4d:
	VMOVSX (SI)(AX*1), X8
	VFMADD231SX (R10)(AX*1), X8, X0
	VFMADD231SX (R11)(AX*1), X8, X1
	VFMADD231SX (R12)(AX*1), X8, X2
	VFMADD231SX (R13)(AX*1), X8, X3
	ADDQ $ELEM, AX
	CMPQ AX, R8
	JL t4d
t4e:
	VMOVSX X0, (DI)
	VMOVSX X1, ELEM(DI)
	VMOVSX X2, (2*ELEM)(DI)
	VMOVSX X3, (3*ELEM)(DI)
	ADDQ $(4*ELEM), DI
	LEAQ (DX)(BX*4), DX
	SUBQ $4, CX
	JMP rows4
rows1:
	TESTQ CX, CX
	JZ doneT
	VXORPX Y0, Y0, Y0
	VXORPX Y4, Y4, Y4
	XORQ AX, AX
	CMPQ AX, R9
	JGE t1b
t1a:
	VMOVUPX (SI)(AX*1), Y8
	VMOVUPX 32(SI)(AX*1), Y9
	VFMADD231PX (DX)(AX*1), Y8, Y0
	VFMADD231PX 32(DX)(AX*1), Y9, Y4
	ADDQ $64, AX
	CMPQ AX, R9
	JL t1a
t1b:
	CMPQ AX, R15
	JGE t1c
	VMOVUPX (SI)(AX*1), Y8
	VFMADD231PX (DX)(AX*1), Y8, Y0
	ADDQ $32, AX
t1c:
	VADDPX Y4, Y0, Y0
	HSUM(Y0, X0, X8)
	CMPQ AX, R8
	JGE t1e
t1d:
	VMOVSX (SI)(AX*1), X8
	VFMADD231SX (DX)(AX*1), X8, X0
	ADDQ $ELEM, AX
	CMPQ AX, R8
	JL t1d
t1e:
	VMOVSX X0, (DI)
	ADDQ $ELEM, DI
	ADDQ BX, DX
	DECQ CX
	JMP rows1
doneT:
	VZEROUPPER
	RET
`

// hsumPS and hsumPD define HSUM(y, x, tmp): x[0] = the sum of y's lanes, pairwise.
const (
	hsumPS = "\n#define HSUM(y, x, t) VEXTRACTF128 $1, y, t; VADDPS t, x, x; VMOVHLPS x, x, t; VADDPS t, x, x; VMOVSHDUP x, t; VADDSS t, x, x\n"
	hsumPD = "\n#define HSUM(y, x, t) VEXTRACTF128 $1, y, t; VADDPD t, x, x; VUNPCKHPD x, x, t; VADDSD t, x, x\n"
)

type kern struct {
	name   string
	elem   int    // bytes per element
	reg    string // "Y" or "Z"
	vbytes int    // bytes per vector register
	mr, nv int    // rows, vectors per row
	unroll int
	direct bool // read A in place (row stride lda) instead of from a packed panel
}

func (k kern) nr() int { return k.nv * k.vbytes / k.elem }

var kernels = []kern{
	{"sgemmAVX512", 4, "Z", 64, 12, 2, 4, false},
	{"dgemmAVX512", 8, "Z", 64, 12, 2, 4, false},
	{"sgemmAVX2", 4, "Y", 32, 6, 2, 4, false},
	{"dgemmAVX2", 8, "Y", 32, 6, 2, 4, false},
}

func main() {
	var w bytes.Buffer
	fmt.Fprintf(&w, "// Code generated by asmgen.go; DO NOT EDIT.\n\n")
	fmt.Fprintf(&w, "//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	for _, k := range kernels {
		gen(&w, k)
		k.direct = true
		k.name += "Direct"
		gen(&w, k)
	}
	for _, t := range []struct{ name, s, ss, e, shift, w, bc string }{
		{"sgemv", "PS", "SS", "4", "2", "8", "VBROADCASTSS"},
		{"dgemv", "PD", "SD", "8", "3", "4", "VBROADCASTSD"},
	} {
		r := strings.NewReplacer("NAME", t.name, "PX", t.s, "SX", t.ss, "ELEM", t.e, "SHIFT", t.shift,
			"W1", t.w, "BCAST", t.bc)
		if t.s == "PS" {
			fmt.Fprint(&w, hsumPS)
		} else {
			fmt.Fprint(&w, hsumPD)
		}
		fmt.Fprint(&w, r.Replace(gemvTemplate))
		fmt.Fprint(&w, "\n#undef HSUM\n")
	}
	fmt.Fprint(&w, transpose8)
	if err := os.WriteFile("gemm_amd64.s", w.Bytes(), 0o644); err != nil {
		panic(err)
	}
	// The 8-row float32 AVX-512 tile, for products of few rows (see gemmShortF32), in a file
	// of its own.
	w.Reset()
	fmt.Fprintf(&w, "// Code generated by asmgen.go; DO NOT EDIT.\n\n")
	fmt.Fprintf(&w, "//go:build amd64 && !purego\n\n#include \"textflag.h\"\n")
	for _, k := range []kern{{"sgemmAVX512R8", 4, "Z", 64, 8, 2, 4, false}} {
		gen(&w, k)
		k.direct = true
		k.name += "Direct"
		gen(&w, k)
	}
	if err := os.WriteFile("gemm8_amd64.s", w.Bytes(), 0o644); err != nil {
		panic(err)
	}
	if err := os.WriteFile("elementwise_amd64.s", []byte(elementwise()), 0o644); err != nil {
		panic(err)
	}
}

func gen(w *bytes.Buffer, k kern) {
	p := func(format string, args ...any) { fmt.Fprintf(w, "\t"+format+"\n", args...) }
	sfx, bc := "PS", "VBROADCASTSS"
	if k.elem == 8 {
		sfx, bc = "PD", "VBROADCASTSD"
	}
	nregs := 16
	if k.reg == "Z" {
		nregs = 32
	}
	acc := func(r, v int) string { return fmt.Sprintf("%s%d", k.reg, r*k.nv+v) }
	breg := func(v int) string { return fmt.Sprintf("%s%d", k.reg, k.mr*k.nv+v) }
	tbase := k.mr*k.nv + k.nv
	ntmp := nregs - tbase
	if ntmp < 1 {
		panic(k.name + ": out of registers")
	}
	treg := func(r int) string { return fmt.Sprintf("%s%d", k.reg, tbase+r%ntmp) }

	if k.direct {
		fmt.Fprintf(w, "\n// func %s(k int, a *float%d, lda int, b *float%d, ldb int, c *float%d, ldc int, add int)\n", k.name, k.elem*8, k.elem*8, k.elem*8)
		fmt.Fprintf(w, "// A(i, p) is read in place at a[i*lda+p].\n")
		fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-64\n", k.name)
		p("MOVQ k+0(FP), CX")
		p("MOVQ a+8(FP), SI")
		p("MOVQ lda+16(FP), R10")
		p("MOVQ b+24(FP), DI")
		p("MOVQ c+40(FP), DX")
		p("MOVQ ldc+48(FP), BX")
		p("SHLQ $%d, R10", map[int]int{4: 2, 8: 3}[k.elem])
		p("LEAQ (R10)(R10*2), R11") // 3·lda
		p("LEAQ (R10)(R10*4), R12") // 5·lda
		p("LEAQ (R11)(R10*4), R13") // 7·lda
		p("LEAQ (SI)(R10*8), AX")   // row 8
	} else {
		fmt.Fprintf(w, "\n// func %s(k int, a *float%d, lda int, b *float%d, ldb int, c *float%d, ldc int, add int)\n", k.name, k.elem*8, k.elem*8, k.elem*8)
		fmt.Fprintf(w, "// A(i, p) is read at a[p*lda+i]: lda is mr for a packed panel.\n")
		fmt.Fprintf(w, "TEXT ·%s(SB), NOSPLIT, $0-64\n", k.name)
		p("MOVQ k+0(FP), CX")
		p("MOVQ a+8(FP), SI")
		p("MOVQ lda+16(FP), R10")
		p("MOVQ b+24(FP), DI")
		p("MOVQ c+40(FP), DX")
		p("MOVQ ldc+48(FP), BX")
		p("SHLQ $%d, R10", map[int]int{4: 2, 8: 3}[k.elem])
	}
	p("SHLQ $%d, BX", map[int]int{4: 2, 8: 3}[k.elem])
	// Touch the C tile early so its lines arrive while the loop runs.
	p("MOVQ DX, R9")
	for r := 0; r < k.mr; r++ {
		p("PREFETCHT0 (R9)")
		if k.nv*k.vbytes > 64 {
			p("PREFETCHT0 %d(R9)", k.nv*k.vbytes-1)
		}
		p("ADDQ BX, R9")
	}
	// B advances ldb elements per step (nr for a packed panel).
	p("MOVQ ldb+32(FP), R9")
	p("SHLQ $%d, R9", map[int]int{4: 2, 8: 3}[k.elem])
	for r := 0; r < k.mr; r++ {
		for v := 0; v < k.nv; v++ {
			a := acc(r, v)
			if k.reg == "Z" {
				p("VPXORD %s, %s, %s", a, a, a)
			} else {
				p("VXORPS %s, %s, %s", a, a, a)
			}
		}
	}
	step := func(u int) {
		for v := 0; v < k.nv; v++ {
			p("VMOVUP%s %d(DI), %s", sfx[1:], v*k.vbytes, breg(v))
		}
		for r := 0; r < k.mr; r++ {
			t := treg(r)
			p("%s %s, %s", bc, aAddr(k, u, r), t)
			for v := 0; v < k.nv; v++ {
				p("VFMADD231%s %s, %s, %s", sfx, breg(v), t, acc(r, v))
			}
		}
		p("ADDQ R9, DI")
		if !k.direct {
			p("ADDQ R10, SI")
		}
	}
	p("MOVQ CX, R8")
	p("SHRQ $%d, R8", map[int]int{1: 0, 2: 1, 4: 2, 8: 3}[k.unroll])
	p("JZ tail")
	fmt.Fprintf(w, "loop:\n")
	p("PREFETCHT0 (DI)(R9*8)")
	for u := 0; u < k.unroll; u++ {
		step(u)
	}
	if k.direct {
		p("ADDQ $%d, SI", k.unroll*k.elem)
		p("ADDQ $%d, AX", k.unroll*k.elem)
	}
	p("DECQ R8")
	p("JNZ loop")
	fmt.Fprintf(w, "tail:\n")
	p("ANDQ $%d, CX", k.unroll-1)
	p("JZ done")
	fmt.Fprintf(w, "loop1:\n")
	step(0)
	if k.direct {
		p("ADDQ $%d, SI", k.elem)
		p("ADDQ $%d, AX", k.elem)
	}
	p("DECQ CX")
	p("JNZ loop1")
	fmt.Fprintf(w, "done:\n")
	p("MOVQ add+56(FP), AX")
	p("TESTQ AX, AX")
	p("JZ store")
	for r := 0; r < k.mr; r++ {
		for v := 0; v < k.nv; v++ {
			p("VADD%s %d(DX), %s, %s", sfx, v*k.vbytes, acc(r, v), acc(r, v))
			p("VMOVUP%s %s, %d(DX)", sfx[1:], acc(r, v), v*k.vbytes)
		}
		if r < k.mr-1 {
			p("ADDQ BX, DX")
		}
	}
	p("VZEROUPPER")
	p("RET")
	fmt.Fprintf(w, "store:\n")
	for r := 0; r < k.mr; r++ {
		for v := 0; v < k.nv; v++ {
			p("VMOVUP%s %s, %d(DX)", sfx[1:], acc(r, v), v*k.vbytes)
		}
		if r < k.mr-1 {
			p("ADDQ BX, DX")
		}
	}
	p("VZEROUPPER")
	p("RET")
}

// aAddr is the address of A(r, p+u) relative to the loop's position p: p-major (a packed
// panel or a transposed A, SI advanced by lda each step), or row-major in place, row r at SI + r·lda (rows 8-11 from AX = SI + 8·lda) with R10, R11, R12, R13
// holding 1, 3, 5 and 7 times lda in bytes.
func aAddr(k kern, u, r int) string {
	if !k.direct {
		return fmt.Sprintf("%d(SI)", r*k.elem) // SI advances by lda each step
	}
	base := "SI"
	if r >= 8 {
		base, r = "AX", r-8
	}
	idx := []string{"", "(R10*1)", "(R10*2)", "(R11*1)", "(R10*4)", "(R12*1)", "(R11*2)", "(R13*1)"}[r]
	return fmt.Sprintf("%d(%s)%s", u*k.elem, base, idx)
}

// transpose8 packs eight stored rows of a transposed operand into a panel, 8×8 blocks at a
// time: unpack pairs, shuffle quads, swap 128-bit halves (the classic AVX transpose).
const transpose8 = `
// func packCols8AVX2(panel *float32, nr int, src *float32, ld int, kc int)
// panel[p*nr+j] = src[j*ld+p] for j < 8 and p < kc rounded down to a multiple of 8.
TEXT ·packCols8AVX2(SB), NOSPLIT, $0-40
	MOVQ panel+0(FP), DI
	MOVQ nr+8(FP), BX
	MOVQ src+16(FP), SI
	MOVQ ld+24(FP), R10
	MOVQ kc+32(FP), CX
	SHLQ $2, BX
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11
	LEAQ (R10)(R10*4), R12
	LEAQ (R11)(R10*4), R13
	LEAQ (BX)(BX*2), R8
	LEAQ (BX)(BX*4), R9
	LEAQ (R8)(BX*4), AX
	SHRQ $3, CX
	JZ tdone
tloop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R10*1), Y1
	VMOVUPS (SI)(R10*2), Y2
	VMOVUPS (SI)(R11*1), Y3
	VMOVUPS (SI)(R10*4), Y4
	VMOVUPS (SI)(R12*1), Y5
	VMOVUPS (SI)(R11*2), Y6
	VMOVUPS (SI)(R13*1), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(BX*1)
	VMOVUPS Y10, (DI)(BX*2)
	VMOVUPS Y11, (DI)(R8*1)
	VMOVUPS Y12, (DI)(BX*4)
	VMOVUPS Y13, (DI)(R9*1)
	VMOVUPS Y14, (DI)(R8*2)
	VMOVUPS Y15, (DI)(AX*1)
	ADDQ $32, SI
	LEAQ (DI)(BX*8), DI
	DECQ CX
	JNZ tloop
tdone:
	VZEROUPPER
	RET
`
