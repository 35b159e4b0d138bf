package eager

import (
	"slices"
	"testing"
)

// Linear adds the bias into the product's own buffer; values and gradients must be those of
// MatMul then Add, bit for bit, and with an observer installed it must record the same ops.
func TestLinearMatchesMatMulAdd(t *testing.T) {
	for _, shape := range [][]int{{5, 7}, {3, 4, 7}, {64, 784}, {7}} {
		ManualSeed(3)
		x := Randn(shape...).SetRequiresGrad(true)
		w := Randn(9, 7+777*boolInt(shape[len(shape)-1] == 784)).SetRequiresGrad(true)
		b := Randn(9).SetRequiresGrad(true)
		run := func(f func() *Tensor) ([]float32, [][]float32) {
			for _, p := range []*Tensor{x, w, b} {
				p.ZeroGrad()
			}
			y := f()
			y.Tanh().Sum().Backward()
			return y.Float32s(), [][]float32{x.Grad().Float32s(), w.Grad().Float32s(), b.Grad().Float32s()}
		}
		wantY, wantG := run(func() *Tensor { return x.MatMul(w.T()).Add(b) })
		gotY, gotG := run(func() *Tensor { return Linear(x, w, b) })
		if !slices.Equal(wantY, gotY) {
			t.Fatalf("shape %v: Linear values differ from MatMul+Add", shape)
		}
		for i := range wantG {
			if !slices.Equal(wantG[i], gotG[i]) {
				t.Fatalf("shape %v: gradient %d differs", shape, i)
			}
		}
		if got := Linear(x, w, b).GradFn(); got != "AddBackward" {
			t.Errorf("GradFn = %q, want AddBackward", got)
		}
		if got := Linear(x, w, nil).Float32s(); !slices.Equal(got, x.MatMul(w.T()).Float32s()) {
			t.Errorf("shape %v: Linear without bias differs from MatMul", shape)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestLinearObservedRecordsMatMulAdd(t *testing.T) {
	x, w, b := Randn(4, 3), Randn(5, 3), Randn(5)
	var ops []string
	prev := SetOpObserver(func(op *OpInfo, _ []*Tensor, _ *Tensor, _ []Attr) { ops = append(ops, op.Name) })
	y := Linear(x, w, b)
	SetOpObserver(prev)
	if !slices.Contains(ops, "Add") || !slices.Contains(ops, "Bmm") && !slices.Contains(ops, "MatMul") {
		t.Fatalf("observed ops %v, want the product and Add", ops)
	}
	if want := x.MatMul(w.T()).Add(b).Float32s(); !slices.Equal(y.Float32s(), want) {
		t.Fatal("observed Linear differs")
	}
}

func TestAddReusing(t *testing.T) {
	ManualSeed(6)
	w := Randn(4, 4).SetRequiresGrad(true)
	x := Randn(4, 4).SetRequiresGrad(true)
	run := func(add func(y, b *Tensor) *Tensor) ([]float32, []float32, []float32) {
		w.ZeroGrad()
		x.ZeroGrad()
		out := add(x.MatMul(w), x).Tanh()
		out.Sum().Backward()
		return out.Float32s(), w.Grad().Float32s(), x.Grad().Float32s()
	}
	a1, a2, a3 := run(func(y, b *Tensor) *Tensor { return b.Add(y) })
	b1, b2, b3 := run(AddReusing)
	if !slices.Equal(a1, b1) || !slices.Equal(a2, b2) || !slices.Equal(a3, b3) {
		t.Fatal("AddReusing differs from Add")
	}

	// A tensor saved for backward and then given to AddReusing: Backward reports it.
	h := Randn(3, 3).MatMul(w.Narrow(0, 0, 3).Narrow(1, 0, 3))
	s := h.Mul(h)
	r := AddReusing(h, Ones(3, 3))
	if err := Try(func() { s.Add(r).Sum().Backward() }); err == nil {
		t.Fatal("a saved tensor changed by AddReusing was not reported")
	}

	// Leaves that require grad are not overwritten.
	l := Ones(2).SetRequiresGrad(true)
	_ = AddReusing(l, Ones(2))
	if !slices.Equal(l.Float32s(), []float32{1, 1}) {
		t.Fatal("AddReusing overwrote a leaf")
	}
}
