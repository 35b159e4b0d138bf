//go:build !race

// The race detector makes sync.Pool drop items at random, so allocation counts are checked
// in normal builds only.

package jit

import (
	"testing"

	"github.com/eagerml/eager"
)

// A compiled call whose nodes are fused loops written into the tensors they update (here,
// autograd accumulating three gradients) allocates nothing: the loops' per-call state is
// pooled and no update goes through a copy.
func TestCompiledCallAllocatesNothing(t *testing.T) {
	a := eager.Full(1, 1).SetRequiresGrad(true)
	b := eager.Full(2, 1).SetRequiresGrad(true)
	c := eager.Full(3, 1).SetRequiresGrad(true)
	f := Compile(func(...*eager.Tensor) []*eager.Tensor {
		a.Mul(b).Add(c).Sum().Backward()
		return nil
	})
	f.Call() // traced with no gradients yet
	f.Call() // traced again, now that they exist
	if s := f.Stats(); s.Traces != 2 || s.EagerCalls != 0 {
		t.Fatalf("not compiled: %+v", s)
	}
	if n := testing.AllocsPerRun(1000, func() { f.Call() }); n != 0 {
		t.Fatalf("a compiled call allocates %v objects, want 0", n)
	}
	if s := f.Stats(); s.Traces != 2 {
		t.Fatalf("retraced: %+v", s)
	}
	// 2 calls above, 1001 here (AllocsPerRun warms up once): each adds 1, 2 and 3 to the
	// three gradients.
	if got := []float64{a.Grad().Item(), b.Grad().Item(), c.Grad().Item()}; got[0] != 2*1003 || got[1] != 1003 || got[2] != 1003 {
		t.Fatalf("gradients %v after 1003 calls, want [2006 1003 1003]", got)
	}
}
