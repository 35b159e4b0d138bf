package optim

import (
	"fmt"
	"math"
	"sort"

	"github.com/eagerml/eager"
)

// Optimizer updates parameters from their gradients. Step applies one update to every
// parameter that has a gradient (parameters whose Grad() is nil are skipped, as in PyTorch);
// ZeroGrad clears the gradients (sets them to nil, PyTorch's set_to_none=True).
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient.
	Step()
	// ZeroGrad sets the gradient of every parameter to nil.
	ZeroGrad()
	// ParamGroups returns the parameter groups. Their hyperparameters may be changed between
	// steps; schedulers do so with LR (and OneCycleLR with Momentum or Betas[0]).
	ParamGroups() []*ParamGroup
	// StateDict returns a snapshot of the optimizer's state, for checkpoints.
	StateDict() *StateDict
	// LoadStateDict restores a state returned by StateDict of an optimizer of the same kind
	// over parameters of the same shapes, in the same groups.
	LoadStateDict(sd *StateDict)
}

// Hyperparams are the per-group hyperparameters that an optimizer reads at every step and
// that schedulers change. Fields an optimizer does not use stay zero.
type Hyperparams struct {
	LR          float64    // learning rate
	WeightDecay float64    // L2 penalty (Adam, SGD, RMSprop, Adagrad) or decoupled decay (AdamW)
	Momentum    float64    // momentum factor of SGD and RMSprop
	Betas       [2]float64 // moment decay rates of Adam and AdamW
	Eps         float64    // denominator term of Adam, AdamW, RMSprop and Adagrad

	// InitialLR is the learning rate a scheduler starts from (PyTorch's initial_lr); the
	// first scheduler attached to the optimizer sets it to LR when it is zero.
	InitialLR float64
	// MaxLR, MinLR, MaxMomentum and BaseMomentum are OneCycleLR's per-group bounds.
	MaxLR, MinLR, MaxMomentum, BaseMomentum float64
}

// ParamGroup is a set of parameters that share hyperparameters, as an entry of PyTorch's
// optimizer.param_groups.
type ParamGroup struct {
	Params []*eager.Tensor
	Hyperparams

	kind momentumKind // which field OneCycleLR cycles
}

// momentumKind says whether an optimizer's momentum is ParamGroup.Momentum or Betas[0].
type momentumKind uint8

const (
	noMomentum momentumKind = iota
	sgdMomentum
	beta1Momentum
)

// Group describes a parameter group for the New*Groups constructors: nil fields take the
// optimizer config's values. Use Ptr to set a field, including to zero:
//
//	optim.NewSGDGroups([]optim.Group{
//		{Params: weights},
//		{Params: biases, LR: optim.Ptr(0.01), WeightDecay: optim.Ptr(0.0)},
//	}, optim.SGDConfig{LR: 0.1, WeightDecay: 1e-4})
type Group struct {
	Params      []*eager.Tensor
	LR          *float64
	WeightDecay *float64
	Momentum    *float64    // SGD and RMSprop only
	Betas       *[2]float64 // Adam and AdamW only
	Eps         *float64    // all but SGD
}

// Ptr returns a pointer to v, for the optional fields of Group.
func Ptr[T any](v T) *T { return &v }

// StateDict is an optimizer's state in plain Go values: per-parameter state keyed by the
// parameter's index (counting through the groups in order), and each group's parameter
// indices and hyperparameters. Tensors are copies, so the snapshot does not change when
// the optimizer steps on.
type StateDict struct {
	State  map[int]*ParamState
	Groups []GroupState
}

// ParamState is one parameter's optimizer state: its step count and its buffers, named as in
// PyTorch ("momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg",
// "grad_avg", "sum").
type ParamState struct {
	Step    int64
	Buffers map[string]*eager.Tensor
}

// GroupState is a parameter group in a StateDict: parameter indices and hyperparameters.
type GroupState struct {
	Params []int
	Hyperparams
}

// paramState is the live state of one parameter: a step count and buffers indexed like
// base.bufNames (nil until created).
type paramState struct {
	step int64
	bufs []*eager.Tensor
	// stepT is the step count as a float64 scalar tensor, kept by capturable optimizers
	// (Adam with Capturable) instead of step so that a compiled step can advance it; when
	// set it is the count.
	stepT *eager.Tensor
}

// steps returns the step count.
func (s *paramState) steps() int64 {
	if s.stepT != nil {
		return int64(s.stepT.Item())
	}
	return s.step
}

// base holds what all optimizers share: groups, per-parameter state and the state-dict code.
type base struct {
	name     string
	groups   []*ParamGroup
	state    map[*eager.Tensor]*paramState
	bufNames []string
}

