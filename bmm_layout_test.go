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
