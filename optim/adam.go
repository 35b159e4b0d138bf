package optim

import (
	"math"

	"github.com/eagerml/eager"
)

// AdamConfig configures Adam. Zero values are PyTorch's defaults: LR 1e-3, Betas
// (0.9, 0.999), Eps 1e-8, WeightDecay 0. Betas of {0, 0} means the default; any other pair is
// used as given, so a zero beta1 is written Betas: [2]float64{0, 0.999}. An exact zero Eps
// can be set per group (Group.Eps) or on ParamGroups() after construction.
type AdamConfig struct {
	LR          float64
	Betas       [2]float64
	Eps         float64
	WeightDecay float64 // L2 penalty added to the gradient
	AMSGrad     bool    // use the running maximum of the second moment (AMSGrad)
	Maximize    bool    // ascend the objective instead of descending
	// Capturable keeps the step count in a tensor and computes the bias corrections with
	// tensor ops, as PyTorch's capturable=True, so that jit can compile Step (see Adam).
	Capturable bool
}

// AdamWConfig configures AdamW. Zero values are PyTorch's defaults: LR 1e-3, Betas
// (0.9, 0.999), Eps 1e-8 and WeightDecay 1e-2. For no weight decay in some group, set that
// group's WeightDecay to Ptr(0.0) (AdamW without decay anywhere is Adam).
type AdamWConfig struct {
	LR          float64
	Betas       [2]float64
	Eps         float64
	WeightDecay float64 // decoupled weight decay: p *= 1 - lr*weight_decay before the update
	AMSGrad     bool
	Maximize    bool
	Capturable  bool // see AdamConfig.Capturable
}

// Adam is the Adam optimizer (Kingma and Ba), optionally AMSGrad, following torch.optim.Adam.
// With step t, gradient g (plus weight_decay*p):
//
//	m = beta1*m + (1-beta1)*g
//	v = beta2*v + (1-beta2)*g*g
//	p = p - lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps)
//
// AdamW is the same type with decoupled weight decay.
//
// Step computes the bias corrections 1-beta1^t and sqrt(1-beta2^t) in float64 from the step
// count t. By default t is a Go number, so a step traced by jit would replay one step's
// corrections: Step tells the tracer so (eager.MarkGoStateDependent) and compiled training
// steps run eagerly. With Capturable, t is a float64 scalar tensor that Step advances in
// place and the corrections are tensor ops computing the same float64 values (math.Pow,
// IEEE division and square root), rounded to the parameter's dtype where the default path
// rounds them: the updates are bit-identical to the default's, and a training step with
// Step compiles whole (after the first step, which creates the state).
type Adam struct {
	base
	amsgrad, maximize, decoupled, capturable bool
}

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter), following
// torch.optim.AdamW: each step first scales p by 1 - lr*weight_decay.
type AdamW = Adam

func (c AdamConfig) defaults() Hyperparams {
	b := c.Betas
	if b == [2]float64{} {
		b = [2]float64{0.9, 0.999}
	}
	return Hyperparams{LR: orDefault(c.LR, 1e-3), Betas: b, Eps: orDefault(c.Eps, 1e-8), WeightDecay: c.WeightDecay}
}

var adamRules = groupRules{betas: true, eps: true, kind: beta1Momentum}
var adamBuffers = []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}

// NewAdam returns an Adam optimizer over params, all in one group.
func NewAdam(params []*eager.Tensor, cfg AdamConfig) *Adam {
	return newAdam("optim.NewAdam", singleGroup(params), cfg)
}

// NewAdamGroups returns an Adam optimizer over parameter groups; a group's nil fields take
// cfg's values.
func NewAdamGroups(groups []Group, cfg AdamConfig) *Adam {
	return newAdam("optim.NewAdamGroups", groups, cfg)
}

func newAdam(op string, groups []Group, cfg AdamConfig) *Adam {
	return &Adam{base: newBase(op, "Adam", groups, cfg.defaults(), adamRules, adamBuffers), amsgrad: cfg.AMSGrad, maximize: cfg.Maximize, capturable: cfg.Capturable}
}

// NewAdamW returns an AdamW optimizer over params, all in one group.
func NewAdamW(params []*eager.Tensor, cfg AdamWConfig) *AdamW {
	return newAdamW("optim.NewAdamW", singleGroup(params), cfg)
}

// NewAdamWGroups returns an AdamW optimizer over parameter groups; a group's nil fields take
// cfg's values.
func NewAdamWGroups(groups []Group, cfg AdamWConfig) *AdamW {
	return newAdamW("optim.NewAdamWGroups", groups, cfg)
}

