package eager

import (
	"sync"
	"testing"
)

// TestProbeTimesEveryOp runs every gradient-check case forward and backward under a probe and
// checks that every primitive op took its start time (the op-begin hook), that times nest on
// a goroutine, and that the ops of backward passes are marked and enclosed by the spans of
// their backward functions. A new op that calls notify without opStart fails here.
func TestProbeTimesEveryOp(t *testing.T) {
	ManualSeed(3)
	var mu sync.Mutex
	var events []OpEvent
	remove := AddOpProbe(func(ev *OpEvent) {
		mu.Lock()
		e := *ev
		e.Inputs, e.Output, e.Attrs = nil, nil, nil
		events = append(events, e)
		mu.Unlock()
	})
	for _, c := range gradCases {
		xs := c.inputs()
		out := c.fn(xs)
		if !out.requiresGrad {
			continue
		}
		var diff []*Tensor
		for _, x := range xs {
			if x.requiresGrad {
				diff = append(diff, x)
			}
		}
		Grad([]*Tensor{out.Sum()}, diff, GradOptions{AllowUnused: true})
	}
	remove()
	if slowPath.Load() != 0 {
		t.Fatalf("slowPath = %d after removing the probe", slowPath.Load())
	}
	untimed := map[string]bool{}
	spans, backwardOps := 0, 0
	for _, e := range events {
		if e.Start == 0 {
			untimed[e.Name] = true
		}
		if e.Start > e.End {
			t.Fatalf("%s ends before it starts", e.Name)
		}
		if e.Span {
			spans++
			if !e.Backward || e.Name != e.Op.Name+"Backward" {
				t.Fatalf("span %+v", e)
			}
		} else if e.Backward {
			backwardOps++
		}
	}
	if len(untimed) > 0 {
		t.Errorf("ops without a start time (call opStart first and pass it to notifyTimed): %v", untimed)
	}
	if spans == 0 || backwardOps == 0 {
		t.Fatalf("%d spans, %d backward ops", spans, backwardOps)
	}
	// Every op inside a backward span is marked Backward. Backward ops outside spans are the
	// engine's own: gradient accumulation (Add) and dtype conversion of gradients (To).
	for _, e := range events {
		if e.Span {
			continue
		}
		inside := false
		for _, s := range events {
			if s.Span && s.Goroutine == e.Goroutine && s.Start <= e.Start && e.End <= s.End {
				inside = true
				break
			}
		}
		if inside && !e.Backward || e.Backward && !inside && e.Name != "Add" && e.Name != "To" {
			t.Fatalf("%s: Backward=%v but inside a backward span=%v", e.Name, e.Backward, inside)
		}
	}
}

// TestHooksShareTheOpStream checks that SetOpObserver's slot, added observers and probes all
// see the same ops, can be removed in any order, and leave the fast path when all are gone.
func TestHooksShareTheOpStream(t *testing.T) {
	var slot, added, probed []string
	prev := SetOpObserver(func(op *OpInfo, _ []*Tensor, _ *Tensor, _ []Attr) { slot = append(slot, op.Name) })
	removeObs := AddOpObserver(func(op *OpInfo, _ []*Tensor, _ *Tensor, _ []Attr) { added = append(added, op.Name) })
	removeProbe := AddOpProbe(func(ev *OpEvent) { probed = append(probed, ev.Name) })
	x := FromSlice([]float32{1, -2, 3})
	x.Exp().Add(x).ReLU()
	if got := SetOpObserver(prev); got == nil {
		t.Fatal("SetOpObserver did not return the installed observer")
	}
	x.Neg() // seen by the remaining observer and probe only
	removeObs()
	removeObs() // removing twice is harmless
	x.Abs()
	removeProbe()
	want := []string{"Exp", "Add", "ReLU"}
	if !equalStrings(slot, want) || !equalStrings(added, append(want, "Neg")) || !equalStrings(probed, append(want, "Neg", "Abs")) {
		t.Fatalf("slot %v, added %v, probed %v", slot, added, probed)
	}
	if slowPath.Load() != 0 || hooks.Load() != nil {
		t.Fatalf("hooks left behind: slowPath %d", slowPath.Load())
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestProbeOutputBytes checks that a view reports no allocation and a fresh output its size.
func TestProbeOutputBytes(t *testing.T) {
	got := map[string]int64{}
	remove := AddOpProbe(func(ev *OpEvent) { got[ev.Name] = ev.OutputBytes })
	x := Zeros(4, 8)
	x.Reshape(8, 4)
	x.Transpose(0, 1)
	x.Add(x)
	x.To(Float64)
	remove()
	want := map[string]int64{"View": 0, "Permute": 0, "Add": 4 * 8 * 4, "To": 4 * 8 * 8}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: OutputBytes %d, want %d", k, got[k], v)
		}
	}
}
