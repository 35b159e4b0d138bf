package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/eagerml/eager"
)

// The fixtures in testdata/optim.json come from ../testdata/gen/optim.py (PyTorch 1.13).

type encTensor struct {
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
	Data  []any  `json:"data"`
}

func (e *encTensor) values() []float64 {
	out := make([]float64, len(e.Data))
	for i, v := range e.Data {
		switch v := v.(type) {
		case float64:
			out[i] = v
		case string:
			switch v {
			case "nan":
				out[i] = math.NaN()
			case "inf":
				out[i] = math.Inf(1)
			case "-inf":
				out[i] = math.Inf(-1)
			}
		}
	}
	return out
}

func (e *encTensor) tensor() *eager.Tensor {
	v := e.values()
	switch e.DType {
	case "float64":
		return eager.FromSlice(v, e.Shape...)
	case "float32":
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return eager.FromSlice(f, e.Shape...)
	}
	panic("unexpected dtype " + e.DType)
}

type optCase struct {
	Name       string           `json:"name"`
	Optim      string           `json:"optim"`
	Config     map[string]any   `json:"config"`
	Groups     []map[string]any `json:"groups"`
	Params     []*encTensor     `json:"params"`
	Grads      [][]*encTensor   `json:"grads"`
	Trajectory [][]*encTensor   `json:"trajectory"`
}

type schedCase struct {
	Name        string         `json:"name"`
	Optim       string         `json:"optim"`
	OptimConfig map[string]any `json:"optim_config"`
	GroupLRs    []float64      `json:"group_lrs"`
	Config      map[string]any `json:"config"`
	LRs         [][]float64    `json:"lrs"`
	Momentum    [][]float64    `json:"momentum"`
}

type clipCase struct {
	Kind      string       `json:"kind"`
	NormType  any          `json:"norm_type"`
	MaxNorm   float64      `json:"max_norm"`
	ClipValue float64      `json:"clip_value"`
	Grads     []*encTensor `json:"grads"`
	TotalNorm float64      `json:"total_norm"`
	Clipped   []*encTensor `json:"clipped"`
}

type fixtures struct {
	TorchVersion string      `json:"torch_version"`
	Optimizers   []optCase   `json:"optimizers"`
	Schedulers   []schedCase `json:"schedulers"`
	Clip         []clipCase  `json:"clip"`
}

