package jit

import (
	"testing"

	"github.com/eagerml/eager"
)

// TestTwoOutputOpsRunOnce checks that max pooling's values and indices, and MaxDim's, are
// paired in the plan (the op runs once for both nodes) and equal eager's, through the
// forward and the backward that reads the indices.
func TestTwoOutputOpsRunOnce(t *testing.T) {
	eager.ManualSeed(3)
	w := eager.Randn(3, 4, 8, 8).SetRequiresGrad(true)
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		w.ZeroGrad()
		v, idx := eager.MaxPool2dWithIndices(xs[0].Mul(w), eager.PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}})
		mv, mi := v.MaxDim(1, false)
		loss := mv.Sum().Add(v.Square().Sum())
		loss.Backward()
		return []*eager.Tensor{v, idx, mv, mi, loss, w.Grad()}
	}
	f := Compile(fn)
	for call := 0; call < 3; call++ {
		x := eager.Randn(3, 4, 8, 8)
		want := fn(x)
		got := f.Call(x)
		for k := range want {
			a, b := want[k].Float64s(), got[k].Float64s()
			for e := range a {
				if a[e] != b[e] {
					t.Fatalf("call %d output %d element %d: compiled %v, eager %v", call, k, e, b[e], a[e])
				}
			}
		}
	}
	g := f.Graph()
	tw := twins(g)
	pairs := map[string]int{}
	for i, j := range tw {
		if tw[j] != i || g.Nodes[i].Op != g.Nodes[j].Op || outputIndex(g.Nodes[i]) == outputIndex(g.Nodes[j]) {
			t.Fatalf("bad pair %d-%d: %v / %v", i, j, g.Nodes[i], g.Nodes[j])
		}
		pairs[g.Nodes[i].Op]++
	}
	if pairs["MaxPool2d"] != 2 || pairs["MaxDim"] != 2 {
		t.Fatalf("pairs %v, want MaxPool2d and MaxDim paired\n%v", pairs, g)
	}
}
