package jit

import (
	"errors"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// TestCompiledCNNStepMatchesEager compiles a training step of a small CNN (convolution,
// max and average pooling, LayerNorm, evaluation-mode BatchNorm) and checks that loss and
// gradients equal eager's bit for bit over several calls.
func TestCompiledCNNStepMatchesEager(t *testing.T) {
	build := func() (*nn.Sequential, *nn.BatchNorm) {
		eager.ManualSeed(5)
		bn := nn.NewBatchNorm2d(4)
		m := nn.NewSequential(
			nn.NewConv2d(nn.Conv2dConfig{In: 1, Out: 4, Kernel: []int{3}, Padding: []int{1}}), &nn.ReLU{},
			bn, nn.NewMaxPool2d(2, 2),
			nn.NewConv2d(nn.Conv2dConfig{In: 4, Out: 6, Kernel: []int{3}, Stride: []int{2}}),
			&nn.AdaptiveAvgPool2d{OutH: 2, OutW: 2}, nn.NewFlatten(), nn.NewLayerNorm(24), nn.NewLinear(24, 3),
		)
		m.Eval()
		return m, bn
	}
	step := func(m *nn.Sequential) func(xs ...*eager.Tensor) []*eager.Tensor {
		return func(xs ...*eager.Tensor) []*eager.Tensor {
			m.ZeroGrad()
			loss := nn.CrossEntropy(m.Forward(xs[0]), xs[1])
			loss.Backward()
			out := []*eager.Tensor{loss}
			for _, p := range m.Parameters() {
				out = append(out, p.Grad())
			}
			return out
		}
	}
	me, _ := build()
	mc, _ := build()
	compiled := Compile(step(mc))
	for call := 0; call < 3; call++ {
		eager.ManualSeed(uint64(10 + call))
		x := eager.Randn(2, 1, 8, 8)
		y := eager.FromSlice([]int64{0, 2})
		want := step(me)(x, y)
		got := compiled.Call(x, y)
		for i := range want {
			w, g := want[i].Float32s(), got[i].Float32s()
			for j := range w {
				if w[j] != g[j] {
					t.Fatalf("call %d output %d element %d: compiled %v, eager %v", call, i, j, g[j], w[j])
				}
			}
		}
	}
}

func TestBatchNormTrainingRefused(t *testing.T) {
	bn := nn.NewBatchNorm1d(3)
	f := Compile1(func(x *eager.Tensor) *eager.Tensor { return bn.Forward(x) })
	_, err := f.TryCall(eager.Randn(4, 3))
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("got %v, want ErrUnsupported", err)
	}
}
