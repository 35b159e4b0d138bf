package optim

import (
	"math"
	"testing"

	"github.com/eagerml/eager"
)

// Capturable Adam (tensor step count, tensor bias corrections) gives the default Adam's
// bits, for every variant, in float32 and float64, with the fused kernel and with the
// separate ops, and reports the same step counts.
func TestAdamCapturableMatchesDefault(t *testing.T) {
	type variant struct {
		name string
		mk   func(ps []*eager.Tensor, capturable bool) *Adam
	}
	variants := []variant{
		{"adam", func(ps []*eager.Tensor, c bool) *Adam { return NewAdam(ps, AdamConfig{LR: 0.01, Capturable: c}) }},
		{"adam-wd-amsgrad-max", func(ps []*eager.Tensor, c bool) *Adam {
			return NewAdam(ps, AdamConfig{LR: 0.003, WeightDecay: 0.1, AMSGrad: true, Maximize: true, Betas: [2]float64{0.8, 0.99}, Capturable: c})
		}},
		{"adamw", func(ps []*eager.Tensor, c bool) *Adam { return NewAdamW(ps, AdamWConfig{LR: 0.02, Capturable: c}) }},
	}
	for _, dt := range []eager.DType{eager.Float32, eager.Float64} {
		for _, v := range variants {
			t.Run(v.name+"/"+dt.String(), func(t *testing.T) {
				eager.ManualSeed(5)
				mk := func() []*eager.Tensor {
					eager.ManualSeed(5)
					return []*eager.Tensor{eager.Randn(7, 3).To(dt).SetRequiresGrad(true), eager.Randn(3).To(dt).SetRequiresGrad(true)}
				}
				pa, pb := mk(), mk()
				oa, ob := v.mk(pa, false), v.mk(pb, true)
				for step := 0; step < 12; step++ {
					g := []*eager.Tensor{eager.Randn(7, 3).To(dt), eager.Randn(3).To(dt)}
					if step%2 == 1 { // a non-contiguous gradient: the separate ops, not the fused kernel
						g[0] = eager.Randn(3, 7).To(dt).T()
					}
					for i := range pa {
						pa[i].SetGrad(g[i]) // Adam reads gradients only
						pb[i].SetGrad(g[i])
					}
					if step == 5 { // a parameter without a gradient does not step
						pa[1].SetGrad(nil)
						pb[1].SetGrad(nil)
					}
					oa.Step()
					ob.Step()
					for i := range pa {
						x, y := pa[i].Float64s(), pb[i].Float64s()
						for j := range x {
							if math.Float64bits(x[j]) != math.Float64bits(y[j]) {
								t.Fatalf("step %d param %d[%d]: default %v, capturable %v", step, i, j, x[j], y[j])
							}
						}
					}
				}
				sa, sb := oa.StateDict(), ob.StateDict()
				for k, s := range sa.State {
					if sb.State[k].Step != s.Step {
						t.Fatalf("param %d: step %d, capturable %d", k, s.Step, sb.State[k].Step)
					}
				}
				// A capturable optimizer resumes from a state dict.
				ob.LoadStateDict(sa)
				oa.Step()
				ob.Step()
				if a, b := oa.StateDict().State[0].Step, ob.StateDict().State[0].Step; a != b || a != 13 {
					t.Fatalf("after load: steps %d and %d, want 13", a, b)
				}
			})
		}
	}
}
