//go:build amd64 && !purego

#include "textflag.h"

// func reluBackwardAVX2(dst, g, y []float32)
// dst[i] = g[i] AND mask(y[i] > 0): the compare (predicate 14, GT_OS) is false for NaN, so
// those give +0 as well.
TEXT ·reluBackwardAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ y_base+48(FP), DX
	VXORPS Y4, Y4, Y4
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $-16, BX
	JZ tail8
loop16:
	VMOVUPS (DX)(AX*4), Y0
	VMOVUPS 32(DX)(AX*4), Y1
	VCMPPS $14, Y4, Y0, Y0
	VCMPPS $14, Y4, Y1, Y1
	VANDPS (SI)(AX*4), Y0, Y0
	VANDPS 32(SI)(AX*4), Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ $16, AX
	CMPQ AX, BX
	JL loop16
tail8:
	MOVQ CX, BX
	ANDQ $-8, BX
	CMPQ AX, BX
	JGE tail1
	VMOVUPS (DX)(AX*4), Y0
	VCMPPS $14, Y4, Y0, Y0
	VANDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
tail1:
	CMPQ AX, CX
	JGE done
loop1:
	VMOVSS (DX)(AX*4), X0
	VCMPSS $14, X4, X0, X0
	VMOVSS (SI)(AX*4), X2
	VANDPS X2, X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ AX
	CMPQ AX, CX
	JL loop1
done:
	VZEROUPPER
	RET
