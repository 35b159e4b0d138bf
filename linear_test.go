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
