package optim

import "github.com/eagerml/eager"

// AdagradConfig configures Adagrad. Zero values are PyTorch's defaults: LR 1e-2, LRDecay 0,
// WeightDecay 0, InitialAccumulatorValue 0, Eps 1e-10.
type AdagradConfig struct {
	LR                      float64
	LRDecay                 float64 // the step size at step t is lr / (1 + (t-1)*lr_decay)
	WeightDecay             float64
	InitialAccumulatorValue float64 // start value of the sum of squared gradients
	Eps                     float64
	Maximize                bool
}

// Adagrad is the Adagrad optimizer (Duchi et al.), following torch.optim.Adagrad:
//
//	sum = sum + g*g
//	p = p - lr/(1+(t-1)*lr_decay) * g / (sqrt(sum) + eps)
type Adagrad struct {
	base
	lrDecay, initAcc float64
	maximize         bool
}

// NewAdagrad returns an Adagrad optimizer over params, all in one group.
func NewAdagrad(params []*eager.Tensor, cfg AdagradConfig) *Adagrad {
	return newAdagrad("optim.NewAdagrad", singleGroup(params), cfg)
}

// NewAdagradGroups returns an Adagrad optimizer over parameter groups; a group's nil fields
// take cfg's values.
func NewAdagradGroups(groups []Group, cfg AdagradConfig) *Adagrad {
	return newAdagrad("optim.NewAdagradGroups", groups, cfg)
}

func newAdagrad(op string, groups []Group, cfg AdagradConfig) *Adagrad {
	if cfg.LRDecay < 0 {
		fail(op, "invalid lr_decay value: %v", cfg.LRDecay)
	}
	if cfg.InitialAccumulatorValue < 0 {
		fail(op, "invalid initial_accumulator_value value: %v", cfg.InitialAccumulatorValue)
	}
	d := Hyperparams{LR: orDefault(cfg.LR, 1e-2), Eps: orDefault(cfg.Eps, 1e-10), WeightDecay: cfg.WeightDecay}
	o := &Adagrad{base: newBase(op, "Adagrad", groups, d, groupRules{eps: true}, []string{"sum"}), lrDecay: cfg.LRDecay, initAcc: cfg.InitialAccumulatorValue, maximize: cfg.Maximize}
	// PyTorch creates the accumulator at construction.
	for _, g := range o.groups {
		for _, p := range g.Params {
			o.stateOf(p).bufs[0] = eager.FullLike(p.Detach(), cfg.InitialAccumulatorValue)
		}
	}
	return o
}

// Step applies one Adagrad update to every parameter that has a gradient.
func (o *Adagrad) Step() {
	o.each(func(g *ParamGroup, p, grad *eager.Tensor, s *paramState) {
		if s.bufs[0] == nil { // a parameter added to a group after construction
			s.bufs[0] = eager.FullLike(p, o.initAcc)
		}
		s.step++
		if o.lrDecay != 0 {
			eager.MarkGoStateDependent("optim.Adagrad's decayed learning rate depends on the step count")
		}
		d, _ := effectiveGrad(p, grad, o.maximize, g.WeightDecay)
		clr := g.LR / (1 + float64(s.step-1)*o.lrDecay)
		sum := s.bufs[0]
		sum.AddcmulInPlace(d, d, 1)
		std := sum.Sqrt().AddScalarInPlace(g.Eps)
		p.AddcdivInPlace(d, std, -clr)
	})
}
