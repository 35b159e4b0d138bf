package optim

import (
	"math"
	"testing"

	"github.com/eagerml/eager"
)

// TestAdamFusedMatchesSeparateOps runs Adam and AdamW twice from the same start: once on the
// fused single-pass kernel (the default), once with an op observer installed, which makes the
// optimizer run the separate tensor ops that jit traces and profilers see. The parameters must
// agree bit for bit after every step, in float32 and float64.
func TestAdamFusedMatchesSeparateOps(t *testing.T) {
	for _, dt := range []eager.DType{eager.Float32, eager.Float64} {
		for _, name := range []string{"Adam", "Adam+wd", "AdamW", "Adam maximize"} {
			mk := func() ([]*eager.Tensor, Optimizer) {
				eager.ManualSeed(5)
				ps := []*eager.Tensor{
					eager.Randn(37, 5).To(dt).SetRequiresGrad(true),
					eager.Randn(3).To(dt).SetRequiresGrad(true),
				}
				switch name {
				case "Adam":
					return ps, NewAdam(ps, AdamConfig{LR: 0.01})
				case "Adam+wd":
					return ps, NewAdam(ps, AdamConfig{LR: 0.01, WeightDecay: 0.1})
				case "Adam maximize":
					return ps, NewAdam(ps, AdamConfig{LR: 0.01, Maximize: true})
				default:
					return ps, NewAdamW(ps, AdamWConfig{LR: 0.01, WeightDecay: 0.05})
				}
			}
			fused, optF := mk()
			plain, optP := mk()
			for step := 0; step < 5; step++ {
				for i := range fused {
					eager.ManualSeed(uint64(100 + 10*step + i))
					g := eager.Randn(fused[i].Shape()...).To(dt)
					fused[i].SetGrad(g)
					plain[i].SetGrad(g.Clone())
				}
				optF.Step()
				remove := eager.AddOpObserver(func(*eager.OpInfo, []*eager.Tensor, *eager.Tensor, []eager.Attr) {})
				optP.Step()
				remove()
				for i := range fused {
					a, b := fused[i].Float64s(), plain[i].Float64s()
					for j := range a {
						if math.Float64bits(a[j]) != math.Float64bits(b[j]) {
							t.Fatalf("%s %v step %d param %d [%d]: fused %v, separate ops %v", name, dt, step, i, j, a[j], b[j])
						}
					}
				}
			}
		}
	}
}
