package optim

import (
	"math"
	"sort"
)

// Scheduler changes the learning rates of an optimizer's parameter groups as training
// proceeds. Call Step once after each optimizer step (or epoch, depending on the schedule),
// as in PyTorch. Constructing a scheduler already sets the first learning rate.
//
// The schedulers follow PyTorch 1.13's torch.optim.lr_scheduler, including its recursive
// ("chainable") formulas, so that their learning rates match PyTorch's to float64 rounding
// and they compose the same way: a scheduler multiplies the group's current LR, so that two
// schedulers on one optimizer (ChainedScheduler) multiply their effects.
type Scheduler interface {
	// Step advances the schedule by one step and sets the groups' learning rates.
	Step()
	// LastLR returns the learning rate of each group set by the last Step.
	LastLR() []float64
	// StateDict returns the scheduler's progress, for checkpoints.
	StateDict() SchedulerState
	// LoadStateDict restores progress saved by StateDict on a scheduler built the same way.
	LoadStateDict(st SchedulerState)
}

// SchedulerState is a scheduler's progress in plain Go values. The schedule's settings
// (gamma, milestones, ...) are not part of it: build the scheduler again with the same
// settings, load the optimizer's state, then the scheduler's.
type SchedulerState struct {
	LastEpoch int
	StepCount int
	BaseLRs   []float64
	LastLR    []float64
	Children  []SchedulerState // the wrapped schedulers of SequentialLR and ChainedScheduler
}

// sched is the state and stepping logic shared by the schedulers (PyTorch's _LRScheduler).
type sched struct {
	opt       Optimizer
	baseLRs   []float64
	lastEpoch int
	stepCount int
	lastLR    []float64
	getLR     func() []float64 // the chainable formula, from the groups' current LRs
	closed    func() []float64 // the closed form from baseLRs, or nil
}

// chainable is implemented by the schedulers built on sched, which SequentialLR and
// ChainedScheduler can drive.
type chainable interface {
	Scheduler
	core() *sched
}

func (s *sched) core() *sched { return s }

// start attaches the schedule to opt and takes the initial step, as _LRScheduler.__init__.
func (s *sched) start(op string, opt Optimizer, getLR, closed func() []float64) {
	if opt == nil {
		fail(op, "nil optimizer")
	}
	s.opt, s.getLR, s.closed = opt, getLR, closed
	for _, g := range opt.ParamGroups() {
		if g.InitialLR == 0 {
			g.InitialLR = g.LR
		}
		s.baseLRs = append(s.baseLRs, g.InitialLR)
	}
	s.lastEpoch = -1
	s.initialStep()
}

func (s *sched) initialStep() {
	s.stepCount = 0
	s.Step()
}

// Step advances the schedule by one step.
func (s *sched) Step() {
	s.stepCount++
	s.lastEpoch++
	s.apply(s.getLR())
}

// stepAt jumps to epoch using the closed form when there is one (PyTorch's step(epoch)).
func (s *sched) stepAt(epoch int) {
	s.stepCount++
	s.lastEpoch = epoch
	if s.closed != nil {
		s.apply(s.closed())
	} else {
		s.apply(s.getLR())
	}
}

func (s *sched) apply(lrs []float64) {
	groups := s.opt.ParamGroups()
	s.lastLR = make([]float64, len(groups))
	for i, g := range groups {
		g.LR = lrs[i]
		s.lastLR[i] = g.LR
	}
}

// LastLR returns the learning rate of each group set by the last step.
func (s *sched) LastLR() []float64 { return append([]float64(nil), s.lastLR...) }

// StateDict returns the scheduler's progress.
func (s *sched) StateDict() SchedulerState {
	return SchedulerState{LastEpoch: s.lastEpoch, StepCount: s.stepCount,
		BaseLRs: append([]float64(nil), s.baseLRs...), LastLR: s.LastLR()}
}

// LoadStateDict restores progress saved by StateDict.
func (s *sched) LoadStateDict(st SchedulerState) {
	if len(st.BaseLRs) != len(s.baseLRs) {
		fail("optim.LoadStateDict", "scheduler state has %d base learning rates, the optimizer has %d parameter groups", len(st.BaseLRs), len(s.baseLRs))
	}
	s.lastEpoch, s.stepCount = st.LastEpoch, st.StepCount
	s.baseLRs = append([]float64(nil), st.BaseLRs...)
	s.lastLR = append([]float64(nil), st.LastLR...)
}

// lrs returns the groups' current learning rates.
func (s *sched) lrs() []float64 {
	groups := s.opt.ParamGroups()
	out := make([]float64, len(groups))
	for i, g := range groups {
		out[i] = g.LR
	}
	return out
}

