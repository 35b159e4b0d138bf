package kernels

import (
	"math/rand/v2"
	"testing"
)

const benchLen = 4 << 20 // 4M elements: 16 MB per float32 operand, past the L2 caches

// benchEW runs fn over benchLen-element operands, reporting GB/s of memory traffic (bytes
// per element read and written).
func benchEW(b *testing.B, bytesPerElem int, fn func(dst, a, c []float32)) {
	rng := rand.New(rand.NewPCG(9, 10))
	dst, a, c := make([]float32, benchLen), make([]float32, benchLen), make([]float32, benchLen)
	for i := range a {
		a[i], c[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())+4
	}
	fn(dst, a, c)
	b.ResetTimer()
	for b.Loop() {
		fn(dst, a, c)
	}
	b.ReportMetric(float64(bytesPerElem)*benchLen*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

var sink float32

func BenchmarkElementwiseF32(b *testing.B) {
	for _, k := range []struct {
		name  string
		bytes int
		fn    func(dst, a, c []float32)
	}{
		{"Copy", 8, func(d, a, c []float32) { parallelCopy(d, a) }},
		{"Add", 12, func(d, a, c []float32) { Add(d, a, c) }},
		{"Sub", 12, func(d, a, c []float32) { Sub(d, a, c) }},
		{"Mul", 12, func(d, a, c []float32) { Mul(d, a, c) }},
		{"Div", 12, func(d, a, c []float32) { Div(d, a, c) }},
		{"AddScalar", 8, func(d, a, c []float32) { AddScalar(d, a, 0.5) }},
		{"MulScalar", 8, func(d, a, c []float32) { MulScalar(d, a, 0.5) }},
		{"ScalarDiv", 8, func(d, a, c []float32) { ScalarDiv(d, 1, c) }},
		{"ReLU", 8, func(d, a, c []float32) { ReLU(d, a) }},
		{"Sqrt", 8, func(d, a, c []float32) { Sqrt(d, c) }},
		{"Adam", 28, func(d, a, c []float32) {
			Adam(d, a, c, a, AdamCoefficients[float32]{0.9, 0.1, 0.999, 0.001, 0.5, 1e-8, -1e-9})
		}},
		{"Axpy", 12, func(d, a, c []float32) { Axpy(d, 1e-3, a) }},
		{"Sum", 4, func(d, a, c []float32) { sink = Sum(a) }},
		{"Dot", 8, func(d, a, c []float32) { sink = Dot(a, c) }},
		{"Exp", 8, func(d, a, c []float32) { ExpF32(d, a) }},
		{"Tanh", 8, func(d, a, c []float32) { TanhF32(d, a) }},
		{"Sigmoid", 8, func(d, a, c []float32) { SigmoidF32(d, a) }},
	} {
		b.Run(k.name, func(b *testing.B) { benchEW(b, k.bytes, k.fn) })
	}
}

// parallelCopy is the bandwidth baseline: copy split across cores as the kernels split.
func parallelCopy(d, a []float32) {
	splitScalar(func(d, a []float32, _ float32) { copy(d, a) }, d, a, 0)
}

// BenchmarkInPlaceThenRead is an in-place op on 4M floats followed by a read of the result,
// the case that must not stream its output (see streamMin), next to the same op into a
// fresh-sized separate output.
func BenchmarkInPlaceThenRead(b *testing.B) {
	x, y := make([]float32, benchLen), make([]float32, benchLen)
	for i := range x {
		x[i] = float32(i % 13)
	}
	b.Run("AddScalar-in-place+Sum", func(b *testing.B) {
		for b.Loop() {
			AddScalar(x, x, 0.5)
			sink = Sum(x)
		}
	})
	b.Run("MulScalar-out+Sum", func(b *testing.B) {
		for b.Loop() {
			MulScalar(y, x, 0.5)
			sink = Sum(y)
		}
	})
}
