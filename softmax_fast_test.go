package eager

import (
	"fmt"
	"math"
	"testing"
)

// TestSoftmaxGradFusedBitIdentical checks that Softmax's one-pass gradient (used while
// nothing observes the backward) equals the composite y*(g - sum(g*y)) bit for bit.
func TestSoftmaxGradFusedBitIdentical(t *testing.T) {
	ManualSeed(5)
	for _, dt := range []DType{Float32, Float64} {
		for _, shape := range [][]int{{1, 1}, {3, 17}, {4, 2, 64}, {2, 129}} {
			t.Run(fmt.Sprintf("%v/%v", dt, shape), func(t *testing.T) {
				x := RandnOf(dt, shape...).MulScalar(3).SetRequiresGrad(true)
				g := RandnOf(dt, shape...)
				y := x.Softmax(-1)
				y.BackwardWith(BackwardOptions{Grad: g})
				got := x.Grad().Float64s()
				yd := y.Detach()
				want := yd.Mul(g.Sub(g.Mul(yd).SumKeepDim(-1))).Float64s()
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}
