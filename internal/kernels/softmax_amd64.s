//go:build amd64 && !purego

#include "textflag.h"

// func scaleF32AVX2(dst, src *float32, n int, s float64)
// dst = float32(float64(src) * s), eight values a step while there are eight.
TEXT ·scaleF32AVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD s+24(FP), Y7
	XORQ AX, AX
	MOVQ CX, DX
	ANDQ $-8, DX
	JZ scale4
scale8:
	VCVTPS2PD (SI)(AX*4), Y1
	VCVTPS2PD 16(SI)(AX*4), Y2
	VMULPD Y7, Y1, Y1
	VMULPD Y7, Y2, Y2
	VCVTPD2PSY Y1, X1
	VCVTPD2PSY Y2, X2
	VMOVUPS X1, (DI)(AX*4)
	VMOVUPS X2, 16(DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, DX
	JL scale8
scale4:
	CMPQ AX, CX
	JGE scaledone
	VCVTPS2PD (SI)(AX*4), Y1
	VMULPD Y7, Y1, Y1
	VCVTPD2PSY Y1, X1
	VMOVUPS X1, (DI)(AX*4)
scaledone:
	VZEROUPPER
	RET

// func maxF32AVX2(x *float32, n int) (m float32, unordered bool)
// The maximum of n values, n a positive multiple of 8, by VMAXPS from -Inf (which takes the
// second operand for two zeros or a NaN), and whether any value is a NaN (VCMPPS UNORD).
TEXT ·maxF32AVX2(SB), NOSPLIT, $0-21
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL $0xff800000, AX
	VMOVD AX, X0
	VBROADCASTSS X0, Y0
	VXORPS Y2, Y2, Y2
	XORQ AX, AX
maxloop:
	VMOVUPS (SI)(AX*4), Y3
	VMAXPS Y3, Y0, Y0
	VCMPPS $3, Y3, Y3, Y4
	VORPS Y4, Y2, Y2
	ADDQ $8, AX
	CMPQ AX, CX
	JL maxloop
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X1, X0, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X1, X0, X0
	VMOVSS X0, m+16(FP)
	VPTEST Y2, Y2
	SETNE unordered+20(FP)
	VZEROUPPER
	RET

// func softmaxGradSumAVX2(gr, y *float32, n int) float64
// Sum's 16 lanes of the float32 products g*y (n a positive multiple of 16), lanes 0-3 in Y0,
// 4-7 in Y1, 8-11 in Y2 and 12-15 in Y3, combined as ((l0+l8)+(l4+l12)) ... in Sum's order.
TEXT ·softmaxGradSumAVX2(SB), NOSPLIT, $0-32
	MOVQ gr+0(FP), SI
	MOVQ y+8(FP), DX
	MOVQ n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX
gsumloop:
	VMOVUPS (SI)(AX*4), Y4
	VMULPS (DX)(AX*4), Y4, Y4
	VMOVUPS 32(SI)(AX*4), Y5
	VMULPS 32(DX)(AX*4), Y5, Y5
	VCVTPS2PD X4, Y6
	VEXTRACTF128 $1, Y4, X4
	VCVTPS2PD X4, Y7
	VCVTPS2PD X5, Y8
	VEXTRACTF128 $1, Y5, X5
	VCVTPS2PD X5, Y9
	VADDPD Y6, Y0, Y0
	VADDPD Y7, Y1, Y1
	VADDPD Y8, Y2, Y2
	VADDPD Y9, Y3, Y3
	ADDQ $16, AX
	CMPQ AX, CX
	JL gsumloop
	VADDPD Y2, Y0, Y0
	VADDPD Y3, Y1, Y1
	VADDPD Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VUNPCKHPD X0, X0, X1
	VADDSD X1, X0, X0
	VMOVSD X0, ret+24(FP)
	VZEROUPPER
	RET

// func softmaxGradOutAVX2(dst, gr, y *float32, n int, s float32)
// dst = y * (g - s), n a positive multiple of 8.
TEXT ·softmaxGradOutAVX2(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS s+32(FP), Y7
	XORQ AX, AX
goutloop:
	VMOVUPS (SI)(AX*4), Y1
	VSUBPS Y7, Y1, Y1
	VMOVUPS (DX)(AX*4), Y2
	VMULPS Y1, Y2, Y2
	VMOVUPS Y2, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JL goutloop
	VZEROUPPER
	RET
