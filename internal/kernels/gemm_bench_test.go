package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func benchGemm[T Float](b *testing.B, n int, run func(a, bm, c []T)) {
	rng := rand.New(rand.NewPCG(5, 6))
	a, bm, c := make([]T, n*n), make([]T, n*n), make([]T, n*n)
	for i := range a {
		a[i], bm[i] = T(rng.Float64()), T(rng.Float64())
	}
	run(a, bm, c)
	b.ResetTimer()
	for b.Loop() {
		run(a, bm, c)
	}
	b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

var benchSizes = []int{64, 128, 256, 512, 1024}

func BenchmarkGemmF32(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			benchGemm(b, n, func(a, bm, c []float32) { Gemm(false, false, n, n, n, a, n, bm, n, c, n, false) })
		})
	}
}

func BenchmarkGemmF64(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			benchGemm(b, n, func(a, bm, c []float64) { Gemm(false, false, n, n, n, a, n, bm, n, c, n, false) })
		})
	}
}
