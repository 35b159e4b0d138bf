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

// BenchmarkGemv times the one-row and one-column products (1024×1024 matrix), which read
// the matrix once.
func BenchmarkGemv(b *testing.B) {
	const n = 1024
	for _, tc := range []struct {
		name           string
		m, n           int
		transA, transB bool
	}{
		{"f32/1xN", 1, n, false, false}, {"f32/1xN-transB", 1, n, false, true},
		{"f32/Mx1", n, 1, false, false}, {"f32/Mx1-transA", n, 1, true, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a, bm, c := make([]float32, n*n), make([]float32, n*n), make([]float32, n)
			for i := range a {
				a[i], bm[i] = float32(i%7), float32(i%5)
			}
			lda, ldb := n, tc.n
			if tc.transA {
				lda = tc.m
			}
			if tc.transB {
				ldb = n
			}
			for b.Loop() {
				Gemm(tc.transA, tc.transB, tc.m, tc.n, n, a, lda, bm, ldb, c, tc.n, false)
			}
			b.ReportMetric(2*float64(n)*n*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGemmShapes times shapes met in training: a batch of 64 through Linear(784, 128)
// (x·Wᵀ, transB), its weight gradient (gᵀ·x, transA) and input gradient (g·W), and a
// transformer's weight gradients.
func BenchmarkGemmShapes(b *testing.B) {
	for _, tc := range []struct {
		name           string
		m, n, k        int
		transA, transB bool
	}{
		{"linear-fwd/64x128x784/tB", 64, 128, 784, false, true},
		{"linear-dW/128x784x64/tA", 128, 784, 64, true, false},
		{"linear-dX/64x784x128", 64, 784, 128, false, false},
		{"square/256/tA", 256, 256, 256, true, false},
		{"square/256/tB", 256, 256, 256, false, true},
		// Weight gradients gᵀ·x of a transformer's layers (2048 tokens): a layer narrowing its
		// input (split by rows) and one widening it (split by columns).
		{"weight-grad/512x128x2048/tA", 512, 128, 2048, true, false},
		{"weight-grad/65x128x2048/tA", 65, 128, 2048, true, false},
		{"weight-grad/128x512x2048/tA", 128, 512, 2048, true, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a, bm, c := make([]float32, tc.m*tc.k), make([]float32, tc.k*tc.n), make([]float32, tc.m*tc.n)
			for i := range a {
				a[i] = float32(i%7) * 0.1
			}
			for i := range bm {
				bm[i] = float32(i%5) * 0.1
			}
			lda, ldb := tc.k, tc.n
			if tc.transA {
				lda = tc.m
			}
			if tc.transB {
				ldb = tc.k
			}
			for b.Loop() {
				Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, a, lda, bm, ldb, c, tc.n, false)
			}
			b.ReportMetric(2*float64(tc.m*tc.n*tc.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkGemmFreshOutput measures what a fresh output costs a product: the MLP's weight
// gradient gᵀ·x (256x64 by 64x784) into a newly allocated C, as an eager op writes it, and
// into a reused C.
func BenchmarkGemmFreshOutput(b *testing.B) {
	m, n, k := 256, 784, 64
	a, bm := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32(i%7) * 0.1
	}
	for i := range bm {
		bm[i] = float32(i%5) * 0.1
	}
	flops := 2 * float64(m*n*k)
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			c := make([]float32, m*n)
			Gemm(true, false, m, n, k, a, m, bm, n, c, n, false)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
	c := make([]float32, m*n)
	b.Run("reused", func(b *testing.B) {
		for b.Loop() {
			Gemm(true, false, m, n, k, a, m, bm, n, c, n, false)
		}
		b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
