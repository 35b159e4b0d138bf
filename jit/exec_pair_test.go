package jit

import (
	"fmt"
	"testing"

	"github.com/eagerml/eager"
)

// TestSeveralOutputOpsRunOnce checks that max pooling's values and indices, MaxDim's, and
// LayerNorm's three gradients are grouped in the plan (the op runs once for all its nodes)
// and equal eager's, through the forward and the backward that reads the indices.
func TestSeveralOutputOpsRunOnce(t *testing.T) {
	eager.ManualSeed(3)
	w := eager.Randn(3, 4, 8, 8).SetRequiresGrad(true)
	lnW, lnB := eager.Randn(4).SetRequiresGrad(true), eager.Randn(4).SetRequiresGrad(true)
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		for _, p := range []*eager.Tensor{w, lnW, lnB} {
			p.ZeroGrad()
		}
		v, idx := eager.MaxPool2dWithIndices(xs[0].Mul(w), eager.PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}})
		mv, mi := v.MaxDim(1, false)
		ln := eager.LayerNorm(v.Permute(0, 2, 3, 1), []int{4}, lnW, lnB, 1e-5)
		loss := mv.Sum().Add(v.Square().Sum()).Add(ln.Square().Sum())
		loss.Backward()
		return []*eager.Tensor{v, idx, mv, mi, loss, w.Grad(), lnW.Grad(), lnB.Grad()}
	}
	// Count the runs of the compiled calls: one per call for each op, not one per output,
	// and none through the one-output replay.
	runs := map[string]int{}
	for _, op := range []string{"MaxPool2d", "NormBackward"} {
		orig := multiOps[op]
		multiOps[op] = func(in []*eager.Tensor, a []eager.Attr) []*eager.Tensor {
			runs[op]++
			return orig(in, a)
		}
		defer func() { multiOps[op] = orig }()
	}
	f := Compile(fn)
	for call := 0; call < 3; call++ {
		x := eager.Randn(3, 4, 8, 8)
		want := fn(x)
		got := f.Call(x)
		for k := range want {
			bitsEqual(t, fmt.Sprintf("call %d output %d", call, k), got[k], want[k])
		}
	}
	if st := f.Stats(); st.Hits != 2 || runs["MaxPool2d"] != 2 || runs["NormBackward"] != 2 {
		t.Fatalf("runs %v in %d compiled calls (stats %+v), want one per call of each op", runs, st.Hits, st)
	}
	g := f.Graph()
	nodes := map[string]int{}
	for i, sibs := range siblings(g) {
		seen := map[int]bool{}
		for _, s := range sibs {
			if g.Nodes[s].Op != g.Nodes[i].Op || seen[outputIndex(g.Nodes[s])] {
				t.Fatalf("bad group %v of node %d:\n%v", sibs, i, g)
			}
			seen[outputIndex(g.Nodes[s])] = true
		}
		nodes[g.Nodes[i].Op]++
	}
	if nodes["MaxPool2d"] != 2 || nodes["MaxDim"] != 2 || nodes["NormBackward"] != 3 {
		t.Fatalf("grouped nodes %v, want MaxPool2d and MaxDim paired and NormBackward's three outputs together\n%v", nodes, g)
	}
}