func loadFixtures(t *testing.T) *fixtures {
	t.Helper()
	raw, err := os.ReadFile("testdata/optim.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixtures
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

// cfg reads typed values out of a fixture's keyword config.
type cfg map[string]any

func (c cfg) f(key string) float64 {
	if v, ok := c[key].(float64); ok {
		return v
	}
	return 0
}

func (c cfg) has(key string) bool { _, ok := c[key]; return ok }

func (c cfg) b(key string) bool { v, _ := c[key].(bool); return v }

func (c cfg) i(key string) int { return int(c.f(key)) }

func (c cfg) betas(key string) [2]float64 {
	v, ok := c[key].([]any)
	if !ok {
		return [2]float64{}
	}
	return [2]float64{v[0].(float64), v[1].(float64)}
}

func (c cfg) ints(key string) []int {
	var out []int
	for _, v := range c[key].([]any) {
		out = append(out, int(v.(float64)))
	}
	return out
}

// buildOptimizer constructs the Go optimizer a fixture describes over params.
func buildOptimizer(t *testing.T, name string, config cfg, groupSpecs []map[string]any, params []*eager.Tensor) Optimizer {
	t.Helper()
	var groups []Group
	for _, gs := range groupSpecs {
		g := Group{}
		for _, i := range gs["params"].([]any) {
			g.Params = append(g.Params, params[int(i.(float64))])
		}
		c := cfg(gs)
		if c.has("lr") {
			g.LR = Ptr(c.f("lr"))
		}
		if c.has("weight_decay") {
			g.WeightDecay = Ptr(c.f("weight_decay"))
		}
		if c.has("momentum") {
			g.Momentum = Ptr(c.f("momentum"))
		}
		if c.has("betas") {
			g.Betas = Ptr(c.betas("betas"))
		}
		if c.has("eps") {
			g.Eps = Ptr(c.f("eps"))
		}
		groups = append(groups, g)
	}
	if groups == nil {
		groups = []Group{{Params: params}}
	}
	switch name {
	case "SGD":
		return NewSGDGroups(groups, SGDConfig{LR: config.f("lr"), Momentum: config.f("momentum"), Dampening: config.f("dampening"),
			WeightDecay: config.f("weight_decay"), Nesterov: config.b("nesterov"), Maximize: config.b("maximize")})
	case "Adam":
		return NewAdamGroups(groups, AdamConfig{LR: config.f("lr"), Betas: config.betas("betas"), Eps: config.f("eps"),
			WeightDecay: config.f("weight_decay"), AMSGrad: config.b("amsgrad"), Maximize: config.b("maximize")})
	case "AdamW":
		return NewAdamWGroups(groups, AdamWConfig{LR: config.f("lr"), Betas: config.betas("betas"), Eps: config.f("eps"),
			WeightDecay: config.f("weight_decay"), AMSGrad: config.b("amsgrad"), Maximize: config.b("maximize")})
	case "RMSprop":
		return NewRMSpropGroups(groups, RMSpropConfig{LR: config.f("lr"), Alpha: config.f("alpha"), Eps: config.f("eps"),
			WeightDecay: config.f("weight_decay"), Momentum: config.f("momentum"), Centered: config.b("centered"), Maximize: config.b("maximize")})
	case "Adagrad":
		return NewAdagradGroups(groups, AdagradConfig{LR: config.f("lr"), LRDecay: config.f("lr_decay"), WeightDecay: config.f("weight_decay"),
			InitialAccumulatorValue: config.f("initial_accumulator_value"), Eps: config.f("eps"), Maximize: config.b("maximize")})
	}
	t.Fatalf("unknown optimizer %q", name)
	return nil
}

// closeTo compares got with want elementwise: |got-want| <= atol + rtol*|want|. It returns
// a description of the worst element when some are out of tolerance.
func closeTo(got, want []float64, rtol, atol float64) (worst float64, msg string) {
	if len(got) != len(want) {
		return math.Inf(1), fmt.Sprintf("got %d values, want %d", len(got), len(want))
	}
	for i := range got {
		d := math.Abs(got[i] - want[i])
		if math.IsNaN(got[i]) != math.IsNaN(want[i]) || d > atol+rtol*math.Abs(want[i]) {
			return d, fmt.Sprintf("element %d: got %v, want %v (diff %.3g)", i, got[i], want[i], d)
		}
		if r := d / math.Max(math.Abs(want[i]), 1e-30); r > worst && want[i] != 0 {
			worst = r
		}
	}
	return worst, ""
}

// TestOptimizersMatchPyTorch replays each fixture's gradients and compares every step's
// parameters with PyTorch's.
func TestOptimizersMatchPyTorch(t *testing.T) {
	f := loadFixtures(t)
	if len(f.Optimizers) == 0 {
		t.Fatal("no optimizer fixtures")
	}
	for _, c := range f.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			params := make([]*eager.Tensor, len(c.Params))
			for i, p := range c.Params {
				params[i] = p.tensor().SetRequiresGrad(true)
			}
			opt := buildOptimizer(t, c.Optim, cfg(c.Config), c.Groups, params)
			rtol, atol := 2e-6, 1e-7
			if c.Params[0].DType == "float64" {
				rtol, atol = 1e-12, 1e-14
			}
			worst := 0.0
			for step, gs := range c.Grads {
				for i, g := range gs {
					if g == nil {
						params[i].SetGrad(nil)
					} else {
						params[i].SetGrad(g.tensor())
					}
				}
				opt.Step()
				for i, want := range c.Trajectory[step] {
					w, msg := closeTo(params[i].Float64s(), want.values(), rtol, atol)
					if msg != "" {
						t.Fatalf("step %d, param %d: %s", step+1, i, msg)
					}
					worst = math.Max(worst, w)
				}
			}
			t.Logf("worst relative error %.3g", worst)
		})
	}
}

