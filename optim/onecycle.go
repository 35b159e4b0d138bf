package optim

import "math"

// Anneal is how OneCycleLR moves between two values.
type Anneal uint8

const (
	// AnnealCos follows half a cosine (PyTorch's anneal_strategy='cos', the default).
	AnnealCos Anneal = iota
	// AnnealLinear moves in a straight line (anneal_strategy='linear').
	AnnealLinear
)

// OneCycleConfig configures OneCycleLR. Zero values are PyTorch's defaults: PctStart 0.3,
// AnnealCos, momentum cycled between BaseMomentum 0.85 and MaxMomentum 0.95, DivFactor 25,
// FinalDivFactor 1e4, two phases. Give either TotalSteps or Epochs and StepsPerEpoch.
type OneCycleConfig struct {
	MaxLR  float64   // peak learning rate of every group
	MaxLRs []float64 // per-group peak learning rates, instead of MaxLR

	TotalSteps            int // number of steps in the cycle
	Epochs, StepsPerEpoch int // alternatively: TotalSteps = Epochs*StepsPerEpoch

	PctStart       float64 // fraction of the cycle spent increasing the learning rate
	AnnealStrategy Anneal

	// NoCycleMomentum leaves the momentum alone (PyTorch's cycle_momentum=False). Otherwise
	// SGD's and RMSprop's Momentum, or Adam's and AdamW's beta1, moves inversely to the
	// learning rate, between BaseMomentum and MaxMomentum.
	NoCycleMomentum           bool
	BaseMomentum, MaxMomentum float64

	DivFactor      float64 // initial_lr = max_lr/DivFactor
	FinalDivFactor float64 // min_lr = initial_lr/FinalDivFactor
	ThreePhase     bool    // a third phase annihilates the rate; the first two are symmetric
}

// OneCycleLR is the 1cycle policy (Smith and Topin) of torch's OneCycleLR: the learning rate
// rises from max_lr/div_factor to max_lr over PctStart of the cycle, then falls to
// initial_lr/final_div_factor, while the momentum moves the other way. It is meant to be
// stepped after every batch, TotalSteps-1 times at most (the constructor takes the first
// step).
type OneCycleLR struct {
	sched
	totalSteps int
	phases     []phase
	anneal     func(start, end, pct float64) float64
	cycle      bool
}

// phase is one segment of the cycle, from the previous phase's end step to endStep.
type phase struct {
	endStep                    float64
	startLR, endLR             func(g *ParamGroup) float64
	startMomentum, endMomentum func(g *ParamGroup) float64
}

func initialLR(g *ParamGroup) float64    { return g.InitialLR }
func maxLR(g *ParamGroup) float64        { return g.MaxLR }
func minLR(g *ParamGroup) float64        { return g.MinLR }
func maxMomentum(g *ParamGroup) float64  { return g.MaxMomentum }
func baseMomentum(g *ParamGroup) float64 { return g.BaseMomentum }

