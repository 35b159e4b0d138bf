package eager

import "testing"

// The engine hands a gradient buffer over to a leaf without copying only when nothing else
// can reach it. These tests mutate one gradient in place (as the next Backward's
// accumulation does) and check that no other gradient, hook-saved tensor, retained gradient
// or caller's tensor changes with it.

func TestAdoptedGradsAreNotShared(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	b := FromSlice([]float32{4, 5, 6}).SetRequiresGrad(true)
	ones := FromSlice([]float32{1, 1, 1})
	a.Add(b).Mul(ones).Sum().Backward() // Add passes the same (contiguous) gradient to both inputs
	NoGrad(func() { a.Grad().AddScalarInPlace(10) })
	if got := b.Grad().Float32s(); got[0] != 1 || got[2] != 1 {
		t.Fatalf("b's gradient changed with a's: %v", got)
	}
	// The next Backward accumulates into the buffers.
	a.Add(b).Mul(ones).Sum().Backward()
	if ga, gb := a.Grad().Float32s(), b.Grad().Float32s(); ga[1] != 12 || gb[1] != 2 {
		t.Fatalf("accumulated gradients %v and %v, want 12s and 2s", ga, gb)
	}
}

func TestAdoptionKeepsCallersGradient(t *testing.T) {
	x := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	g := FromSlice([]float32{3, 4})
	x.Mul(FromSlice([]float32{1, 1})).BackwardWith(BackwardOptions{Grad: g}) // Mul makes a new tensor
	y := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	h := FromSlice([]float32{5, 6})
	y.Reshape(2).BackwardWith(BackwardOptions{Grad: h}) // a view: the caller's h flows through
	NoGrad(func() { y.Grad().AddScalarInPlace(1) })
	if got := h.Float32s(); got[0] != 5 || got[1] != 6 {
		t.Fatalf("the caller's output gradient changed: %v", got)
	}
	if got := x.Grad().Float32s(); got[0] != 3 || got[1] != 4 {
		t.Fatalf("x.Grad() = %v, want [3 4]", got)
	}
}

func TestAdoptionKeepsHookAndRetainedGradients(t *testing.T) {
	x := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	var seen *Tensor
	x.RegisterHook(func(g *Tensor) *Tensor { seen = g; return nil })
	x.MulScalar(3).Sum().Backward()
	NoGrad(func() { x.Grad().AddScalarInPlace(1) })
	if got := seen.Float32s(); got[0] != 3 {
		t.Fatalf("the hook's tensor changed with the leaf's gradient: %v", got)
	}

	w := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	v := w.Reshape(2, 1).RetainGrad() // Reshape's backward returns a view of v's gradient
	v.MulScalar(2).Sum().Backward()
	NoGrad(func() { w.Grad().AddScalarInPlace(1) })
	if got := v.Grad().Float32s(); got[0] != 2 {
		t.Fatalf("the retained gradient changed with the leaf's: %v", got)
	}
}

func TestAdoptionKeepsCustomFunctionGradients(t *testing.T) {
	keep := FromSlice([]float32{7, 7})
	x := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	f := &Function{
		Name:     "passKept",
		Forward:  func(ctx *FunctionCtx, in ...*Tensor) *Tensor { return in[0].MulScalar(1) },
		Backward: func(ctx *FunctionCtx, g *Tensor) []*Tensor { return []*Tensor{keep} },
	}
	f.Apply(x).Sum().Backward()
	NoGrad(func() { x.Grad().AddScalarInPlace(1) })
	if got := keep.Float32s(); got[0] != 7 {
		t.Fatalf("a tensor returned by a custom Backward changed: %v", got)
	}
}
