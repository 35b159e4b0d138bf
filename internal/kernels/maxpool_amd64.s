//go:build amd64 && !purego

#include "textflag.h"

// Offsets 2j of the first 8 windows as int64: {0, 2, 4, 6} and {8, 10, 12, 14}.
DATA poolOffs<>+0(SB)/8, $0
DATA poolOffs<>+8(SB)/8, $2
DATA poolOffs<>+16(SB)/8, $4
DATA poolOffs<>+24(SB)/8, $6
DATA poolOffs<>+32(SB)/8, $8
DATA poolOffs<>+40(SB)/8, $10
DATA poolOffs<>+48(SB)/8, $12
DATA poolOffs<>+56(SB)/8, $14
GLOBL poolOffs<>(SB), RODATA|NOPTR, $64

// func maxPool2x2AVX2(out *float32, idx *int64, r0, r1 *float32, n int, base, w int64)
//
// Eight windows per step. The even and odd columns of 16 values of each row are separated
// with VSHUFPS, which leaves the windows in the order 0 1 4 5 2 3 6 7; the results are put
// back in order with VPERMQ. The running maximum m starts at the first value a, and each of
// b, c, d replaces it (and its position k, 0, 1, w or w+1 as int32) where v > m or v is NaN.
// Positions are widened to int64 and added to base + 2j.
//
// The general-purpose registers go to vector registers with the VEX-encoded VMOVD and VMOVQ:
// the legacy-SSE MOVD and MOVQ made each call cost about 450 ns on the Zen 3 VM
// (TestAssemblyUsesVEXOnly).
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ idx+8(FP), DX
	MOVQ r0+16(FP), SI
	MOVQ r1+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ base+40(FP), AX
	MOVQ w+48(FP), BX

	// Y12 = 1, Y13 = w, Y14 = w+1 (int32 lanes)
	MOVL $1, R9
	VMOVD R9, X12
	VPBROADCASTD X12, Y12
	VMOVD BX, X13
	VPBROADCASTD X13, Y13
	VPADDD Y12, Y13, Y14
	// Y10, Y11 = base + 2j for the first 8 windows (int64); Y15 = 16
	VMOVQ AX, X10
	VPBROADCASTQ X10, Y10
	VPADDQ poolOffs<>+32(SB), Y10, Y11
	VPADDQ poolOffs<>+0(SB), Y10, Y10
	MOVQ $16, R9
	VMOVQ R9, X15
	VPBROADCASTQ X15, Y15

loop:
	CMPQ CX, $8
	JLT  done
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2 // a: even columns of row 0
	VSHUFPS $0xDD, Y1, Y0, Y3 // b: odd columns of row 0
	VMOVUPS (R8), Y0
	VMOVUPS 32(R8), Y1
	VSHUFPS $0x88, Y1, Y0, Y4 // c
	VSHUFPS $0xDD, Y1, Y0, Y5 // d

	// m = a (Y2), k = 0 (Y6)
	VPXOR Y6, Y6, Y6

	// b
	VCMPPS $0x1E, Y2, Y3, Y7 // b > m (ordered)
	VCMPPS $0x03, Y3, Y3, Y8 // b is NaN
	VORPS  Y8, Y7, Y7
	VBLENDVPS Y7, Y3, Y2, Y2
	VBLENDVPS Y7, Y12, Y6, Y6

	// c
	VCMPPS $0x1E, Y2, Y4, Y7
	VCMPPS $0x03, Y4, Y4, Y8
	VORPS  Y8, Y7, Y7
	VBLENDVPS Y7, Y4, Y2, Y2
	VBLENDVPS Y7, Y13, Y6, Y6

	// d
	VCMPPS $0x1E, Y2, Y5, Y7
	VCMPPS $0x03, Y5, Y5, Y8
	VORPS  Y8, Y7, Y7
	VBLENDVPS Y7, Y5, Y2, Y2
	VBLENDVPS Y7, Y14, Y6, Y6

	VPERMQ $0xD8, Y2, Y2
	VMOVUPS Y2, (DI)
	VPERMQ $0xD8, Y6, Y6
	VPMOVSXDQ X6, Y0
	VEXTRACTI128 $1, Y6, X1
	VPMOVSXDQ X1, Y1
	VPADDQ Y10, Y0, Y0
	VPADDQ Y11, Y1, Y1
	VMOVDQU Y0, (DX)
	VMOVDQU Y1, 32(DX)

	VPADDQ Y15, Y10, Y10
	VPADDQ Y15, Y11, Y11
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $32, DI
	ADDQ $64, DX
	SUBQ $8, CX
	JMP  loop

done:
	VZEROUPPER
	RET

// func maxPool2x2AVX2x4(out *float32, idx *int64, r0, r1 *float32, base, w int64)
//
// maxPool2x2AVX2 on one block of 4 windows, for short rows: 128-bit VSHUFPS keeps them in
// order.
TEXT ·maxPool2x2AVX2x4(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ idx+8(FP), DX
	MOVQ r0+16(FP), SI
	MOVQ r1+24(FP), R8
	MOVQ base+32(FP), AX
	MOVQ w+40(FP), BX

	MOVL $1, R9
	VMOVD R9, X12
	VPBROADCASTD X12, X12
	VMOVD BX, X13
	VPBROADCASTD X13, X13
	VPADDD X12, X13, X14
	VMOVQ AX, X10
	VPBROADCASTQ X10, Y10
	VPADDQ poolOffs<>+0(SB), Y10, Y10

	VMOVUPS (SI), X0
	VMOVUPS 16(SI), X1
	VSHUFPS $0x88, X1, X0, X2
	VSHUFPS $0xDD, X1, X0, X3
	VMOVUPS (R8), X0
	VMOVUPS 16(R8), X1
	VSHUFPS $0x88, X1, X0, X4
	VSHUFPS $0xDD, X1, X0, X5
	VPXOR X6, X6, X6

	VCMPPS $0x1E, X2, X3, X7
	VCMPPS $0x03, X3, X3, X8
	VORPS  X8, X7, X7
	VBLENDVPS X7, X3, X2, X2
	VBLENDVPS X7, X12, X6, X6

	VCMPPS $0x1E, X2, X4, X7
	VCMPPS $0x03, X4, X4, X8
	VORPS  X8, X7, X7
	VBLENDVPS X7, X4, X2, X2
	VBLENDVPS X7, X13, X6, X6

	VCMPPS $0x1E, X2, X5, X7
	VCMPPS $0x03, X5, X5, X8
	VORPS  X8, X7, X7
	VBLENDVPS X7, X5, X2, X2
	VBLENDVPS X7, X14, X6, X6

	VMOVUPS X2, (DI)
	VPMOVSXDQ X6, Y0
	VPADDQ Y10, Y0, Y0
	VMOVDQU Y0, (DX)
	VZEROUPPER
	RET