// TestStateDictRoundTrip stops each fixture optimizer after two steps, restores its state
// dict into a fresh optimizer over copies of the parameters, and checks that the rest of the
// trajectory still matches PyTorch's.
func TestStateDictRoundTrip(t *testing.T) {
	f := loadFixtures(t)
	for _, c := range f.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			mk := func() []*eager.Tensor {
				ps := make([]*eager.Tensor, len(c.Params))
				for i, p := range c.Params {
					ps[i] = p.tensor().SetRequiresGrad(true)
				}
				return ps
			}
			setGrads := func(ps []*eager.Tensor, step int) {
				for i, g := range c.Grads[step] {
					if g == nil {
						ps[i].SetGrad(nil)
					} else {
						ps[i].SetGrad(g.tensor())
					}
				}
			}
			params := mk()
			opt := buildOptimizer(t, c.Optim, cfg(c.Config), c.Groups, params)
			const split = 2
			for step := 0; step < split; step++ {
				setGrads(params, step)
				opt.Step()
			}
			sd := opt.StateDict()
			opt.Step() // must not change the snapshot
			fresh := mk()
			for i, p := range params {
				eager.NoGrad(func() { fresh[i].CopyFrom(eager.FromSlice(c.Trajectory[split-1][i].values(), p.Shape()...)) })
			}
			opt2 := buildOptimizer(t, c.Optim, cfg(c.Config), c.Groups, fresh)
			opt2.LoadStateDict(sd)
			rtol, atol := 2e-6, 1e-7
			if c.Params[0].DType == "float64" {
				rtol, atol = 1e-12, 1e-14
			}
			for step := split; step < len(c.Grads); step++ {
				setGrads(fresh, step)
				opt2.Step()
				for i, want := range c.Trajectory[step] {
					if _, msg := closeTo(fresh[i].Float64s(), want.values(), rtol, atol); msg != "" {
						t.Fatalf("step %d, param %d: %s", step+1, i, msg)
					}
				}
			}
		})
	}
}

func buildScheduler(t *testing.T, opt Optimizer, c cfg) Scheduler {
	t.Helper()
	switch c["sched"] {
	case "StepLR":
		gamma := 0.1
		if c.has("gamma") {
			gamma = c.f("gamma")
		}
		return NewStepLR(opt, c.i("step_size"), gamma)
	case "MultiStepLR":
		return NewMultiStepLR(opt, c.ints("milestones"), c.f("gamma"))
	case "ExponentialLR":
		return NewExponentialLR(opt, c.f("gamma"))
	case "CosineAnnealingLR":
		return NewCosineAnnealingLR(opt, c.i("T_max"), c.f("eta_min"))
	case "LinearLR":
		return NewLinearLR(opt, c.f("start_factor"), c.f("end_factor"), c.i("total_iters"))
	case "ConstantLR":
		return NewConstantLR(opt, c.f("factor"), c.i("total_iters"))
	case "OneCycleLR":
		oc := OneCycleConfig{TotalSteps: c.i("total_steps"), Epochs: c.i("epochs"), StepsPerEpoch: c.i("steps_per_epoch"),
			PctStart: c.f("pct_start"), ThreePhase: c.b("three_phase"), BaseMomentum: c.f("base_momentum"),
			MaxMomentum: c.f("max_momentum"), DivFactor: c.f("div_factor"), FinalDivFactor: c.f("final_div_factor")}
		if c.has("cycle_momentum") && !c.b("cycle_momentum") {
			oc.NoCycleMomentum = true
		}
		if c["anneal_strategy"] == "linear" {
			oc.AnnealStrategy = AnnealLinear
		}
		switch v := c["max_lr"].(type) {
		case float64:
			oc.MaxLR = v
		case []any:
			for _, x := range v {
				oc.MaxLRs = append(oc.MaxLRs, x.(float64))
			}
		}
		return NewOneCycleLR(opt, oc)
	case "SequentialLR", "ChainedScheduler":
		var subs []Scheduler
		for _, s := range c["schedulers"].([]any) {
			subs = append(subs, buildScheduler(t, opt, cfg(s.(map[string]any))))
		}
		if c["sched"] == "ChainedScheduler" {
			return NewChainedScheduler(subs...)
		}
		return NewSequentialLR(opt, subs, c.ints("milestones"))
	}
	t.Fatalf("unknown scheduler %v", c["sched"])
	return nil
}

