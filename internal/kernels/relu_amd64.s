//go:build amd64 && !purego

#include "textflag.h"

// func reluAVX2F32(dst, src []float32)
// mask = !(x <= 0) (true for x > 0 and for NaN: predicate NLE_UQ), dst = x AND mask.
TEXT ·reluAVX2F32(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	XORQ AX, AX
	VXORPS Y7, Y7, Y7
	MOVQ CX, BX
	ANDQ $-16, BX
	JZ tail8f
loop16f:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS 32(SI)(AX*4), Y1
	VCMPPS $6, Y7, Y0, Y2
	VCMPPS $6, Y7, Y1, Y3
	VANDPS Y2, Y0, Y0
	VANDPS Y3, Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, BX
	JL loop16f
tail8f:
	MOVQ CX, BX
	ANDQ $-8, BX
	CMPQ AX, BX
	JGE tail1f
	VMOVUPS (SI)(AX*4), Y0
	VCMPPS $6, Y7, Y0, Y2
	VANDPS Y2, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
tail1f:
	CMPQ AX, CX
	JGE donef
loop1f:
	VMOVSS (SI)(AX*4), X0
	VCMPSS $6, X7, X0, X2
	VANDPS X2, X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ AX
	CMPQ AX, CX
	JL loop1f
donef:
	VZEROUPPER
	RET

// func reluAVX2F64(dst, src []float64)
TEXT ·reluAVX2F64(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	XORQ AX, AX
	VXORPD Y7, Y7, Y7
	MOVQ CX, BX
	ANDQ $-8, BX
	JZ tail4d
loop8d:
	VMOVUPD (SI)(AX*8), Y0
	VMOVUPD 32(SI)(AX*8), Y1
	VCMPPD $6, Y7, Y0, Y2
	VCMPPD $6, Y7, Y1, Y3
	VANDPD Y2, Y0, Y0
	VANDPD Y3, Y1, Y1
	VMOVUPD Y0, (DI)(AX*8)
	VMOVUPD Y1, 32(DI)(AX*8)
	ADDQ $8, AX
	CMPQ AX, BX
	JL loop8d
tail4d:
	MOVQ CX, BX
	ANDQ $-4, BX
	CMPQ AX, BX
	JGE tail1d
	VMOVUPD (SI)(AX*8), Y0
	VCMPPD $6, Y7, Y0, Y2
	VANDPD Y2, Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ $4, AX
tail1d:
	CMPQ AX, CX
	JGE doned
loop1d:
	VMOVSD (SI)(AX*8), X0
	VCMPSD $6, X7, X0, X2
	VANDPD X2, X0, X0
	VMOVSD X0, (DI)(AX*8)
	INCQ AX
	CMPQ AX, CX
	JL loop1d
doned:
	VZEROUPPER
	RET
