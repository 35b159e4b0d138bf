package eager

import (
	"fmt"
	"math"
	"testing"
)

// TestBmmGradLayoutBitIdentical checks that Bmm's operand gradients written in the operand's
// own layout (heads views of a [N, L, E] projection, and their transpose) equal, bit for
// bit, the plain products g·bᵀ and aᵀ·g.
func TestBmmGradLayoutBitIdentical(t *testing.T) {
	ManualSeed(7)
	for _, dt := range []DType{Float32, Float64} {
		for _, c := range []struct{ n, h, l, hd int }{{2, 2, 24, 16}, {1, 3, 5, 2}, {2, 4, 64, 32}, {3, 2, 1, 4}} {
			t.Run(fmt.Sprintf("%v/%v", dt, c), func(t *testing.T) {
				e := c.h * c.hd
				heads := func(x *Tensor) *Tensor { return x.Reshape(c.n, c.l, c.h, c.hd).Permute(0, 2, 1, 3) }
				qp := RandnOf(dt, c.n, c.l, e).SetRequiresGrad(true)
				kp := RandnOf(dt, c.n, c.l, e).SetRequiresGrad(true)
				q, kt := heads(qp), heads(kp).Transpose(-2, -1)
				s := q.MatMul(kt)
				g := RandnOf(dt, s.Shape()...)
				s.BackwardWith(BackwardOptions{Grad: g})
				var wantQ, wantK *Tensor
				NoGrad(func() {
					back := func(h *Tensor) *Tensor { return h.Permute(0, 2, 1, 3).Contiguous().Reshape(c.n, c.l, e) }
					wantQ = back(g.MatMul(kt.Detach().Transpose(-2, -1).Contiguous()))
					wantK = back(q.Detach().Transpose(-2, -1).Contiguous().MatMul(g).Transpose(-2, -1))
				})
				for _, p := range []struct {
					name      string
					got, want *Tensor
				}{{"q", qp.Grad(), wantQ}, {"k", kp.Grad(), wantK}} {
					gv, wv := p.got.Float64s(), p.want.Float64s()
					for i := range gv {
						if math.Float64bits(gv[i]) != math.Float64bits(wv[i]) {
							t.Fatalf("%s element %d: %v, want %v", p.name, i, gv[i], wv[i])
						}
					}
				}
			})
		}
	}
}

// TestBmmPermutedBitIdentical checks that BmmPermuted equals Bmm, Permute and Contiguous
// bit for bit: the layouts written in place (the last dim or the one before it of unit
// stride, attention's heads merged back into [N, L, E]), the ones it leaves to the three
// ops, sizes that take Gemm's tiny-product and matrix-vector paths, operands that are
// views, and gradients.
func TestBmmPermutedBitIdentical(t *testing.T) {
	ManualSeed(11)
	same := func(t *testing.T, got, want *Tensor) {
		t.Helper()
		if !sameShape(got.Shape(), want.Shape()) || !got.IsContiguous() {
			t.Fatalf("shape %v (contiguous %v), want %v", got.Shape(), got.IsContiguous(), want.Shape())
		}
		gv, wv := got.Float64s(), want.Float64s()
		for i := range gv {
			if math.Float64bits(gv[i]) != math.Float64bits(wv[i]) {
				t.Fatalf("element %d: %v, want %v", i, gv[i], wv[i])
			}
		}
	}
	for _, dt := range []DType{Float32, Float64} {
		for _, c := range []struct{ n, h, l, s, hd int }{{2, 4, 64, 64, 32}, {2, 2, 24, 17, 16}, {1, 3, 5, 5, 2}, {3, 2, 1, 4, 4}, {2, 2, 7, 1, 3}, {1, 1, 3, 2, 2}} {
			for _, dims := range [][]int{{0, 2, 1, 3}, {0, 3, 1, 2}, {0, 1, 3, 2}, {0, 1, 2, 3}, {2, 3, 0, 1}, {3, 0, 2, 1}, {0, -2, 1, -1}} {
				t.Run(fmt.Sprintf("%v/%v/%v", dt, c, dims), func(t *testing.T) {
					e := c.h * c.hd
					heads := func(x *Tensor, l int) *Tensor { return x.Reshape(c.n, l, c.h, c.hd).Permute(0, 2, 1, 3) }
					q := heads(RandnOf(dt, c.n, c.l, e), c.l)
					k := heads(RandnOf(dt, c.n, c.s, e), c.s)
					v := heads(RandnOf(dt, c.n, c.s, e), c.s)
					scores := BmmPermuted(q, k.Transpose(-2, -1), dims...) // [N, H, L, S] permuted
					same(t, scores, Bmm(q, k.Transpose(-2, -1)).Permute(dims...).Contiguous())
					attn := RandnOf(dt, c.n, c.h, c.l, c.s)
					same(t, BmmPermuted(attn, v, dims...), Bmm(attn, v).Permute(dims...).Contiguous())
					same(t, BmmPermuted(v.Transpose(-2, -1), attn.Transpose(-2, -1), dims...),
						Bmm(v.Transpose(-2, -1), attn.Transpose(-2, -1)).Permute(dims...).Contiguous())
				})
			}
		}
	}
	t.Run("gradients", func(t *testing.T) {
		// Attention's merge of the heads, recorded: values and gradients against the three ops.
		for _, dims := range [][]int{{0, 2, 1, 3}, {0, 3, 1, 2}} {
			ManualSeed(5)
			qp, vp := Randn(2, 64, 64).SetRequiresGrad(true), Randn(2, 64, 64).SetRequiresGrad(true)
			attn := Randn(2, 2, 64, 64).SetRequiresGrad(true)
			heads := func(x *Tensor) *Tensor { return x.Reshape(2, 64, 2, 32).Permute(0, 2, 1, 3) }
			g := Randn(permuted([]int{2, 2, 64, 32}, dims)...)
			run := func(f func(a, b *Tensor) *Tensor) []*Tensor {
				for _, x := range []*Tensor{qp, vp, attn} {
					x.ZeroGrad()
				}
				y := f(attn.Add(heads(qp).MatMul(heads(qp).Transpose(-2, -1))), heads(vp))
				y.BackwardWith(BackwardOptions{Grad: g})
				return []*Tensor{y.Detach(), qp.Grad().Clone(), vp.Grad().Clone(), attn.Grad().Clone()}
			}
			got := run(func(a, b *Tensor) *Tensor {
				y := BmmPermuted(a, b, dims...)
				if y.GradFn() != "BmmBackward" {
					t.Fatalf("dims %v: node %q, want BmmBackward", dims, y.GradFn())
				}
				return y
			})
			want := run(func(a, b *Tensor) *Tensor { return Bmm(a, b).Permute(dims...).Contiguous() })
			for i := range got {
				same(t, got[i], want[i])
			}
		}
	})
	t.Run("3-d", func(t *testing.T) {
		a, b := Randn(3, 8, 6), Randn(3, 6, 9)
		same(t, BmmPermuted(a, b, 1, 0, 2), Bmm(a, b).Permute(1, 0, 2).Contiguous())
		same(t, BmmPermuted(a, b, 0, 2, 1), Bmm(a, b).Permute(0, 2, 1).Contiguous())
	})
}
