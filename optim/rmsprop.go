package optim

import "github.com/eagerml/eager"

// RMSpropConfig configures RMSprop. Zero values are PyTorch's defaults: LR 1e-2, Alpha 0.99,
// Eps 1e-8, Momentum 0, WeightDecay 0 (Alpha cannot be set to exactly zero).
type RMSpropConfig struct {
	LR          float64
	Alpha       float64 // smoothing constant of the squared-gradient average
	Eps         float64
	WeightDecay float64
	Momentum    float64
	Centered    bool // normalize by an estimate of the gradient's variance
	Maximize    bool
}

// RMSprop is the RMSprop optimizer (Hinton), following torch.optim.RMSprop:
//
//	v = alpha*v + (1-alpha)*g*g
//	avg = sqrt(v - ga*ga) + eps (centered, ga = alpha*ga + (1-alpha)*g), else sqrt(v) + eps
//	b = momentum*b + g/avg; p = p - lr*b (momentum > 0), else p = p - lr*g/avg
type RMSprop struct {
	base
	alpha              float64
	centered, maximize bool
}

// NewRMSprop returns an RMSprop optimizer over params, all in one group.
func NewRMSprop(params []*eager.Tensor, cfg RMSpropConfig) *RMSprop {
	return newRMSprop("optim.NewRMSprop", singleGroup(params), cfg)
}

// NewRMSpropGroups returns an RMSprop optimizer over parameter groups; a group's nil fields
// take cfg's values.
func NewRMSpropGroups(groups []Group, cfg RMSpropConfig) *RMSprop {
	return newRMSprop("optim.NewRMSpropGroups", groups, cfg)
}

func newRMSprop(op string, groups []Group, cfg RMSpropConfig) *RMSprop {
	if cfg.Alpha < 0 {
		fail(op, "invalid alpha value: %v", cfg.Alpha)
	}
	d := Hyperparams{LR: orDefault(cfg.LR, 1e-2), Eps: orDefault(cfg.Eps, 1e-8), WeightDecay: cfg.WeightDecay, Momentum: cfg.Momentum}
	b := newBase(op, "RMSprop", groups, d, groupRules{momentum: true, eps: true, kind: sgdMomentum}, []string{"square_avg", "momentum_buffer", "grad_avg"})
	return &RMSprop{base: b, alpha: orDefault(cfg.Alpha, 0.99), centered: cfg.Centered, maximize: cfg.Maximize}
}

// Step applies one RMSprop update to every parameter that has a gradient.
func (o *RMSprop) Step() {
	o.each(func(g *ParamGroup, p, grad *eager.Tensor, s *paramState) {
		if s.bufs[0] == nil {
			eager.MarkGoStateDependent("optim.RMSprop creates its state buffers on the first step")
			s.bufs[0] = eager.ZerosLike(p)
		}
		if g.Momentum > 0 && s.bufs[1] == nil {
			s.bufs[1] = eager.ZerosLike(p)
		}
		if o.centered && s.bufs[2] == nil {
			s.bufs[2] = eager.ZerosLike(p)
		}
		s.step++
		d, _ := effectiveGrad(p, grad, o.maximize, g.WeightDecay)
		sq := s.bufs[0]
		sq.MulScalarInPlace(o.alpha).AddcmulInPlace(d, d, 1-o.alpha)
		var avg *eager.Tensor
		if o.centered {
			ga := s.bufs[2]
			ga.MulScalarInPlace(o.alpha).AddScaledInPlace(d, 1-o.alpha)
			avg = sq.Clone().AddcmulInPlace(ga, ga, -1).Sqrt()
		} else {
			avg = sq.Sqrt()
		}
		avg.AddScalarInPlace(g.Eps)
		if g.Momentum > 0 {
			buf := s.bufs[1]
			buf.MulScalarInPlace(g.Momentum).AddcdivInPlace(d, avg, 1)
			p.AddScaledInPlace(buf, -g.LR)
		} else {
			p.AddcdivInPlace(d, avg, -g.LR)
		}
	})
}
