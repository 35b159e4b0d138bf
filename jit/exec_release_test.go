package jit

import (
	"fmt"
	"testing"

	"github.com/eagerml/eager"
)

// TestReplayedBuffersReleased checks that the executor hands the buffer of a replayed op's
// result back to eager's cache after its last reader (once per call), that the results
// still equal eager's, and that the values a call returns are never released: a later
// call does not overwrite them.
func TestReplayedBuffersReleased(t *testing.T) {
	eager.ManualSeed(4)
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		a := xs[0].Softmax(1)           // replayed; dies at the next op
		b := a.Permute(1, 0).Softmax(0) // replayed, through a view of a; returned
		return []*eager.Tensor{b, b.Square().Sum()}
	}
	f := Compile(fn)
	var kept [][]*eager.Tensor
	var want [][]*eager.Tensor
	for call := 0; call < 4; call++ {
		x := eager.Randn(256, 128) // 128 KiB: large enough for the cache
		want = append(want, fn(x))
		before := eager.BufferCacheStats().Released
		got := f.Call(x)
		released := eager.BufferCacheStats().Released - before
		if call > 0 && released < 1 {
			t.Fatalf("call %d released %d buffers, want the first softmax's", call, released)
		}
		kept = append(kept, got)
	}
	if st := f.Stats(); st.Hits != 3 {
		t.Fatalf("stats %+v: want 3 compiled calls", st)
	}
	for call := range kept {
		for k := range kept[call] {
			bitsEqual(t, fmt.Sprintf("call %d output %d (after all calls)", call, k), kept[call][k], want[call][k])
		}
	}
}

// TestGradModeOnlyWhenNeeded checks when a compiled call switches grad mode off: a plan
// whose arguments and captures do not require grad runs without NoGrad, one whose argument
// or captured tensor does runs under it; in all of them the outputs do not require grad and
// equal eager's (computed under NoGrad).
func TestGradModeOnlyWhenNeeded(t *testing.T) {
	eager.ManualSeed(5)
	w := eager.Randn(64, 64)
	wg := eager.Randn(64, 64).SetRequiresGrad(true)
	for _, c := range []struct {
		name      string
		w         *eager.Tensor
		argGrad   bool
		recording int32 // the plan's mayRecord verdict: 1 NoGrad, 2 not
	}{
		{"plain", w, false, 2}, {"argument requires grad", w, true, 1}, {"capture requires grad", wg, false, 1},
	} {
		fn := func(xs ...*eager.Tensor) []*eager.Tensor {
			return []*eager.Tensor{xs[0].MatMul(c.w).Softmax(1).Mul(xs[0])}
		}
		f := Compile(fn)
		for call := 0; call < 3; call++ {
			x := eager.Randn(64, 64).SetRequiresGrad(c.argGrad)
			var want []*eager.Tensor
			eager.NoGrad(func() { want = fn(x) })
			got := f.Call(x)
			if got[0].RequiresGrad() {
				t.Fatalf("%s, call %d: the compiled output requires grad", c.name, call)
			}
			bitsEqual(t, fmt.Sprintf("%s, call %d", c.name, call), got[0], want[0])
			if x.Grad() != nil || c.w.Grad() != nil {
				t.Fatalf("%s, call %d: a gradient appeared", c.name, call)
			}
		}
		if st := f.Stats(); st.Traces != 1 || st.Hits != 2 {
			t.Fatalf("%s: stats %+v, want one trace and two compiled calls", c.name, st)
		}
		if got := f.entries[0].plan.recording.Load(); got != c.recording {
			t.Fatalf("%s: the plan decided %d (1: under NoGrad, 2: without), want %d", c.name, got, c.recording)
		}
	}
}
