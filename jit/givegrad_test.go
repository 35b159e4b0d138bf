package jit

import (
	"slices"
	"testing"

	"github.com/eagerml/eager"
)

// A compiled training step hands its new gradients to the leaves (eager's GiveGrad), so that
// the next call's gradients can reuse their buffers. A gradient the caller took with Grad
// must stay intact however many calls follow, and the steps must match eager's.
func TestCompiledStepGivesGradients(t *testing.T) {
	eager.ManualSeed(3)
	xs := []*eager.Tensor{eager.Randn(64, 784), eager.Randn(64, 784), eager.Randn(64, 784)}
	labels := make([]int64, 64)
	for i := range labels {
		labels[i] = int64(i % 10)
	}
	y := eager.FromSlice(labels, 64)
	ref, m := newTrainMLP(true), newTrainMLP(true)
	f := Compile(func(in ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{m.step(in[0], in[1])} })
	for i := range 6 {
		want := ref.step(xs[i%3], y).Item()
		got := f.Call(xs[i%3], y)[0].Item()
		if want != got {
			t.Fatalf("step %d: compiled loss %v, eager %v", i, got, want)
		}
	}
	g := m.l1.Weight.Grad() // handed out: must not be recycled by later calls
	kept := slices.Clone(g.Float32s())
	for i := range 4 {
		f.Call(xs[i%3], y)
	}
	if !slices.Equal(kept, g.Float32s()) {
		t.Fatal("a gradient taken with Grad changed after later compiled calls")
	}
}
