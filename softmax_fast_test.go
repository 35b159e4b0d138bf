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

// TestSoftmaxF32Rows checks float32 Softmax (vector exponentials) against the float64
// computation, with masked (-Inf) entries, a fully masked row (NaN, as PyTorch) and NaN.
func TestSoftmaxF32Rows(t *testing.T) {
	ninf := float32(math.Inf(-1))
	nan := float32(math.NaN())
	rows := [][]float32{
		{0},
		{1, 2, 3},
		{-50, 0, 50, 80, ninf},
		{ninf, ninf, ninf},
		{1, nan, 2},
		{3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, -1, ninf},
	}
	for _, row := range rows {
		got := FromSlice(row, 1, len(row)).Softmax(-1).Float64s()
		want := FromSlice(row, 1, len(row)).To(Float64).Softmax(-1).Float64s()
		for j := range got {
			g, w := got[j], want[j]
			if math.IsNaN(w) != math.IsNaN(g) || (!math.IsNaN(w) && math.Abs(g-w) > 1e-6*math.Max(w, 1e-30)+1e-45) {
				t.Errorf("row %v: element %d = %v, want %v", row, j, g, w)
			}
		}
	}
}
