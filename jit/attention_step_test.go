package jit

import (
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// TestCompiledTransformerStepMatchesEager compiles the forward and backward of a batch-first
// causal encoder layer (attention through multi-batch-dim matrix products, softmax, layer
// norms) and checks loss and gradients against eager bit for bit.
func TestCompiledTransformerStepMatchesEager(t *testing.T) {
	mk := func() *nn.TransformerEncoderLayer {
		eager.ManualSeed(1)
		return nn.NewTransformerEncoderLayer(nn.TransformerEncoderLayerConfig{DModel: 8, Heads: 2, FF: 16, NoDropout: true, BatchFirst: true})
	}
	me, mc := mk(), mk()
	step := func(m *nn.TransformerEncoderLayer) func(xs ...*eager.Tensor) []*eager.Tensor {
		return func(xs ...*eager.Tensor) []*eager.Tensor {
			m.ZeroGrad()
			loss := m.ForwardMasked(xs[0], nn.AttentionMasks{Causal: true}).Square().Sum()
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
		x := eager.Randn(3, 5, 8)
		want := step(me)(x)
		got := c.Call(x)
		for i := range want {
			w, g := want[i].Float32s(), got[i].Float32s()
			for j := range w {
				if w[j] != g[j] {
					t.Errorf("call %d output %d element %d: compiled %v, eager %v", call, i, j, g[j], w[j])
					break
				}
			}
		}
	}
}