// fail panics with an *eager.Error for op, blaming the caller's line outside the library.
func fail(op, format string, args ...any) {
	panic(&eager.Error{Op: op, Msg: fmt.Sprintf(format, args...), Where: eager.CallerLocation()})
}

// groupRules says which Group overrides an optimizer accepts and the momentum kind.
type groupRules struct {
	momentum, betas, eps bool
	kind                 momentumKind
}

// newBase resolves groups against the defaults d, validates them and returns the base.
func newBase(op, name string, groups []Group, d Hyperparams, rules groupRules, bufNames []string) base {
	if len(groups) == 0 {
		fail(op, "optimizer got an empty parameter list")
	}
	b := base{name: name, state: map[*eager.Tensor]*paramState{}, bufNames: bufNames}
	seen := map[*eager.Tensor]bool{}
	for gi, g := range groups {
		if len(g.Params) == 0 {
			fail(op, "parameter group %d has no parameters", gi)
		}
		for pi, p := range g.Params {
			switch {
			case p == nil:
				fail(op, "parameter %d of group %d is nil", pi, gi)
			case !p.DType().IsFloat():
				fail(op, "can only optimize floating-point tensors, but parameter %d of group %d is %v", pi, gi, p.DType())
			case !p.IsLeaf():
				fail(op, "can't optimize a non-leaf tensor (parameter %d of group %d was produced by %s)", pi, gi, p.GradFn())
			case seen[p]:
				fail(op, "some parameters appear in more than one parameter group (parameter %d of group %d)", pi, gi)
			}
			seen[p] = true
		}
		h := d
		if g.LR != nil {
			h.LR = *g.LR
		}
		if g.WeightDecay != nil {
			h.WeightDecay = *g.WeightDecay
		}
		if g.Momentum != nil {
			if !rules.momentum {
				fail(op, "group %d sets Momentum, which %s does not use%s", gi, name, betasHint(rules))
			}
			h.Momentum = *g.Momentum
		}
		if g.Betas != nil {
			if !rules.betas {
				fail(op, "group %d sets Betas, which %s does not use", gi, name)
			}
			h.Betas = *g.Betas
		}
		if g.Eps != nil {
			if !rules.eps {
				fail(op, "group %d sets Eps, which %s does not use", gi, name)
			}
			h.Eps = *g.Eps
		}
		checkHyper(op, gi, h)
		b.groups = append(b.groups, &ParamGroup{Params: append([]*eager.Tensor(nil), g.Params...), Hyperparams: h, kind: rules.kind})
	}
	return b
}

func betasHint(r groupRules) string {
	if r.betas {
		return " (set Betas[0] instead)"
	}
	return ""
}

// checkHyper rejects the values PyTorch's constructors reject.
func checkHyper(op string, gi int, h Hyperparams) {
	check := func(name string, v float64) {
		if v < 0 || math.IsNaN(v) {
			fail(op, "invalid %s %v in group %d: must be >= 0", name, v, gi)
		}
	}
	check("learning rate", h.LR)
	check("weight_decay", h.WeightDecay)
	check("momentum", h.Momentum)
	check("epsilon", h.Eps)
	for i, beta := range h.Betas {
		if !(beta >= 0 && beta < 1) {
			fail(op, "invalid beta parameter at index %d in group %d: %v is not in [0, 1)", i, gi, beta)
		}
	}
}

// ParamGroups returns the optimizer's parameter groups.
func (b *base) ParamGroups() []*ParamGroup { return b.groups }

// ZeroGrad sets the gradient of every parameter to nil.
func (b *base) ZeroGrad() {
	for _, g := range b.groups {
		for _, p := range g.Params {
			p.ZeroGrad()
		}
	}
}

// stateOf returns p's state, creating it empty.
func (b *base) stateOf(p *eager.Tensor) *paramState {
	s := b.state[p]
	if s == nil {
		s = &paramState{bufs: make([]*eager.Tensor, len(b.bufNames))}
		b.state[p] = s
	}
	return s
}

// StateDict returns a snapshot of the optimizer's state.
func (b *base) StateDict() *StateDict {
	sd := &StateDict{State: map[int]*ParamState{}}
	idx := 0
	for _, g := range b.groups {
		gs := GroupState{Hyperparams: g.Hyperparams}
		for _, p := range g.Params {
			gs.Params = append(gs.Params, idx)
			if s := b.state[p]; s != nil {
				ps := &ParamState{Step: s.steps(), Buffers: map[string]*eager.Tensor{}}
				for i, t := range s.bufs {
					if t != nil {
						ps.Buffers[b.bufNames[i]] = t.Detach().Clone()
					}
				}
				sd.State[idx] = ps
			}
			idx++
		}
		sd.Groups = append(sd.Groups, gs)
	}
	return sd
}

