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
// views, and recording: with an operand that requires grad it is the three recorded ops.
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
	t.Run("recorded", func(t *testing.T) {
		a := Randn(2, 3, 4).SetRequiresGrad(true)
		b := Randn(2, 4, 5)
		y := BmmPermuted(a, b, 1, 0, 2)
		if y.GradFn() == "" {
			t.Fatal("no autograd node for an operand that requires grad")
		}
		y.Sum().Backward()
		want := Ones(2, 3, 5).MatMul(b.Transpose(-2, -1))
		same(t, a.Grad(), want)
	})
	t.Run("3-d", func(t *testing.T) {
		a, b := Randn(3, 8, 6), Randn(3, 6, 9)
		same(t, BmmPermuted(a, b, 1, 0, 2), Bmm(a, b).Permute(1, 0, 2).Contiguous())
		same(t, BmmPermuted(a, b, 0, 2, 1), Bmm(a, b).Permute(0, 2, 1).Contiguous())
	})
}
