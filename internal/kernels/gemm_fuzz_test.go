package kernels

import (
	"math/rand/v2"
	"testing"
)

// FuzzGemm checks Gemm and every micro-kernel variant this CPU runs against the defining
// loop for fuzzer-chosen shapes, transposes, row-stride padding and accumulation. Sizes are
// kept small enough for the float64 reference to be quick.
func FuzzGemm(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(1), uint8(0), uint8(0), uint8(0), uint8(0), uint64(1))
	f.Add(uint8(17), uint8(33), uint8(9), uint8(3), uint8(1), uint8(0), uint8(2), uint64(2))
	f.Add(uint8(64), uint8(200), uint8(255), uint8(7), uint8(5), uint8(3), uint8(1), uint64(3))
	f.Add(uint8(0), uint8(5), uint8(4), uint8(0), uint8(0), uint8(0), uint8(4), uint64(4))
	s32, d64 := gemmVariants()
	r32, r64 := gemmRunners(s32), gemmRunners(d64)
	f.Fuzz(func(t *testing.T, m, n, k, padA, padB, padC, flags uint8, seed uint64) {
		tc := gemmCase{m: int(m), n: int(n), k: int(k),
			transA: flags&1 != 0, transB: flags&2 != 0, acc: flags&4 != 0}
		ac, bc := tc.k, tc.n
		if tc.transA {
			ac = tc.m
		}
		if tc.transB {
			bc = tc.k
		}
		tc.lda, tc.ldb, tc.ldc = max(ac, 1)+int(padA%16), max(bc, 1)+int(padB%16), max(tc.n, 1)+int(padC%16)
		rng := rand.New(rand.NewPCG(seed, 9))
		if flags&8 != 0 {
			a, b, c0 := operands[float64](rng, tc)
			want, mag := gemmRef(tc, a, b, c0)
			for _, r := range r64 {
				c := append([]float64(nil), c0...)
				r.run(tc, a, b, c)
				checkGemm(t, r.name, tc, want, mag, c)
			}
			return
		}
		a, b, c0 := operands[float32](rng, tc)
		want, mag := gemmRef(tc, a, b, c0)
		for _, r := range r32 {
			c := append([]float32(nil), c0...)
			r.run(tc, a, b, c)
			checkGemm(t, r.name, tc, want, mag, c)
		}
	})
}
