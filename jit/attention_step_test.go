package jit

import (
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// TestCompiledTransformerStepMatchesEager compiles the forward and backward of a batch-first
// causal encoder layer (attention through multi-batch-dim matrix products, softmax, layer
// norms) and checks loss and gradients against eager bit for bit, at a tiny size (Gemm's
// plain loops) and at one whose per-head products take the blocked kernels. The products
// whose heads are merged back into [N, L, E] must be computed straight into that layout
// (BmmPermuted), without the copies eager makes.
func TestCompiledTransformerStepMatchesEager(t *testing.T) {
	for _, c := range []struct{ d, heads, ff, batch, l int }{{8, 2, 16, 3, 5}, {64, 2, 32, 2, 40}} {
		mk := func() *nn.TransformerEncoderLayer {
			eager.ManualSeed(1)
			return nn.NewTransformerEncoderLayer(nn.TransformerEncoderLayerConfig{DModel: c.d, Heads: c.heads, FF: c.ff, NoDropout: true, BatchFirst: true})
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
		f := Compile(step(mc))
		for call := 0; call < 2; call++ {
			x := eager.Randn(c.batch, c.l, c.d)
			want := step(me)(x)
			got := f.Call(x)
			for i := range want {
				w, g := want[i].Float32s(), got[i].Float32s()
				for j := range w {
					if w[j] != g[j] {
						t.Errorf("%+v call %d output %d element %d: compiled %v, eager %v", c, call, i, j, g[j], w[j])
						break
					}
				}
			}
		}
		permuted, clones := 0, 0
		for _, n := range f.Graph().Nodes {
			switch n.Op {
			case "BmmPermuted":
				permuted++
			case "Clone":
				clones++
			}
		}
		// Forward: attention·V merged back; backward: the gradients of Q, K and V.
		if permuted != 4 || clones > 1 {
			t.Errorf("%+v: %d BmmPermuted and %d Clone nodes, want 4 and at most 1:\n%v", c, permuted, clones, f.Graph())
		}
	}
}