// scaled returns the groups' current learning rates times f.
func (s *sched) scaled(f float64) []float64 {
	out := s.lrs()
	for i := range out {
		out[i] *= f
	}
	return out
}

// fromBase returns f(base_lr) for each group.
func (s *sched) fromBase(f func(base float64) float64) []float64 {
	out := make([]float64, len(s.baseLRs))
	for i, b := range s.baseLRs {
		out[i] = f(b)
	}
	return out
}

// StepLR multiplies the learning rate by Gamma every StepSize steps (torch's StepLR).
type StepLR struct {
	sched
	stepSize int
	gamma    float64
}

// NewStepLR returns a StepLR: lr = base_lr * gamma^(epoch / stepSize). PyTorch's default
// gamma is 0.1.
func NewStepLR(opt Optimizer, stepSize int, gamma float64) *StepLR {
	if stepSize <= 0 {
		fail("optim.NewStepLR", "step size must be positive, got %d", stepSize)
	}
	s := &StepLR{stepSize: stepSize, gamma: gamma}
	s.start("optim.NewStepLR", opt, func() []float64 {
		if s.lastEpoch == 0 || s.lastEpoch%s.stepSize != 0 {
			return s.lrs()
		}
		return s.scaled(s.gamma)
	}, func() []float64 {
		return s.fromBase(func(b float64) float64 { return b * math.Pow(s.gamma, float64(floorDiv(s.lastEpoch, s.stepSize))) })
	})
	return s
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// MultiStepLR multiplies the learning rate by Gamma at each milestone (torch's MultiStepLR);
// a milestone listed twice multiplies twice.
type MultiStepLR struct {
	sched
	milestones []int
	gamma      float64
}

// NewMultiStepLR returns a MultiStepLR with the given milestones (step indices). PyTorch's
// default gamma is 0.1.
func NewMultiStepLR(opt Optimizer, milestones []int, gamma float64) *MultiStepLR {
	ms := append([]int(nil), milestones...)
	sort.Ints(ms)
	s := &MultiStepLR{milestones: ms, gamma: gamma}
	s.start("optim.NewMultiStepLR", opt, func() []float64 {
		n := 0
		for _, m := range s.milestones {
			if m == s.lastEpoch {
				n++
			}
		}
		if n == 0 {
			return s.lrs()
		}
		return s.scaled(math.Pow(s.gamma, float64(n)))
	}, func() []float64 {
		n := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > s.lastEpoch })
		return s.fromBase(func(b float64) float64 { return b * math.Pow(s.gamma, float64(n)) })
	})
	return s
}

// ExponentialLR multiplies the learning rate by Gamma every step (torch's ExponentialLR).
type ExponentialLR struct {
	sched
	gamma float64
}

// NewExponentialLR returns an ExponentialLR: lr = base_lr * gamma^epoch.
func NewExponentialLR(opt Optimizer, gamma float64) *ExponentialLR {
	s := &ExponentialLR{gamma: gamma}
	s.start("optim.NewExponentialLR", opt, func() []float64 {
		if s.lastEpoch == 0 {
			return s.lrs()
		}
		return s.scaled(s.gamma)
	}, func() []float64 {
		return s.fromBase(func(b float64) float64 { return b * math.Pow(s.gamma, float64(s.lastEpoch)) })
	})
	return s
}

// ConstantLR multiplies the learning rate by Factor until step TotalIters (torch's
// ConstantLR).
type ConstantLR struct {
	sched
	factor     float64
	totalIters int
}

// NewConstantLR returns a ConstantLR. PyTorch's defaults are factor 1/3 and totalIters 5.
func NewConstantLR(opt Optimizer, factor float64, totalIters int) *ConstantLR {
	if !(factor >= 0 && factor <= 1) {
		fail("optim.NewConstantLR", "constant multiplicative factor expected to be between 0 and 1, got %v", factor)
	}
	s := &ConstantLR{factor: factor, totalIters: totalIters}
	s.start("optim.NewConstantLR", opt, func() []float64 {
		switch {
		case s.lastEpoch == 0:
			return s.scaled(s.factor)
		case s.lastEpoch != s.totalIters:
			return s.lrs()
		}
		return s.scaled(1.0 / s.factor)
	}, func() []float64 {
		return s.fromBase(func(b float64) float64 {
			if s.lastEpoch >= s.totalIters {
				return b * (s.factor + (1 - s.factor))
			}
			return b * s.factor
		})
	})
	return s
}

// LinearLR scales the learning rate by a factor that moves linearly from StartFactor to
// EndFactor over TotalIters steps: the usual linear warmup (torch's LinearLR).
type LinearLR struct {
	sched
	start, end float64
	totalIters int
}

