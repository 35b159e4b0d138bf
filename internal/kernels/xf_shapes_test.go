package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemmTransformerShapes times the products of a 2-layer d=128 transformer step
// (batch 32, context 64): forward (x·Wᵀ), input gradient (g·W) and weight gradient (xᵀ·g).
func BenchmarkGemmTransformerShapes(b *testing.B) {
	for _, s := range []struct {
		m, n, k int
		tA, tB  bool
	}{
		{2048, 128, 128, false, true}, {2048, 512, 128, false, true}, {2048, 128, 512, false, true},
		{2048, 128, 128, false, false}, {2048, 512, 128, false, false},
		{128, 128, 2048, true, false}, {512, 128, 2048, true, false}, {128, 512, 2048, true, false},
		{1024, 1024, 1024, false, false},
	} {
		b.Run(fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v", s.m, s.n, s.k, s.tA, s.tB), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			a, bm, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
			for i := range a {
				a[i] = float32(rng.Float64())
			}
			for i := range bm {
				bm[i] = float32(rng.Float64())
			}
			lda, ldb := s.k, s.n
			if s.tA {
				lda = s.m
			}
			if s.tB {
				ldb = s.k
			}
			for b.Loop() {
				Gemm(s.tA, s.tB, s.m, s.n, s.k, a, lda, bm, ldb, c, s.n, false)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
