package eager

import "testing"

// BenchmarkTransformerPieces times pieces of a d=128 transformer step (batch 32, context 64)
// forward and backward: LayerNorm, Softmax over a causal [32 4 64 64] score tensor, and the
// bias gradient of a Linear (a Sum over the leading dims).
func BenchmarkTransformerPieces(b *testing.B) {
	ManualSeed(1)
	b.Run("LayerNorm", func(b *testing.B) {
		x := Randn(32, 64, 128).SetRequiresGrad(true)
		w, bias := Ones(128).SetRequiresGrad(true), Zeros(128).SetRequiresGrad(true)
		g := Randn(32, 64, 128)
		b.ReportAllocs()
		for b.Loop() {
			LayerNorm(x, []int{128}, w, bias, 1e-5).BackwardWith(BackwardOptions{Grad: g})
		}
	})
	b.Run("Softmax", func(b *testing.B) {
		x := Randn(32, 4, 64, 64).SetRequiresGrad(true)
		g := Randn(32, 4, 64, 64)
		b.ReportAllocs()
		for b.Loop() {
			x.Softmax(-1).BackwardWith(BackwardOptions{Grad: g})
		}
	})
	b.Run("BiasGrad", func(b *testing.B) {
		x := Randn(32, 64, 512)
		b.ReportAllocs()
		for b.Loop() {
			x.SumKeepDim(0, 1)
		}
	})
	b.Run("Bmm/attention", func(b *testing.B) {
		x, y := Randn(128, 64, 32), Randn(128, 32, 64)
		b.ReportAllocs()
		for b.Loop() {
			Bmm(x, y)
		}
	})
}
