package jit

import (
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

func TestCompiledLayerStepsMatchEager(t *testing.T) {
	conv := func() nn.Module {
		return nn.NewConv2d(nn.Conv2dConfig{In: 1, Out: 4, Kernel: []int{3}, Padding: []int{1}})
	}
	cases := map[string]func() *nn.Sequential{
		"ln":  func() *nn.Sequential { return nn.NewSequential(conv(), nn.NewFlatten(), nn.NewLayerNorm(256)) },
		"lin": func() *nn.Sequential { return nn.NewSequential(conv(), nn.NewFlatten(), nn.NewLinear(256, 3)) },
		"relubn": func() *nn.Sequential {
			b := nn.NewBatchNorm2d(4)
			b.Eval()
			return nn.NewSequential(conv(), &nn.ReLU{}, b, nn.NewFlatten())
		},
		"twoconv": func() *nn.Sequential {
			return nn.NewSequential(conv(), nn.NewConv2d(nn.Conv2dConfig{In: 4, Out: 6, Kernel: []int{3}, Stride: []int{2}}), nn.NewFlatten())
		},
		"poolconv": func() *nn.Sequential {
			return nn.NewSequential(conv(), nn.NewMaxPool2d(2, 2), nn.NewConv2d(nn.Conv2dConfig{In: 4, Out: 6, Kernel: []int{3}, Stride: []int{2}}), nn.NewFlatten())
		},
	}
	for name, mk := range cases {
		eager.ManualSeed(1)
		me := mk()
		eager.ManualSeed(1)
		mc := mk()
		step := func(m *nn.Sequential) func(xs ...*eager.Tensor) []*eager.Tensor {
			return func(xs ...*eager.Tensor) []*eager.Tensor {
				m.ZeroGrad()
				loss := m.Forward(xs[0]).Square().Sum()
				loss.Backward()
				out := []*eager.Tensor{loss}
				for _, p := range m.Parameters() {
					out = append(out, p.Grad())
				}
				return out
			}
		}
		c := Compile(step(mc))
		for call := 0; call < 2; call++ {
			x := eager.Randn(2, 1, 8, 8)
			want := step(me)(x)
			got := c.Call(x)
			for i := range want {
				w, g := want[i].Float32s(), got[i].Float32s()
				for j := range w {
					if w[j] != g[j] {
						t.Errorf("%s call %d output %d element %d: compiled %v, eager %v", name, call, i, j, g[j], w[j])
						break
					}
				}
			}
		}
	}
}
