package eager

import (
	"fmt"
	"testing"
)

// TestLeafHooksRunWhenGradientIsFinal checks that a leaf's hooks run, and its gradient is
// accumulated, as soon as the last node that feeds it has run, before the rest of the
// backward sweep: what data-parallel training needs to overlap communication with backward.
func TestLeafHooksRunWhenGradientIsFinal(t *testing.T) {
	x := FromSlice([]float64{1, 2})
	w0 := FromSlice([]float64{3, 4}).SetRequiresGrad(true)
	w1 := FromSlice([]float64{5, 6}).SetRequiresGrad(true)
	shared := FromSlice([]float64{2, 2}).SetRequiresGrad(true) // used early and late
	var events []string
	w0.RegisterHook(func(g *Tensor) *Tensor { events = append(events, "w0"); return nil })
	w1.RegisterHook(func(g *Tensor) *Tensor { events = append(events, "w1"); return nil })
	shared.RegisterHook(func(g *Tensor) *Tensor {
		events = append(events, fmt.Sprintf("shared%v", g.Float64s()))
		return nil
	})
	h := w0.Mul(x).Mul(shared) // early
	h.RegisterHook(func(g *Tensor) *Tensor {
		if w1.Grad() == nil {
			t.Errorf("w1's gradient is not accumulated yet when the earlier node runs")
		}
		events = append(events, "h")
		return nil
	})
	y := h.Mul(w1).Mul(shared) // late
	y.Sum().Backward()
	// w1 is finished right after the node that consumes it, before h's node runs; shared
	// waits for both of its uses and then gets the summed gradient once.
	want := "[w1 h shared[60 192] w0]"
	if got := fmt.Sprint(events); got != want {
		t.Fatalf("hook order %s, want %s", got, want)
	}
	wantFloats(t, "w0.grad", w0.Grad(), 1*2*5*2, 2*2*6*2)
	wantFloats(t, "w1.grad", w1.Grad(), 3*2*2, 8*2*2)
}

// TestLeafHooksWithUnusedBranchAndGrad covers a leaf whose only consumer gets no gradient
// (its hook must not run), a leaf that is also a root, and Grad (capture) with hooks.
func TestLeafHooksWithUnusedBranchAndGrad(t *testing.T) {
	a := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	b := FromSlice([]float64{3, 4}).SetRequiresGrad(true)
	ran := map[string]int{}
	a.RegisterHook(func(g *Tensor) *Tensor { ran["a"]++; return g.MulScalar(10) })
	b.RegisterHook(func(g *Tensor) *Tensor { ran["b"]++; return nil })
	u := b.MulScalar(2) // reachable from out2 only
	out := a.Square().Sum()
	out2 := u.Sum()
	// Grad over [out, a]: a is a root (gradient 1) and an input of Square.
	gs := Grad([]*Tensor{out, a}, []*Tensor{a}, GradOptions{GradOutputs: []*Tensor{nil, OnesLike(a)}, RetainGraph: true})
	wantFloats(t, "captured", gs[0], 30, 50) // (2a + 1) * 10
	if ran["a"] != 1 || ran["b"] != 0 {
		t.Fatalf("hooks ran %v", ran)
	}
	// A node whose output gradient is nil (its consumer's backward returns none for it)
	// still releases its leaves, without running their hooks.
	firstOnly := &Function{
		Name:     "FirstOnly",
		Forward:  func(_ *FunctionCtx, xs ...*Tensor) *Tensor { return xs[0].Add(xs[1]) },
		Backward: func(_ *FunctionCtx, g *Tensor) []*Tensor { return []*Tensor{g, nil} },
	}
	firstOnly.Apply(a, u).Sum().Backward()
	if ran["b"] != 0 || ran["a"] != 2 {
		t.Fatalf("hooks ran %v", ran)
	}
	wantFloats(t, "a.grad", a.Grad(), 10, 10)
	out2.Backward()
	wantFloats(t, "b.grad", b.Grad(), 2, 2)
	if ran["b"] != 1 {
		t.Fatalf("b's hook ran %d times", ran["b"])
	}
}
