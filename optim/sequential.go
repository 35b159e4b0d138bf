package optim

import "sort"

// SequentialLR runs schedulers one after another, switching at the milestones, as torch's
// SequentialLR: the usual way to put a warmup before a decay,
//
//	warm := optim.NewLinearLR(opt, 0.01, 1, 500)
//	decay := optim.NewCosineAnnealingLR(opt, 9500, 0)
//	sched := optim.NewSequentialLR(opt, []optim.Scheduler{warm, decay}, []int{500})
//
// At a milestone the next scheduler restarts from its own epoch 0 (using its closed form when
// it has one, as PyTorch does).
type SequentialLR struct {
	opt        Optimizer
	scheds     []chainable
	milestones []int
	lastEpoch  int
	lastLR     []float64
}

// NewSequentialLR returns a SequentialLR over schedulers, which must all drive opt and be
// built by this package; there must be one milestone fewer than schedulers. It resets the
// learning rates the schedulers' construction changed and starts the first one.
func NewSequentialLR(opt Optimizer, schedulers []Scheduler, milestones []int) *SequentialLR {
	const op = "optim.NewSequentialLR"
	cs := chainables(op, opt, schedulers)
	if len(milestones) != len(schedulers)-1 {
		fail(op, "expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers %d and the number of milestones to be equal to %d", len(schedulers), len(milestones))
	}
	if !sort.IntsAreSorted(milestones) {
		fail(op, "milestones %v must be increasing", milestones)
	}
	s := &SequentialLR{opt: opt, scheds: cs, milestones: append([]int(nil), milestones...)}
	for _, g := range opt.ParamGroups() {
		g.LR = g.InitialLR
	}
	for _, c := range cs {
		c.core().lastEpoch--
	}
	cs[0].core().initialStep()
	s.lastLR = cs[0].LastLR()
	return s
}

// chainables checks that schedulers are this package's and all drive opt.
func chainables(op string, opt Optimizer, schedulers []Scheduler) []chainable {
	if len(schedulers) == 0 {
		fail(op, "no schedulers")
	}
	cs := make([]chainable, len(schedulers))
	for i, sc := range schedulers {
		c, ok := sc.(chainable)
		if !ok {
			fail(op, "scheduler %d (%T) cannot be combined: use StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, LambdaLR, CosineAnnealingLR or OneCycleLR", i, sc)
		}
		if opt != nil && c.core().opt != opt {
			fail(op, "expects all schedulers to belong to the same optimizer, but got scheduler at index %d with a different optimizer", i)
		}
		cs[i] = c
	}
	return cs
}

// Step advances the schedule, switching scheduler at a milestone.
func (s *SequentialLR) Step() {
	s.lastEpoch++
	idx := sort.Search(len(s.milestones), func(i int) bool { return s.milestones[i] > s.lastEpoch })
	c := s.scheds[idx].core()
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		c.stepAt(0)
	} else {
		c.Step()
	}
	s.lastLR = c.LastLR()
}

// LastLR returns the learning rate of each group set by the last Step.
func (s *SequentialLR) LastLR() []float64 { return append([]float64(nil), s.lastLR...) }

// StateDict returns the progress of the sequence and of each scheduler in it.
func (s *SequentialLR) StateDict() SchedulerState {
	st := SchedulerState{LastEpoch: s.lastEpoch, LastLR: s.LastLR()}
	for _, c := range s.scheds {
		st.Children = append(st.Children, c.StateDict())
	}
	return st
}

// LoadStateDict restores progress saved by StateDict.
func (s *SequentialLR) LoadStateDict(st SchedulerState) {
	if len(st.Children) != len(s.scheds) {
		fail("optim.LoadStateDict", "state holds %d schedulers, the SequentialLR has %d", len(st.Children), len(s.scheds))
	}
	s.lastEpoch = st.LastEpoch
	s.lastLR = append([]float64(nil), st.LastLR...)
	for i, c := range s.scheds {
		c.LoadStateDict(st.Children[i])
	}
}

// ChainedScheduler steps several schedulers together, so that their effects multiply (torch's
// ChainedScheduler): e.g. a LinearLR warmup chained with an ExponentialLR decay.
type ChainedScheduler struct {
	scheds []chainable
	lastLR []float64
}

// NewChainedScheduler returns a ChainedScheduler over schedulers, which must drive the same
// optimizer and be built by this package.
func NewChainedScheduler(schedulers ...Scheduler) *ChainedScheduler {
	cs := chainables("optim.NewChainedScheduler", nil, schedulers)
	opt := cs[0].core().opt
	chainables("optim.NewChainedScheduler", opt, schedulers)
	s := &ChainedScheduler{scheds: cs}
	s.lastLR = cs[len(cs)-1].core().lrs()
	return s
}

// Step steps every scheduler, in order.
func (s *ChainedScheduler) Step() {
	for _, c := range s.scheds {
		c.Step()
	}
	s.lastLR = s.scheds[len(s.scheds)-1].core().lrs()
}

// LastLR returns the learning rate of each group after the last Step.
func (s *ChainedScheduler) LastLR() []float64 { return append([]float64(nil), s.lastLR...) }

// StateDict returns the progress of each scheduler.
func (s *ChainedScheduler) StateDict() SchedulerState {
	st := SchedulerState{LastLR: s.LastLR()}
	for _, c := range s.scheds {
		st.Children = append(st.Children, c.StateDict())
	}
	return st
}

// LoadStateDict restores progress saved by StateDict.
func (s *ChainedScheduler) LoadStateDict(st SchedulerState) {
	if len(st.Children) != len(s.scheds) {
		fail("optim.LoadStateDict", "state holds %d schedulers, the ChainedScheduler has %d", len(st.Children), len(s.scheds))
	}
	s.lastLR = append([]float64(nil), st.LastLR...)
	for i, c := range s.scheds {
		c.LoadStateDict(st.Children[i])
	}
}