func schedOptimizer(t *testing.T, c schedCase) Optimizer {
	var groups []map[string]any
	var params []*eager.Tensor
	for i, lr := range c.GroupLRs {
		params = append(params, eager.Zeros(1).SetRequiresGrad(true))
		groups = append(groups, map[string]any{"params": []any{float64(i)}, "lr": lr})
	}
	return buildOptimizer(t, c.Optim, cfg(c.OptimConfig), groups, params)
}

func momentumOf(g *ParamGroup) float64 {
	if g.kind == beta1Momentum {
		return g.Betas[0]
	}
	return g.Momentum
}

// TestSchedulersMatchPyTorch compares the learning rates (and OneCycleLR's momentum) after
// construction and after every step with PyTorch's.
func TestSchedulersMatchPyTorch(t *testing.T) {
	f := loadFixtures(t)
	if len(f.Schedulers) == 0 {
		t.Fatal("no scheduler fixtures")
	}
	for _, c := range f.Schedulers {
		t.Run(c.Name, func(t *testing.T) {
			opt := schedOptimizer(t, c)
			s := buildScheduler(t, opt, cfg(c.Config))
			for step, want := range c.LRs {
				if step > 0 {
					opt.Step()
					s.Step()
				}
				if _, msg := closeTo(s.LastLR(), want, 1e-13, 1e-18); msg != "" {
					t.Fatalf("after %d steps, lr: %s", step, msg)
				}
				if c.Momentum != nil {
					var got []float64
					for _, g := range opt.ParamGroups() {
						got = append(got, momentumOf(g))
					}
					if _, msg := closeTo(got, c.Momentum[step], 1e-13, 1e-18); msg != "" {
						t.Fatalf("after %d steps, momentum: %s", step, msg)
					}
				}
			}
		})
	}
}

// TestSchedulerStateRoundTrip checkpoints each fixture scheduler half way, rebuilds the
// optimizer and scheduler, loads both states, and checks the rest of the sequence.
func TestSchedulerStateRoundTrip(t *testing.T) {
	f := loadFixtures(t)
	for _, c := range f.Schedulers {
		t.Run(c.Name, func(t *testing.T) {
			opt := schedOptimizer(t, c)
			s := buildScheduler(t, opt, cfg(c.Config))
			half := len(c.LRs) / 2
			for step := 1; step <= half; step++ {
				s.Step()
			}
			osd, ssd := opt.StateDict(), s.StateDict()
			opt2 := schedOptimizer(t, c)
			s2 := buildScheduler(t, opt2, cfg(c.Config))
			opt2.LoadStateDict(osd)
			s2.LoadStateDict(ssd)
			for step := half + 1; step < len(c.LRs); step++ {
				s2.Step()
				if _, msg := closeTo(s2.LastLR(), c.LRs[step], 1e-13, 1e-18); msg != "" {
					t.Fatalf("after %d steps, lr: %s", step, msg)
				}
			}
		})
	}
}

// TestClipMatchesPyTorch checks ClipGradNorm (several norm types, clipping and not) and
// ClipGradValue against clip_grad_norm_ and clip_grad_value_.
func TestClipMatchesPyTorch(t *testing.T) {
	f := loadFixtures(t)
	for i, c := range f.Clip {
		t.Run(fmt.Sprintf("%s/%v/%v", c.Kind, c.NormType, i), func(t *testing.T) {
			var params []*eager.Tensor
			for _, g := range c.Grads {
				if g == nil {
					params = append(params, eager.Zeros(1).SetRequiresGrad(true))
					continue
				}
				p := eager.ZerosOf(eager.Float32, g.Shape...).SetRequiresGrad(true)
				p.SetGrad(g.tensor())
				params = append(params, p)
			}
			if c.Kind == "norm" {
				nt := math.Inf(1)
				if v, ok := c.NormType.(float64); ok {
					nt = v
				}
				total := ClipGradNorm(params, c.MaxNorm, nt)
				if math.Abs(total-c.TotalNorm) > 2e-6*c.TotalNorm {
					t.Fatalf("total norm %v, want %v", total, c.TotalNorm)
				}
			} else {
				ClipGradValue(params, c.ClipValue)
			}
			for i, want := range c.Clipped {
				if want == nil {
					continue
				}
				if _, msg := closeTo(params[i].Grad().Float64s(), want.values(), 2e-6, 1e-7); msg != "" {
					t.Fatalf("grad %d: %s", i, msg)
				}
			}
		})
	}
}
