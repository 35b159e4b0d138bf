package jit

import (
	"fmt"
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
	// Count the pooling runs of the compiled calls: one per call, not two, and none through
	// the one-output replay.
	pool := pairOps["MaxPool2d"]
	runs := 0
	pairOps["MaxPool2d"] = func(in []*eager.Tensor, a []eager.Attr) (*eager.Tensor, *eager.Tensor) {
		runs++
		return pool(in, a)
	}
	defer func() { pairOps["MaxPool2d"] = pool }()
	f := Compile(fn)
	for call := 0; call < 3; call++ {
		x := eager.Randn(3, 4, 8, 8)
		want := fn(x)
		got := f.Call(x)
		for k := range want {
			bitsEqual(t, fmt.Sprintf("call %d output %d", call, k), got[k], want[k])
		}
	}
	if st := f.Stats(); st.Hits != 2 || runs != 2 {
		t.Fatalf("%d pooling runs in %d compiled calls (stats %+v), want one per call", runs, st.Hits, st)
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
