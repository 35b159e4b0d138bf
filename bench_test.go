package eager

import (
	"fmt"
	"testing"

	"github.com/eagerml/eager/internal/kernels"
)

// Per-op overhead of eager mode: one-element tensors, so that the time is dispatch, shape
// checks, allocation and (with grad) tape recording, not arithmetic.

func BenchmarkAddScalar1(b *testing.B) {
	x, y := Full(1, 1), Full(2, 1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = x.Add(y)
	}
}

func BenchmarkAddGrad1(b *testing.B) {
	x, y := Full(1, 1).SetRequiresGrad(true), Full(2, 1).SetRequiresGrad(true)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = x.Add(y)
	}
}

func BenchmarkSmallForwardBackward(b *testing.B) {
	x := Full(1, 1).SetRequiresGrad(true)
	y := Full(2, 1).SetRequiresGrad(true)
	z := Full(3, 1).SetRequiresGrad(true)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		x.Mul(y).Add(z).Sum().Backward()
	}
}

func benchMatMul(b *testing.B, n int) {
	ManualSeed(1)
	x, y := Randn(n, n), Randn(n, n)
	b.ReportAllocs()
	b.SetBytes(int64(3 * n * n * 4))
	for i := 0; i < b.N; i++ {
		_ = x.MatMul(y)
	}
	b.ReportMetric(2*float64(n)*float64(n)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkMatMul128(b *testing.B) { benchMatMul(b, 128) }
func BenchmarkMatMul512(b *testing.B) { benchMatMul(b, 512) }

// BenchmarkMLPStep is one training step's forward and backward of a 784-256-128-10 MLP with
// ReLU on a batch of 64, with the loss (NLL of LogSoftmax) written from ops.
func BenchmarkMLPStep(b *testing.B) {
	ManualSeed(1)
	const batch = 64
	w1 := Randn(784, 256).MulScalar(0.05).SetRequiresGrad(true)
	b1 := Zeros(256).SetRequiresGrad(true)
	w2 := Randn(256, 128).MulScalar(0.05).SetRequiresGrad(true)
	b2 := Zeros(128).SetRequiresGrad(true)
	w3 := Randn(128, 10).MulScalar(0.05).SetRequiresGrad(true)
	b3 := Zeros(10).SetRequiresGrad(true)
	params := []*Tensor{w1, b1, w2, b2, w3, b3}
	x := Randn(batch, 784)
	// one-hot targets
	onehot := Zeros(batch, 10)
	for i := 0; i < batch; i++ {
		onehot.st.f32()[i*10+i%10] = 1
	}
	step := func() float64 {
		for _, p := range params {
			p.ZeroGrad()
		}
		h := x.MatMul(w1).Add(b1).ReLU()
		h = h.MatMul(w2).Add(b2).ReLU()
		logits := h.MatMul(w3).Add(b3)
		loss := logits.LogSoftmax(1).Mul(onehot).Sum().DivScalar(-batch)
		loss.Backward()
		return loss.Item()
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
}

// BenchmarkChain4M times relu(x*w+b)*0.5+x on 4M float32 elements (the eager bench's
// chain4m) with its ops deferred and fused (the default) and computed one at a time.
func BenchmarkChain4M(b *testing.B) {
	ManualSeed(1)
	const n = 4 << 20
	x, w, c := Randn(n), Randn(n), Randn(n)
	for _, fused := range []bool{true, false} {
		name := "deferred"
		if !fused {
			name = "one-by-one"
		}
		b.Run(name, func(b *testing.B) {
			defer SetDeferredFusion(SetDeferredFusion(fused))
			b.SetBytes(4 * 4 * n) // three inputs read, one output written
			for b.Loop() {
				x.Mul(w).Add(c).ReLU().MulScalar(0.5).Add(x).Realize()
			}
		})
	}
}

// BenchmarkMul4M times x*w on 4M float32 elements computed at the call into a fresh output
// (what every eager op does when it is not deferred), and the same kernel writing into one
// output buffer reused at every call (what PyTorch's caching allocator achieves): the
// difference is the cost of a fresh output buffer on this machine.
func BenchmarkMul4M(b *testing.B) {
	ManualSeed(1)
	const n = 4 << 20
	x, w := Randn(n), Randn(n)
	b.Run("fresh-output", func(b *testing.B) {
		defer SetDeferredFusion(SetDeferredFusion(false))
		b.SetBytes(3 * 4 * n)
		for b.Loop() {
			x.Mul(w)
		}
	})
	b.Run("reused-output", func(b *testing.B) {
		out := EmptyOf(Float32, n)
		b.SetBytes(3 * 4 * n)
		for b.Loop() {
			kernels.Mul(out.f32(), x.f32(), w.f32())
		}
	})
}

// BenchmarkAttentionProducts times the character transformer's per-head products (batch 32,
// 4 heads, 64 positions, head size 32) into a reused output: scores q·kᵀ and the weighted
// values attn·v, with q, k and v head views of one [32, 64, 384] projection as attention
// reads them, then attn·v written straight into the merged [N, L, H, hd] layout.
func BenchmarkAttentionProducts(b *testing.B) {
	ManualSeed(1)
	qkv := Randn(32, 64, 3*128)
	heads := func(i int) *Tensor { return qkv.Narrow(2, 128*i, 128).Reshape(32, 64, 4, 32).Permute(0, 2, 1, 3) }
	q, kt, v := heads(0), heads(1).Transpose(-2, -1), heads(2)
	attn := Randn(32, 4, 64, 64)
	scores, out, merged := Zeros(32, 4, 64, 64), Zeros(32, 4, 64, 32), Zeros(32, 64, 4, 32)
	const flops = 2 * 64 * 64 * 32 * 128
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"q.kT", func() { bmmInto(scores, q, kt) }},
		{"attn.v", func() { bmmInto(out, attn, v) }},
		{"attn.v-merged", func() { bmmIntoView(merged.Permute(0, 2, 1, 3), attn, v) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.run()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkBiasGradSum times a bias gradient, the sum over 2048 rows of a [32, 64, w]
// gradient to [w], at the character transformer's widths (its head, model width, QKV
// projection and feed-forward layer).
func BenchmarkBiasGradSum(b *testing.B) {
	ManualSeed(1)
	for _, w := range []int{65, 128, 384, 512} {
		g := Randn(32, 64, w)
		b.Run(fmt.Sprint(w), func(b *testing.B) {
			b.SetBytes(int64(4 * g.Numel()))
			for b.Loop() {
				_ = sumTo(g, []int{w})
			}
		})
	}
}

// BenchmarkTransposedOperands times ops on transposed views of an MNIST layer's weight
// (784x256, as x.T()): the copy into a contiguous tensor, a binary op with a contiguous
// operand, a scalar op, and a unary op (and a permutation that keeps the last dim);
// `/usr/bin/python3 bench/torch_ops.py` times the same expressions in PyTorch.
func BenchmarkTransposedOperands(b *testing.B) {
	x, y, h := Randn(784, 256), Randn(256, 784), Randn(32, 64, 4, 32)
	for _, c := range []struct {
		name string
		fn   func() *Tensor
	}{
		{"contiguous", func() *Tensor { return x.T().Contiguous() }},
		{"add", func() *Tensor { return x.T().Add(y) }},
		{"mul-scalar", func() *Tensor { return x.T().MulScalar(2) }},
		{"relu", func() *Tensor { return x.T().ReLU() }},
		// Not transposed: attention's head split, rows of 32 values ([32, 64, 4, 32] → [32, 4, 64, 32]).
		{"heads", func() *Tensor { return h.Permute(0, 2, 1, 3).Contiguous() }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.fn()
			}
		})
	}
}

// BenchmarkOps256K times ops that had slow paths, on 256K float32 elements ([1024, 256]) as
// a layer's activations: x², a clamp, a conversion to float64, a comparison, a selection
// with a random mask, a max and an argmax over each row, and LogSoftmax over each row. `/usr/bin/python3
// bench/torch_ops.py` times the same expressions in PyTorch.
func BenchmarkOps256K(b *testing.B) {
	x, y := Randn(1024, 256), Randn(1024, 256)
	mask := x.GtScalar(0)
	for _, c := range []struct {
		name string
		fn   func() *Tensor
	}{
		{"pow2", func() *Tensor { return x.PowScalar(2) }},
		{"clamp", func() *Tensor { return x.Clamp(-0.5, 0.5) }},
		{"to-float64", func() *Tensor { return x.To(Float64) }},
		{"gt", func() *Tensor { return x.Gt(y) }},
		{"where", func() *Tensor { return Where(mask, x, y) }},
		{"max-dim1", func() *Tensor { return x.Max(1) }},
		{"argmax-dim1", func() *Tensor { return x.ArgMax(1) }},
		{"logsoftmax-dim1", func() *Tensor { return x.LogSoftmax(1) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				c.fn().Realize() // deferred ops compute here
			}
		})
	}
}
