//go:build amd64 && !purego

#include "textflag.h"

// AVX2 versions of norm.go's kernels on float32 rows whose length n is a positive multiple
// of 4. One ymm register holds four float64 values: the four lanes of a sum, or four
// consecutive elements. Every operation is the Go loop's, in its order and with its first
// operand first (no FMA), so the results are the same bits.

// func sumLanes4AVX2(a *[4]float64, x *float32, n int)
TEXT ·sumLanes4AVX2(SB), NOSPLIT, $0-24
	MOVQ a+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	VXORPD Y0, Y0, Y0
sumloop:
	VCVTPS2PD (SI), Y1
	VADDPD Y1, Y0, Y0
	ADDQ $16, SI
	DECQ CX
	JNZ sumloop
	VMOVUPD Y0, (DI)
	VZEROUPPER
	RET

// func sqDevLanes4AVX2(a *[4]float64, x *float32, n int, m float64)
TEXT ·sqDevLanes4AVX2(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD m+24(FP), Y7
	SHRQ $2, CX
	VXORPD Y0, Y0, Y0
sqloop:
	VCVTPS2PD (SI), Y1
	VSUBPD Y7, Y1, Y1
	VMULPD Y1, Y1, Y1
	VADDPD Y1, Y0, Y0
	ADDQ $16, SI
	DECQ CX
	JNZ sqloop
	VMOVUPD Y0, (DI)
	VZEROUPPER
	RET

// func normAffineAVX2(y, x, w, b *float32, n int, m, r float64)
// y = float32(((x-m)*r)*w + b)
TEXT ·normAffineAVX2(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ b+24(FP), R8
	MOVQ n+32(FP), CX
	VBROADCASTSD m+40(FP), Y7
	VBROADCASTSD r+48(FP), Y8
	XORQ AX, AX
affloop:
	VCVTPS2PD (SI)(AX*4), Y1
	VSUBPD Y7, Y1, Y1
	VMULPD Y8, Y1, Y1
	VCVTPS2PD (DX)(AX*4), Y2
	VMULPD Y2, Y1, Y1
	VCVTPS2PD (R8)(AX*4), Y3
	VADDPD Y3, Y1, Y1
	VCVTPD2PSY Y1, X1
	VMOVUPS X1, (DI)(AX*4)
	ADDQ $4, AX
	CMPQ AX, CX
	JL affloop
	VZEROUPPER
	RET

// func layerNormGradSumsAVX2(s, q *[4]float64, gr, x, w *float32, n int, m, r float64)
// h = g*w; s += h; q += h*((x-m)*r)
TEXT ·layerNormGradSumsAVX2(SB), NOSPLIT, $0-64
	MOVQ gr+16(FP), SI
	MOVQ x+24(FP), DX
	MOVQ w+32(FP), R8
	MOVQ n+40(FP), CX
	VBROADCASTSD m+48(FP), Y7
	VBROADCASTSD r+56(FP), Y8
	VXORPD Y0, Y0, Y0
	VXORPD Y4, Y4, Y4
	XORQ AX, AX
lnsloop:
	VCVTPS2PD (SI)(AX*4), Y1
	VCVTPS2PD (R8)(AX*4), Y2
	VMULPD Y2, Y1, Y1
	VADDPD Y1, Y0, Y0
	VCVTPS2PD (DX)(AX*4), Y3
	VSUBPD Y7, Y3, Y3
	VMULPD Y8, Y3, Y3
	VMULPD Y3, Y1, Y3
	VADDPD Y3, Y4, Y4
	ADDQ $4, AX
	CMPQ AX, CX
	JL lnsloop
	MOVQ s+0(FP), DI
	VMOVUPD Y0, (DI)
	MOVQ q+8(FP), DI
	VMOVUPD Y4, (DI)
	VZEROUPPER
	RET

// func layerNormGradRowAVX2(dx, gr, x, w *float32, n int, m, r, a, c float64)
// dx = float32(r * ((g*w - a) - ((x-m)*r)*c))
TEXT ·layerNormGradRowAVX2(SB), NOSPLIT, $0-72
	MOVQ dx+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ w+24(FP), R8
	MOVQ n+32(FP), CX
	VBROADCASTSD m+40(FP), Y7
	VBROADCASTSD r+48(FP), Y8
	VBROADCASTSD a+56(FP), Y9
	VBROADCASTSD c+64(FP), Y10
	XORQ AX, AX
lnrloop:
	VCVTPS2PD (SI)(AX*4), Y1
	VCVTPS2PD (R8)(AX*4), Y2
	VMULPD Y2, Y1, Y1
	VSUBPD Y9, Y1, Y1
	VCVTPS2PD (DX)(AX*4), Y3
	VSUBPD Y7, Y3, Y3
	VMULPD Y8, Y3, Y3
	VMULPD Y10, Y3, Y3
	VSUBPD Y3, Y1, Y1
	VMULPD Y1, Y8, Y1
	VCVTPD2PSY Y1, X1
	VMOVUPS X1, (DI)(AX*4)
	ADDQ $4, AX
	CMPQ AX, CX
	JL lnrloop
	VZEROUPPER
	RET

// func normGradColsAVX2(gw, gb *float64, gr, x *float32, stride, w, rows int, mean, rstd *float64)
// For each strip of 16 columns (then of 4), over the rows k in order:
// gw += (g*(x-mean[k]))*rstd[k]; gb += g, the strip's sums kept in registers.
TEXT ·normGradColsAVX2(SB), NOSPLIT, $0-72
	MOVQ gw+0(FP), DI
	MOVQ gb+8(FP), R9
	MOVQ gr+16(FP), SI
	MOVQ x+24(FP), DX
	MOVQ stride+32(FP), BX
	SHLQ $2, BX
	MOVQ w+40(FP), CX
cols16:
	CMPQ CX, $16
	JL cols4
	VMOVUPD 0(DI), Y0
	VMOVUPD 0(R9), Y4
	VMOVUPD 32(DI), Y1
	VMOVUPD 32(R9), Y5
	VMOVUPD 64(DI), Y2
	VMOVUPD 64(R9), Y6
	VMOVUPD 96(DI), Y3
	VMOVUPD 96(R9), Y7
	MOVQ SI, R10
	MOVQ DX, R11
	MOVQ mean+56(FP), R12
	MOVQ rstd+64(FP), R13
	MOVQ rows+48(FP), AX
cols16rows:
	VBROADCASTSD (R12), Y14
	VBROADCASTSD (R13), Y15
	VCVTPS2PD 0(R10), Y8
	VCVTPS2PD 0(R11), Y12
	VSUBPD Y14, Y12, Y12
	VMULPD Y12, Y8, Y12
	VMULPD Y15, Y12, Y12
	VADDPD Y12, Y0, Y0
	VADDPD Y8, Y4, Y4
	VCVTPS2PD 16(R10), Y9
	VCVTPS2PD 16(R11), Y12
	VSUBPD Y14, Y12, Y12
	VMULPD Y12, Y9, Y12
	VMULPD Y15, Y12, Y12
	VADDPD Y12, Y1, Y1
	VADDPD Y9, Y5, Y5
	VCVTPS2PD 32(R10), Y10
	VCVTPS2PD 32(R11), Y12
	VSUBPD Y14, Y12, Y12
	VMULPD Y12, Y10, Y12
	VMULPD Y15, Y12, Y12
	VADDPD Y12, Y2, Y2
	VADDPD Y10, Y6, Y6
	VCVTPS2PD 48(R10), Y11
	VCVTPS2PD 48(R11), Y12
	VSUBPD Y14, Y12, Y12
	VMULPD Y12, Y11, Y12
	VMULPD Y15, Y12, Y12
	VADDPD Y12, Y3, Y3
	VADDPD Y11, Y7, Y7
	ADDQ BX, R10
	ADDQ BX, R11
	ADDQ $8, R12
	ADDQ $8, R13
	DECQ AX
	JNZ cols16rows
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y4, 0(R9)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y5, 32(R9)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y6, 64(R9)
	VMOVUPD Y3, 96(DI)
	VMOVUPD Y7, 96(R9)
	ADDQ $128, DI
	ADDQ $128, R9
	ADDQ $64, SI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP cols16
cols4:
	CMPQ CX, $4
	JL colsdone
	VMOVUPD 0(DI), Y0
	VMOVUPD 0(R9), Y4
	MOVQ SI, R10
	MOVQ DX, R11
	MOVQ mean+56(FP), R12
	MOVQ rstd+64(FP), R13
	MOVQ rows+48(FP), AX
cols4rows:
	VBROADCASTSD (R12), Y14
	VBROADCASTSD (R13), Y15
	VCVTPS2PD 0(R10), Y8
	VCVTPS2PD 0(R11), Y12
	VSUBPD Y14, Y12, Y12
	VMULPD Y12, Y8, Y12
	VMULPD Y15, Y12, Y12
	VADDPD Y12, Y0, Y0
	VADDPD Y8, Y4, Y4
	ADDQ BX, R10
	ADDQ BX, R11
	ADDQ $8, R12
	ADDQ $8, R13
	DECQ AX
	JNZ cols4rows
	VMOVUPD Y0, 0(DI)
	VMOVUPD Y4, 0(R9)
	ADDQ $32, DI
	ADDQ $32, R9
	ADDQ $16, SI
	ADDQ $16, DX
	SUBQ $4, CX
	JMP cols4
colsdone:
	VZEROUPPER
	RET

// func sumLanes4RowsAVX2(a *[4]float64, x *float32, n, stride, rows int)
// sumLanes4AVX2 on rows k < rows (a multiple of 4) of n values at x[k*stride:], four rows
// at a time: each row's lanes are one register, so the four chains of adds are independent.
TEXT ·sumLanes4RowsAVX2(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), BX
	SHLQ $2, BX
	MOVQ rows+32(FP), R8
	SHRQ $2, R8
sumLanes4RowsAVX2group:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ SI, R9
	LEAQ (SI)(BX*1), R10
	LEAQ (SI)(BX*2), R11
	LEAQ (R10)(BX*2), R12
	XORQ AX, AX
sumLanes4RowsAVX2loop:
	VCVTPS2PD (R9)(AX*4), Y4
	VADDPD Y4, Y0, Y0
	VCVTPS2PD (R10)(AX*4), Y5
	VADDPD Y5, Y1, Y1
	VCVTPS2PD (R11)(AX*4), Y6
	VADDPD Y6, Y2, Y2
	VCVTPS2PD (R12)(AX*4), Y7
	VADDPD Y7, Y3, Y3
	ADDQ $4, AX
	CMPQ AX, CX
	JL sumLanes4RowsAVX2loop
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	ADDQ $128, DI
	LEAQ (SI)(BX*4), SI
	DECQ R8
	JNZ sumLanes4RowsAVX2group
	VZEROUPPER
	RET

// func sqDevLanes4RowsAVX2(a *[4]float64, x *float32, n, stride, rows int, m *float64)
// sqDevLanes4AVX2 on rows k < rows (a multiple of 4) of n values at x[k*stride:], with the
// means m[k], four rows at a time.
TEXT ·sqDevLanes4RowsAVX2(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), BX
	SHLQ $2, BX
	MOVQ rows+32(FP), R8
	SHRQ $2, R8
	MOVQ m+40(FP), DX
sqDevLanes4RowsAVX2group:
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VBROADCASTSD 0(DX), Y8
	VBROADCASTSD 8(DX), Y9
	VBROADCASTSD 16(DX), Y10
	VBROADCASTSD 24(DX), Y11
	MOVQ SI, R9
	LEAQ (SI)(BX*1), R10
	LEAQ (SI)(BX*2), R11
	LEAQ (R10)(BX*2), R12
	XORQ AX, AX
sqDevLanes4RowsAVX2loop:
	VCVTPS2PD (R9)(AX*4), Y4
	VSUBPD Y8, Y4, Y4
	VMULPD Y4, Y4, Y4
	VADDPD Y4, Y0, Y0
	VCVTPS2PD (R10)(AX*4), Y5
	VSUBPD Y9, Y5, Y5
	VMULPD Y5, Y5, Y5
	VADDPD Y5, Y1, Y1
	VCVTPS2PD (R11)(AX*4), Y6
	VSUBPD Y10, Y6, Y6
	VMULPD Y6, Y6, Y6
	VADDPD Y6, Y2, Y2
	VCVTPS2PD (R12)(AX*4), Y7
	VSUBPD Y11, Y7, Y7
	VMULPD Y7, Y7, Y7
	VADDPD Y7, Y3, Y3
	ADDQ $4, AX
	CMPQ AX, CX
	JL sqDevLanes4RowsAVX2loop
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	ADDQ $128, DI
	LEAQ (SI)(BX*4), SI
	ADDQ $32, DX
	DECQ R8
	JNZ sqDevLanes4RowsAVX2group
	VZEROUPPER
	RET