func newAdamW(op string, groups []Group, cfg AdamWConfig) *AdamW {
	d := AdamConfig{LR: cfg.LR, Betas: cfg.Betas, Eps: cfg.Eps, WeightDecay: orDefault(cfg.WeightDecay, 1e-2)}.defaults()
	return &Adam{base: newBase(op, "AdamW", groups, d, adamRules, adamBuffers), amsgrad: cfg.AMSGrad, maximize: cfg.Maximize, decoupled: true, capturable: cfg.Capturable}
}

// Step applies one Adam (or AdamW) update to every parameter that has a gradient.
func (o *Adam) Step() {
	if !o.capturable {
		// The bias corrections are Go numbers computed from the step count: a recorded
		// graph would replay this step's values.
		eager.MarkGoStateDependent("optim.Adam's bias correction depends on the step count (use Capturable)")
	}
	o.each(func(g *ParamGroup, p, grad *eager.Tensor, s *paramState) {
		if s.bufs[0] == nil || (o.amsgrad && s.bufs[2] == nil) || (o.capturable && s.stepT == nil) {
			eager.MarkGoStateDependent("optim.Adam creates its state on the first step")
		}
		if s.bufs[0] == nil {
			s.bufs[0], s.bufs[1] = eager.ZerosLike(p), eager.ZerosLike(p)
		}
		if o.amsgrad && s.bufs[2] == nil {
			s.bufs[2] = eager.ZerosLike(p)
		}
		if o.capturable && s.stepT == nil {
			s.stepT = eager.FullOf(eager.Float64, float64(s.step))
		}
		m, v := s.bufs[0], s.bufs[1]
		if !o.capturable {
			s.step++
		}
		var d *eager.Tensor
		if o.decoupled {
			if g.WeightDecay != 0 {
				p.MulScalarInPlace(1 - g.LR*g.WeightDecay)
			}
			d, _ = effectiveGrad(p, grad, o.maximize, 0)
		} else {
			d, _ = effectiveGrad(p, grad, o.maximize, g.WeightDecay)
		}
		beta1, beta2 := g.Betas[0], g.Betas[1]
		// The bias corrections in Go, from the count as it is after this step (with
		// Capturable read from storage, not with Item: when ops are recorded the fused kernel
		// does not apply and the tensor path below computes them instead).
		t := float64(s.step)
		if o.capturable {
			st, off := eager.StorageData[float64](s.stepT)
			t = st[off] + 1
		}
		stepSize := g.LR / (1 - math.Pow(beta1, t))
		bc2Sqrt := math.Sqrt(1 - math.Pow(beta2, t))
		if !o.amsgrad && eager.FusedAdamStep(p, m, v, d, eager.AdamScalars{
			Beta1: beta1, Beta2: beta2, BiasCorrection2Sqrt: bc2Sqrt, Eps: g.Eps, StepSize: stepSize,
		}) {
			if o.capturable {
				s.stepT.AddScalarInPlace(1)
			}
			return
		}
		m.MulScalarInPlace(beta1).AddScaledInPlace(d, 1-beta1)
		v.MulScalarInPlace(beta2).AddcmulInPlace(d, d, 1-beta2)

		second := v
		if o.amsgrad {
			s.bufs[2].CopyFrom(s.bufs[2].Maximum(v))
			second = s.bufs[2]
		}
		if o.capturable {
			stepSizeT, bc2SqrtT := biasCorrections(s.stepT.AddScalarInPlace(1), beta1, beta2, g.LR)
			dt := p.DType()
			// In place on the fresh temporaries (the same values): while a jit trace runs
			// this path, two fewer parameter-sized buffers.
			denom := second.Sqrt().DivInPlace(bc2SqrtT.To(dt)).AddScalarInPlace(g.Eps)
			p.AddInPlace(m.Mul(stepSizeT.Neg().To(dt)).DivInPlace(denom))
			return
		}
		denom := second.Sqrt().DivScalarInPlace(bc2Sqrt).AddScalarInPlace(g.Eps)
		p.AddcdivInPlace(m, denom, -stepSize)
	})
}

// biasCorrections returns lr/(1-beta1^t) and sqrt(1-beta2^t) as float64 scalar tensors from
// the step count t (a float64 scalar tensor), computing what Step computes in Go.
func biasCorrections(t *eager.Tensor, beta1, beta2, lr float64) (stepSize, bc2Sqrt *eager.Tensor) {
	one := eager.FullOf(eager.Float64, 1)
	bc1 := one.Sub(eager.FullOf(eager.Float64, beta1).Pow(t))
	bc2 := one.Sub(eager.FullOf(eager.Float64, beta2).Pow(t))
	return eager.FullOf(eager.Float64, lr).Div(bc1), bc2.Sqrt()
}