// NewOneCycleLR returns a OneCycleLR on opt. It sets every group's InitialLR, MaxLR and MinLR
// (and MaxMomentum, BaseMomentum and the momentum when cycling it).
func NewOneCycleLR(opt Optimizer, cfg OneCycleConfig) *OneCycleLR {
	const op = "optim.NewOneCycleLR"
	if opt == nil {
		fail(op, "nil optimizer")
	}
	groups := opt.ParamGroups()
	total := cfg.TotalSteps
	switch {
	case total == 0 && cfg.Epochs == 0 && cfg.StepsPerEpoch == 0:
		fail(op, "you must define either TotalSteps or (Epochs and StepsPerEpoch)")
	case total < 0:
		fail(op, "expected positive integer TotalSteps, but got %d", total)
	case total == 0 && cfg.Epochs <= 0:
		fail(op, "expected positive integer Epochs, but got %d", cfg.Epochs)
	case total == 0 && cfg.StepsPerEpoch <= 0:
		fail(op, "expected positive integer StepsPerEpoch, but got %d", cfg.StepsPerEpoch)
	case total == 0:
		total = cfg.Epochs * cfg.StepsPerEpoch
	}
	pct := orDefault(cfg.PctStart, 0.3)
	if !(pct >= 0 && pct <= 1) {
		fail(op, "expected PctStart between 0 and 1, but got %v", pct)
	}
	s := &OneCycleLR{totalSteps: total, cycle: !cfg.NoCycleMomentum}
	switch cfg.AnnealStrategy {
	case AnnealCos:
		s.anneal = func(start, end, pct float64) float64 {
			return end + (start-end)/2.0*(math.Cos(math.Pi*pct)+1)
		}
	case AnnealLinear:
		s.anneal = func(start, end, pct float64) float64 { return (end-start)*pct + start }
	default:
		fail(op, "unknown anneal strategy %d: use AnnealCos or AnnealLinear", cfg.AnnealStrategy)
	}
	if cfg.ThreePhase {
		s.phases = []phase{
			{pct*float64(total) - 1, initialLR, maxLR, maxMomentum, baseMomentum},
			{2*pct*float64(total) - 2, maxLR, initialLR, baseMomentum, maxMomentum},
			{float64(total - 1), initialLR, minLR, maxMomentum, maxMomentum},
		}
	} else {
		s.phases = []phase{
			{pct*float64(total) - 1, initialLR, maxLR, maxMomentum, baseMomentum},
			{float64(total - 1), maxLR, minLR, baseMomentum, maxMomentum},
		}
	}

	maxLRs := cfg.MaxLRs
	if maxLRs == nil {
		if cfg.MaxLR <= 0 {
			fail(op, "MaxLR (or MaxLRs) must be set to a positive learning rate")
		}
		for range groups {
			maxLRs = append(maxLRs, cfg.MaxLR)
		}
	} else if len(maxLRs) != len(groups) {
		fail(op, "expected %d values for MaxLRs, got %d", len(groups), len(maxLRs))
	}
	div := orDefault(cfg.DivFactor, 25)
	finalDiv := orDefault(cfg.FinalDivFactor, 1e4)
	for i, g := range groups {
		g.InitialLR = maxLRs[i] / div
		g.MaxLR = maxLRs[i]
		g.MinLR = g.InitialLR / finalDiv
	}
	if s.cycle {
		maxM, baseM := orDefault(cfg.MaxMomentum, 0.95), orDefault(cfg.BaseMomentum, 0.85)
		for _, g := range groups {
			if g.kind == noMomentum {
				fail(op, "the optimizer must support momentum (SGD, RMSprop, Adam, AdamW) to cycle it; set NoCycleMomentum")
			}
			g.setMomentum(maxM)
			g.MaxMomentum, g.BaseMomentum = maxM, baseM
		}
	}
	s.start(op, opt, s.lr, nil)
	return s
}

// setMomentum sets the value OneCycleLR cycles: Momentum, or beta1.
func (g *ParamGroup) setMomentum(m float64) {
	if g.kind == beta1Momentum {
		g.Betas[0] = m
	} else {
		g.Momentum = m
	}
}

func (s *OneCycleLR) lr() []float64 {
	step := s.lastEpoch
	if step > s.totalSteps {
		s.stepCount--
		s.lastEpoch--
		fail("OneCycleLR.Step", "tried to step %d times; the specified number of total steps is %d", step+1, s.totalSteps)
	}
	groups := s.opt.ParamGroups()
	out := make([]float64, len(groups))
	for gi, g := range groups {
		start := 0.0
		for i, ph := range s.phases {
			if float64(step) <= ph.endStep || i == len(s.phases)-1 {
				pct := (float64(step) - start) / (ph.endStep - start)
				out[gi] = s.anneal(ph.startLR(g), ph.endLR(g), pct)
				if s.cycle {
					g.setMomentum(s.anneal(ph.startMomentum(g), ph.endMomentum(g), pct))
				}
				break
			}
			start = ph.endStep
		}
	}
	return out
}
