package optim

import "github.com/eagerml/eager"

// SGDConfig configures SGD. Zero values are PyTorch's defaults, except LR, which PyTorch
// requires: NewSGD panics when LR is zero, unless every group sets its own.
type SGDConfig struct {
	LR          float64 // learning rate (required)
	Momentum    float64 // momentum factor (default 0: plain SGD)
	Dampening   float64 // dampening of the momentum (default 0)
	WeightDecay float64 // L2 penalty added to the gradient (default 0)
	Nesterov    bool    // Nesterov momentum; needs Momentum > 0 and Dampening = 0
	Maximize    bool    // ascend the objective instead of descending
}

// SGD is stochastic gradient descent with optional momentum, dampening, Nesterov momentum
// and weight decay, following torch.optim.SGD:
//
//	d = g + weight_decay*p
//	b = d (first step), else momentum*b + (1-dampening)*d
//	d = d + momentum*b (Nesterov), else b
//	p = p - lr*d
type SGD struct {
	base
	cfg SGDConfig
}

// NewSGD returns an SGD optimizer over params, all in one group.
func NewSGD(params []*eager.Tensor, cfg SGDConfig) *SGD {
	return newSGD("optim.NewSGD", singleGroup(params), cfg)
}

// NewSGDGroups returns an SGD optimizer over parameter groups; a group's nil fields take
// cfg's values.
func NewSGDGroups(groups []Group, cfg SGDConfig) *SGD {
	return newSGD("optim.NewSGDGroups", groups, cfg)
}

func newSGD(op string, groups []Group, cfg SGDConfig) *SGD {
	d := Hyperparams{LR: cfg.LR, Momentum: cfg.Momentum, WeightDecay: cfg.WeightDecay}
	for gi, g := range groups {
		if cfg.LR == 0 && g.LR == nil {
			fail(op, "SGD needs a learning rate: set SGDConfig.LR (or the LR of group %d)", gi)
		}
	}
	// As in PyTorch, the check reads the config, not the groups: a group with momentum 0
	// takes plain SGD steps.
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		fail(op, "Nesterov momentum requires a momentum and zero dampening (got momentum %v, dampening %v)", cfg.Momentum, cfg.Dampening)
	}
	return &SGD{base: newBase(op, "SGD", groups, d, groupRules{momentum: true, kind: sgdMomentum}, []string{"momentum_buffer"}), cfg: cfg}
}

// Step applies one SGD update to every parameter that has a gradient.
func (o *SGD) Step() {
	o.each(func(g *ParamGroup, p, grad *eager.Tensor, s *paramState) {
		d, owned := effectiveGrad(p, grad, o.cfg.Maximize, g.WeightDecay)
		if g.Momentum != 0 {
			buf := s.bufs[0]
			if buf == nil {
				eager.MarkGoStateDependent("optim.SGD creates its momentum buffers on the first step")
				buf = d.Clone()
				s.bufs[0] = buf
			} else {
				buf.MulScalarInPlace(g.Momentum).AddScaledInPlace(d, 1-o.cfg.Dampening)
			}
			if o.cfg.Nesterov {
				if !owned {
					d = d.Clone()
				}
				d.AddScaledInPlace(buf, g.Momentum)
			} else {
				d = buf
			}
		}
		p.AddScaledInPlace(d, -g.LR)
	})
}
