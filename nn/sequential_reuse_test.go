package nn

import (
	"slices"
	"testing"

	"github.com/eagerml/eager"
)

// A Sequential runs a ReLU after Linear or Conv2d in the layer's output buffer; outputs and
// gradients must be those of running every layer on its own, bit for bit.
func TestSequentialReLUReusesBuffer(t *testing.T) {
	eager.ManualSeed(5)
	model := NewSequential(
		NewConv2d(Conv2dConfig{In: 2, Out: 4, Kernel: []int{3}, Padding: []int{1}}), &ReLU{},
		NewMaxPool2d(2, 2), NewFlatten(),
		NewLinear(4*4*4, 16), &ReLU{}, &ReLU{}, // the second ReLU follows a ReLU: not reused
		NewLinear(16, 3),
	)
	x := eager.Randn(5, 2, 8, 8)
	run := func(forward func() *eager.Tensor) ([]float32, [][]float32) {
		model.ZeroGrad()
		y := forward()
		y.Tanh().Sum().Backward()
		var grads [][]float32
		for _, p := range model.Parameters() {
			grads = append(grads, p.Grad().Float32s())
		}
		return y.Float32s(), grads
	}
	wantY, wantG := run(func() *eager.Tensor {
		h := x
		for _, l := range model.Layers {
			h = l.Forward(h)
		}
		return h
	})
	gotY, gotG := run(func() *eager.Tensor { return model.Forward(x) })
	if !slices.Equal(wantY, gotY) {
		t.Fatal("outputs differ")
	}
	for i := range wantG {
		if !slices.Equal(wantG[i], gotG[i]) {
			t.Fatalf("gradient of parameter %d differs", i)
		}
	}
}

// ReLUReusing on a tensor that an op saved for its backward must fail at Backward (version
// counter), not give wrong gradients.
func TestReLUReusingSavedInputReported(t *testing.T) {
	w := eager.Randn(3, 3).SetRequiresGrad(true)
	h := eager.Randn(3, 3).MatMul(w)
	s := h.Mul(h) // saves h
	r := eager.ReLUReusing(h)
	err := eager.Try(func() { s.Add(r).Sum().Backward() })
	if err == nil {
		t.Fatal("backward through a tensor changed by ReLUReusing did not fail")
	}
}