// NewLinearLR returns a LinearLR. PyTorch's defaults are startFactor 1/3, endFactor 1 and
// totalIters 5. A warmup from 1% to the full rate over 1000 steps is
// NewLinearLR(opt, 0.01, 1, 1000).
func NewLinearLR(opt Optimizer, startFactor, endFactor float64, totalIters int) *LinearLR {
	const op = "optim.NewLinearLR"
	if !(startFactor > 0 && startFactor <= 1) {
		fail(op, "starting multiplicative factor expected to be in (0, 1], got %v", startFactor)
	}
	if !(endFactor >= 0 && endFactor <= 1) {
		fail(op, "ending multiplicative factor expected to be between 0 and 1, got %v", endFactor)
	}
	if totalIters <= 0 {
		fail(op, "total_iters must be positive, got %d", totalIters)
	}
	s := &LinearLR{start: startFactor, end: endFactor, totalIters: totalIters}
	s.sched.start(op, opt, func() []float64 {
		switch {
		case s.lastEpoch == 0:
			return s.scaled(s.start)
		case s.lastEpoch > s.totalIters:
			return s.lrs()
		}
		return s.scaled(1. + (s.end-s.start)/(float64(s.totalIters)*s.start+float64(s.lastEpoch-1)*(s.end-s.start)))
	}, func() []float64 {
		return s.fromBase(func(b float64) float64 {
			return b * (s.start + (s.end-s.start)*float64(min(s.totalIters, s.lastEpoch))/float64(s.totalIters))
		})
	})
	return s
}

// LambdaLR sets the learning rate to base_lr * fn(epoch) (torch's LambdaLR).
type LambdaLR struct {
	sched
	fns []func(epoch int) float64
}

// NewLambdaLR returns a LambdaLR with one function for all groups, or one per group.
func NewLambdaLR(opt Optimizer, fns ...func(epoch int) float64) *LambdaLR {
	const op = "optim.NewLambdaLR"
	if opt == nil {
		fail(op, "nil optimizer")
	}
	n := len(opt.ParamGroups())
	switch len(fns) {
	case 1:
		for len(fns) < n {
			fns = append(fns, fns[0])
		}
	case n:
	default:
		fail(op, "expected 1 or %d lr lambdas, got %d", n, len(fns))
	}
	s := &LambdaLR{fns: fns}
	s.start(op, opt, func() []float64 {
		out := make([]float64, len(s.baseLRs))
		for i, b := range s.baseLRs {
			out[i] = b * s.fns[i](s.lastEpoch)
		}
		return out
	}, nil)
	return s
}

// CosineAnnealingLR anneals the learning rate from base_lr to EtaMin along a half cosine
// over TMax steps, then back up, periodically (torch's CosineAnnealingLR, without restarts).
type CosineAnnealingLR struct {
	sched
	tMax   int
	etaMin float64
}

// NewCosineAnnealingLR returns a CosineAnnealingLR. Its values are those of PyTorch's
// recursive formula, which equal the closed form
// eta_min + (base_lr - eta_min)*(1 + cos(pi*epoch/tMax))/2 up to rounding when nothing else
// changes the learning rate.
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) *CosineAnnealingLR {
	if tMax <= 0 {
		fail("optim.NewCosineAnnealingLR", "T_max must be positive, got %d", tMax)
	}
	s := &CosineAnnealingLR{tMax: tMax, etaMin: etaMin}
	T := float64(tMax)
	s.start("optim.NewCosineAnnealingLR", opt, func() []float64 {
		e := s.lastEpoch
		switch {
		case e == 0:
			return s.lrs()
		case s.stepCount == 1 && e > 0:
			return s.fromBase(func(b float64) float64 {
				return s.etaMin + (b-s.etaMin)*(1+math.Cos(float64(e)*math.Pi/T))/2
			})
		case (e-1-s.tMax)%(2*s.tMax) == 0:
			out := s.lrs()
			for i := range out {
				out[i] = out[i] + (s.baseLRs[i]-s.etaMin)*(1-math.Cos(math.Pi/T))/2
			}
			return out
		}
		out := s.lrs()
		for i := range out {
			out[i] = (1+math.Cos(math.Pi*float64(e)/T))/(1+math.Cos(math.Pi*float64(e-1)/T))*(out[i]-s.etaMin) + s.etaMin
		}
		return out
	}, func() []float64 {
		return s.fromBase(func(b float64) float64 {
			return s.etaMin + (b-s.etaMin)*(1+math.Cos(math.Pi*float64(s.lastEpoch)/T))/2
		})
	})
	return s
}
