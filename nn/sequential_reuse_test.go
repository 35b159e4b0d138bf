package nn

import (
	"math"
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

// A ReLU followed by a MaxPool2d runs after the pool; outputs and the input's gradient must
// be those of ReLU then pool bit for bit, also for overlapping, padded and ceil-mode windows
// and inputs full of ties, zeros and windows with no positive value.
func TestSequentialReLUAfterPoolSameBits(t *testing.T) {
	for _, opts := range []eager.PoolOptions{
		{Kernel: []int{2}},
		{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}},
		{Kernel: []int{3}, Stride: []int{2}, CeilMode: true},
		{Kernel: []int{2}, Stride: []int{1}, Dilation: []int{2}},
	} {
		// Values in {-2, -1, -0, 0, 1, 2}: many ties, zeros and all-negative windows.
		vals := []float32{-2, -1, float32(math.Copysign(0, -1)), 0, 1, 2, -1, -2, 0}
		data := make([]float32, 3*2*9*9)
		for i := range data {
			data[i] = vals[(i*7+i/5)%len(vals)]
		}
		x0 := eager.FromSlice(data, 3, 2, 9, 9)
		model := NewSequential(&ReLU{}, &MaxPool2d{Opts: opts})
		run := func(forward func(x *eager.Tensor) *eager.Tensor) ([]float32, []float32) {
			x := x0.Detach().SetRequiresGrad(true)
			y := forward(x)
			y.Mul(eager.Randn(y.Shape()...)).Sum().Backward()
			return y.Float32s(), x.Grad().Float32s()
		}
		eager.ManualSeed(8)
		wantY, wantG := run(func(x *eager.Tensor) *eager.Tensor { return eager.MaxPool2d(x.ReLU(), opts) })
		eager.ManualSeed(8)
		gotY, gotG := run(model.Forward)
		for _, c := range []struct {
			name      string
			want, got []float32
		}{{"output", wantY, gotY}, {"input gradient", wantG, gotG}} {
			for i := range c.want {
				if math.Float32bits(c.want[i]) != math.Float32bits(c.got[i]) {
					t.Fatalf("%+v: %s element %d: %v, want %v", opts, c.name, i, c.got[i], c.want[i])
				}
			}
		}
	}
}
