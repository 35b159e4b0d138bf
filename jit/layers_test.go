package jit

import (
	"errors"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
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

// TestOptimizerStepsMatchEager compiles whole training steps with the optim package's
// optimizers: results must equal eager's bit for bit at every step, whether the step is
// compiled (SGD with momentum after its first step) or kept eager because it depends on
// changing Go state (Adam's bias correction).
func TestOptimizerStepsMatchEager(t *testing.T) {
	mk := map[string]func(ps []*eager.Tensor) optim.Optimizer{
		"sgd-momentum": func(ps []*eager.Tensor) optim.Optimizer {
			return optim.NewSGD(ps, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
		},
		"adam":    func(ps []*eager.Tensor) optim.Optimizer { return optim.NewAdam(ps, optim.AdamConfig{LR: 0.01}) },
		"rmsprop": func(ps []*eager.Tensor) optim.Optimizer { return optim.NewRMSprop(ps, optim.RMSpropConfig{LR: 0.01}) },
	}
	for name, newOpt := range mk {
		t.Run(name, func(t *testing.T) {
			build := func() (*nn.Sequential, optim.Optimizer) {
				eager.ManualSeed(4)
				m := nn.NewSequential(nn.NewLinear(3, 5), &nn.Tanh{}, nn.NewLinear(5, 2))
				return m, newOpt(m.Parameters())
			}
			step := func(m *nn.Sequential, o optim.Optimizer) func(xs ...*eager.Tensor) []*eager.Tensor {
				return func(xs ...*eager.Tensor) []*eager.Tensor {
					loss := nn.MSE(m.Forward(xs[0]), xs[1])
					loss.Backward()
					o.Step()
					o.ZeroGrad()
					return []*eager.Tensor{loss}
				}
			}
			me, oe := build()
			mc, oc := build()
			f := Compile(step(mc, oc))
			for it := 0; it < 6; it++ {
				eager.ManualSeed(uint64(100 + it))
				x, y := eager.Randn(4, 3), eager.Randn(4, 2)
				want := step(me, oe)(x, y)[0].Item()
				got := f.Call(x, y)[0].Item()
				if want != got {
					t.Fatalf("step %d: compiled loss %v, eager %v", it, got, want)
				}
			}
			pe, pc := me.Parameters(), mc.Parameters()
			for i := range pe {
				a, b := pe[i].Float32s(), pc[i].Float32s()
				for j := range a {
					if a[j] != b[j] {
						t.Fatalf("parameter %d element %d: compiled %v, eager %v", i, j, b[j], a[j])
					}
				}
			}
			st := f.Stats()
			t.Logf("%s: %d traces, %d eager calls, %d hits", name, st.Traces, st.EagerCalls, st.Hits)
			if name == "sgd-momentum" && st.Hits == 0 {
				t.Errorf("SGD with momentum was never run compiled: %+v", st.Reasons)
			}
		})
	}
}