// LoadStateDict restores a snapshot taken by StateDict. The groups must have the same sizes;
// buffers must match their parameters' shapes and are converted to their dtypes.
func (b *base) LoadStateDict(sd *StateDict) {
	const op = "optim.LoadStateDict"
	if sd == nil {
		fail(op, "nil state dict")
	}
	if len(sd.Groups) != len(b.groups) {
		fail(op, "loaded state dict has %d parameter groups, the %s optimizer has %d", len(sd.Groups), b.name, len(b.groups))
	}
	byIndex := map[int]*eager.Tensor{}
	for gi, g := range b.groups {
		if len(sd.Groups[gi].Params) != len(g.Params) {
			fail(op, "loaded state dict contains a parameter group %d of %d parameters, which doesn't match the size (%d) of the optimizer's group", gi, len(sd.Groups[gi].Params), len(g.Params))
		}
		for i, id := range sd.Groups[gi].Params {
			byIndex[id] = g.Params[i]
		}
	}
	names := map[string]int{}
	for i, n := range b.bufNames {
		names[n] = i
	}
	state := map[*eager.Tensor]*paramState{}
	keys := make([]int, 0, len(sd.State))
	for k := range sd.State {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, id := range keys {
		ps := sd.State[id]
		p, ok := byIndex[id]
		if !ok {
			fail(op, "state for parameter %d, which is in no parameter group", id)
		}
		if ps == nil {
			continue
		}
		s := &paramState{step: ps.Step, bufs: make([]*eager.Tensor, len(b.bufNames))}
		for name, t := range ps.Buffers {
			i, ok := names[name]
			if !ok {
				fail(op, "unknown %s state %q for parameter %d", b.name, name, id)
			}
			if t == nil {
				continue
			}
			if !sameShape(t.Shape(), p.Shape()) {
				fail(op, "state %q of parameter %d has shape %v, the parameter has shape %v", name, id, t.Shape(), p.Shape())
			}
			s.bufs[i] = t.Detach().To(p.DType()).Clone()
		}
		state[p] = s
	}
	for gi, g := range b.groups {
		g.Hyperparams = sd.Groups[gi].Hyperparams
	}
	b.state = state
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// singleGroup wraps a parameter list as the one group of the New* constructors.
func singleGroup(params []*eager.Tensor) []Group {
	if len(params) == 0 {
		return nil
	}
	return []Group{{Params: params}}
}

// each calls fn for every parameter that has a gradient, with the gradient
// (detached) and the parameter's state. Updates run inside NoGrad.
func (b *base) each(fn func(g *ParamGroup, p, grad *eager.Tensor, s *paramState)) {
	eager.NoGrad(func() {
		for _, g := range b.groups {
			for _, p := range g.Params {
				grad := p.BorrowGrad()
				if grad == nil {
					continue
				}
				fn(g, p.Detach(), grad.Detach(), b.stateOf(p))
			}
		}
	})
}

// effectiveGrad returns PyTorch's d_p: the gradient, negated when maximizing, plus
// weightDecay*p. It copies only when it has to change the gradient.
func effectiveGrad(p, grad *eager.Tensor, maximize bool, weightDecay float64) (d *eager.Tensor, owned bool) {
	d = grad
	if maximize {
		d, owned = grad.Neg(), true
	}
	if weightDecay != 0 {
		if !owned {
			d, owned = d.Clone(), true
		}
		d.AddScaledInPlace(p, weightDecay)
	}
	return d, owned
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

var (
	_ Optimizer = (*SGD)(nil)
	_ Optimizer = (*Adam)(nil)
	_ Optimizer = (*RMSprop)(nil)
	_ Optimizer = (*Adagrad)(nil)

	_ Scheduler = (*StepLR)(nil)
	_ Scheduler = (*MultiStepLR)(nil)
	_ Scheduler = (*ExponentialLR)(nil)
	_ Scheduler = (*ConstantLR)(nil)
	_ Scheduler = (*LinearLR)(nil)
	_ Scheduler = (*LambdaLR)(nil)
	_ Scheduler = (*CosineAnnealingLR)(nil)
	_ Scheduler = (*OneCycleLR)(nil)
	_ Scheduler = (*SequentialLR)(nil)
	_ Scheduler = (*ChainedScheduler)(nil)
)
