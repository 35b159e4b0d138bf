package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/eagerml/eager"
)

// TestCrossEntropyPickedMatchesMask compares CrossEntropy's Gather path (index targets, no
// class weights, no smoothing) with the one-hot path it replaced, which unit class weights
// still take: losses and logits' gradients, for unbatched, batched and spatial logits, every
// reduction, with and without ignored targets, in float32 and float64.
func TestCrossEntropyPickedMatchesMask(t *testing.T) {
	eager.ManualSeed(3)
	type tc struct {
		shape  []int
		target []int64
		tshape []int
	}
	cases := []tc{
		{[]int{5}, []int64{3}, []int{}},
		{[]int{6, 5}, []int64{0, 4, 2, -100, 1, 3}, []int{6}},
		{[]int{6, 5}, []int64{0, 4, 2, 2, 1, 3}, []int{6}},
		{[]int{2, 4, 3}, []int64{0, 3, -100, 1, 2, 2}, []int{2, 3}},
	}
	for _, c := range cases {
		for _, dt := range []eager.DType{eager.Float32, eager.Float64} {
			for _, red := range []Reduction{Mean, Sum, None} {
				name := fmt.Sprintf("%v %v reduction %d", c.shape, dt, red)
				base := eager.RandnOf(dt, c.shape...)
				target := eager.FromSlice(c.target, len(c.target)).Reshape(c.tshape...)
				x1 := base.Detach().SetRequiresGrad(true)
				x2 := base.Detach().SetRequiresGrad(true)
				classes := c.shape[0]
				if len(c.shape) > 1 {
					classes = c.shape[1]
				}
				l1 := CrossEntropy(x1, target, Reduce(red))
				l2 := CrossEntropy(x2, target, Reduce(red), ClassWeights(eager.OnesOf(dt, classes)))
				g := eager.OnesLike(l1)
				l1.BackwardWith(eager.BackwardOptions{Grad: g})
				l2.BackwardWith(eager.BackwardOptions{Grad: g})
				closeAll(t, name+" loss", l1.Float64s(), l2.Float64s())
				closeAll(t, name+" grad", x1.Grad().Float64s(), x2.Grad().Float64s())
			}
		}
	}
	// A log-probability of -Inf for a class that is not the target leaves the loss finite.
	x := eager.FromSlice([]float64{0, math.Inf(-1), 1}, 1, 3)
	if l := CrossEntropy(x, eager.FromSlice([]int64{2}, 1)).Item(); math.IsNaN(l) || math.IsInf(l, 0) {
		t.Fatalf("CrossEntropy with a -Inf logit = %v, want finite", l)
	}
}

func closeAll(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-6*(1+math.Abs(want[i])) || math.IsNaN(got[i]) != math.IsNaN(want[i]) {
			t.Fatalf("%s: value %d = %v, want %v", name, i, got[i], want[i])
		}
	}
}

// BenchmarkCrossEntropy times CrossEntropy forward and backward on the character
// transformer's logits [2048, 65] (`bench/torch_ops.py` has PyTorch's figure).
func BenchmarkCrossEntropy(b *testing.B) {
	eager.ManualSeed(1)
	logits := eager.Randn(2048, 65).SetRequiresGrad(true)
	v := make([]int64, 2048)
	for i := range v {
		v[i] = int64(i % 65)
	}
	target := eager.FromSlice(v, 2048)
	for b.Loop() {
		CrossEntropy(logits, target).Backward()
		logits.ZeroGrad()
	}
}
