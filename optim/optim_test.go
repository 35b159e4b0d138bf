package optim

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/eagerml/eager"
)

// optimizers builds one of each optimizer over params, for the behavioural tests.
var optimizers = []struct {
	name string
	make func(params []*eager.Tensor) Optimizer
}{
	{"SGD", func(p []*eager.Tensor) Optimizer { return NewSGD(p, SGDConfig{LR: 0.05}) }},
	{"SGD/nesterov", func(p []*eager.Tensor) Optimizer {
		return NewSGD(p, SGDConfig{LR: 0.02, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-4})
	}},
	{"Adam", func(p []*eager.Tensor) Optimizer { return NewAdam(p, AdamConfig{LR: 0.05}) }},
	{"Adam/amsgrad", func(p []*eager.Tensor) Optimizer { return NewAdam(p, AdamConfig{LR: 0.05, AMSGrad: true}) }},
	{"AdamW", func(p []*eager.Tensor) Optimizer { return NewAdamW(p, AdamWConfig{LR: 0.05}) }},
	{"RMSprop", func(p []*eager.Tensor) Optimizer { return NewRMSprop(p, RMSpropConfig{LR: 0.01}) }},
	{"RMSprop/centered", func(p []*eager.Tensor) Optimizer {
		return NewRMSprop(p, RMSpropConfig{LR: 0.005, Centered: true, Momentum: 0.5})
	}},
	{"Adagrad", func(p []*eager.Tensor) Optimizer { return NewAdagrad(p, AdagradConfig{LR: 0.3}) }},
}

// regression is a tiny least-squares problem y = x*W + b with its parameters.
type regression struct {
	x, y, w, b *eager.Tensor
}

func newRegression(seed uint64) *regression {
	eager.ManualSeed(seed)
	x := eager.Randn(32, 4)
	y := x.MatMul(eager.FromSlice([]float32{1.5, -2, 0.5, 1}, 4, 1)).AddScalar(-0.7)
	return &regression{x: x, y: y, w: eager.Zeros(4, 1).SetRequiresGrad(true), b: eager.Zeros(1).SetRequiresGrad(true)}
}

func (r *regression) params() []*eager.Tensor { return []*eager.Tensor{r.w, r.b} }

func (r *regression) loss() *eager.Tensor {
	return r.x.MatMul(r.w).Add(r.b).Sub(r.y).Square().Mean()
}

func train(r *regression, opt Optimizer, steps int) (first, last float64) {
	for i := 0; i < steps; i++ {
		opt.ZeroGrad()
		l := r.loss()
		if i == 0 {
			first = l.Item()
		}
		l.Backward()
		opt.Step()
	}
	return first, r.loss().Item()
}

// TestOptimizersReduceLoss trains a tiny linear regression with each optimizer and checks
// that the loss falls, that parameters stay leaves requiring grad (Step records nothing),
// and that ZeroGrad clears the gradients.
func TestOptimizersReduceLoss(t *testing.T) {
	for _, o := range optimizers {
		t.Run(o.name, func(t *testing.T) {
			r := newRegression(1)
			opt := o.make(r.params())
			first, last := train(r, opt, 150)
			if !(last < 0.05*first) {
				t.Fatalf("loss went from %v to %v, want a 20-fold decrease", first, last)
			}
			for _, p := range r.params() {
				if !p.IsLeaf() || !p.RequiresGrad() || p.GradFn() != "" {
					t.Fatalf("parameter is no longer a leaf requiring grad after Step (grad fn %q)", p.GradFn())
				}
				if p.Grad() == nil {
					t.Fatal("gradient missing before ZeroGrad")
				}
			}
			opt.ZeroGrad()
			for _, p := range r.params() {
				if p.Grad() != nil {
					t.Fatal("ZeroGrad left a gradient")
				}
			}
		})
	}
}

// TestStepSkipsParamsWithoutGrad checks that a parameter without a gradient is neither
// changed nor given state, and that Step bumps the version of the parameters it changes.
func TestStepSkipsParamsWithoutGrad(t *testing.T) {
	for _, o := range optimizers {
		t.Run(o.name, func(t *testing.T) {
			a := eager.FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
			b := eager.FromSlice([]float32{4, 5}).SetRequiresGrad(true)
			opt := o.make([]*eager.Tensor{a, b})
			a.SetGrad(eager.FromSlice([]float32{0.5, -0.5, 1}))
			va, vb := a.Version(), b.Version()
			opt.Step()
			if a.Version() == va {
				t.Error("Step did not bump the version of the parameter it updated")
			}
			if b.Version() != vb || b.Float32s()[0] != 4 || b.Float32s()[1] != 5 {
				t.Errorf("parameter without a gradient changed: %v", b.Float32s())
			}
			sd := opt.StateDict()
			if st := sd.State[1]; st != nil && (st.Step != 0 || (o.name != "Adagrad" && len(st.Buffers) != 0)) {
				t.Errorf("parameter without a gradient got state %+v", st)
			}
		})
	}
}

// TestParamGroupEdits checks that hyperparameters changed on ParamGroups() take effect.
func TestParamGroupEdits(t *testing.T) {
	p := eager.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	opt := NewSGD([]*eager.Tensor{p}, SGDConfig{LR: 0.1})
	p.SetGrad(eager.FromSlice([]float32{1, 1}))
	opt.ParamGroups()[0].LR = 0
	opt.Step()
	if got := p.Float32s(); got[0] != 1 || got[1] != 2 {
		t.Fatalf("lr 0 changed the parameter: %v", got)
	}
	opt.ParamGroups()[0].LR = 0.5
	opt.Step()
	if got := p.Float32s(); got[0] != 0.5 || got[1] != 1.5 {
		t.Fatalf("after lr 0.5 step: %v, want [0.5 1.5]", got)
	}
}

// TestDefaults checks that zero config fields take PyTorch's defaults and explicit group
// values (zero included) override them.
func TestDefaults(t *testing.T) {
	p := func() []*eager.Tensor { return []*eager.Tensor{eager.Zeros(2).SetRequiresGrad(true)} }
	check := func(name string, got, want Hyperparams) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
	check("Adam", NewAdam(p(), AdamConfig{}).ParamGroups()[0].Hyperparams, Hyperparams{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8})
	check("AdamW", NewAdamW(p(), AdamWConfig{}).ParamGroups()[0].Hyperparams, Hyperparams{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, WeightDecay: 1e-2})
	check("Adam beta1=0", NewAdam(p(), AdamConfig{Betas: [2]float64{0, 0.99}}).ParamGroups()[0].Hyperparams, Hyperparams{LR: 1e-3, Betas: [2]float64{0, 0.99}, Eps: 1e-8})
	check("RMSprop", NewRMSprop(p(), RMSpropConfig{}).ParamGroups()[0].Hyperparams, Hyperparams{LR: 1e-2, Eps: 1e-8})
	check("Adagrad", NewAdagrad(p(), AdagradConfig{}).ParamGroups()[0].Hyperparams, Hyperparams{LR: 1e-2, Eps: 1e-10})
	check("SGD", NewSGD(p(), SGDConfig{LR: 0.1, Momentum: 0.9}).ParamGroups()[0].Hyperparams, Hyperparams{LR: 0.1, Momentum: 0.9})
	g := NewAdamWGroups([]Group{{Params: p()}, {Params: p(), WeightDecay: Ptr(0.0), Eps: Ptr(0.0), Betas: Ptr([2]float64{0, 0})}}, AdamWConfig{LR: 0.01}).ParamGroups()
	check("AdamW group 0", g[0].Hyperparams, Hyperparams{LR: 0.01, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, WeightDecay: 1e-2})
	check("AdamW group 1", g[1].Hyperparams, Hyperparams{LR: 0.01})
	s := NewSGDGroups([]Group{{Params: p(), LR: Ptr(0.0)}}, SGDConfig{})
	check("SGD group lr 0", s.ParamGroups()[0].Hyperparams, Hyperparams{})
}

// TestConcurrentTraining trains separate models from several goroutines at once: grad mode
// is per goroutine, so one goroutine's Step (inside NoGrad) must not stop another's graph
// from being recorded. Run with -race.
func TestConcurrentTraining(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for i := 0; i < 4; i++ {
		r := newRegression(uint64(10 + i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			opt := NewAdam(r.params(), AdamConfig{LR: 0.05})
			first, last := train(r, opt, 100)
			if !(last < 0.05*first) {
				errs <- "loss did not fall"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestLambdaLR(t *testing.T) {
	ps := func() []*eager.Tensor { return []*eager.Tensor{eager.Zeros(1).SetRequiresGrad(true)} }
	opt := NewSGDGroups([]Group{{Params: ps()}, {Params: ps(), LR: Ptr(0.5)}}, SGDConfig{LR: 0.1})
	s := NewLambdaLR(opt, func(e int) float64 { return 1 / float64(e+1) }, func(e int) float64 { return math.Pow(0.5, float64(e)) })
	for e := 0; e < 6; e++ {
		if e > 0 {
			s.Step()
		}
		got := s.LastLR()
		want := []float64{0.1 / float64(e+1), 0.5 * math.Pow(0.5, float64(e))}
		if math.Abs(got[0]-want[0]) > 1e-15 || math.Abs(got[1]-want[1]) > 1e-15 {
			t.Fatalf("epoch %d: lr %v, want %v", e, got, want)
		}
		if opt.ParamGroups()[1].LR != got[1] {
			t.Fatalf("epoch %d: group lr %v, LastLR %v", e, opt.ParamGroups()[1].LR, got[1])
		}
	}
}

// TestClipEdgeCases: no gradients, float64 gradients, and gradients already within bounds.
func TestClipEdgeCases(t *testing.T) {
	p := eager.Zeros(3).SetRequiresGrad(true)
	if n := ClipGradNorm([]*eager.Tensor{p}, 1, 2); n != 0 {
		t.Fatalf("norm without gradients = %v, want 0", n)
	}
	ClipGradValue([]*eager.Tensor{p}, 1) // no gradient: nothing to do
	q := eager.ZerosOf(eager.Float64, 2).SetRequiresGrad(true)
	q.SetGrad(eager.FromSlice([]float64{3, 4}))
	if n := ClipGradNorm([]*eager.Tensor{q}, 1, 2); n != 5 {
		t.Fatalf("norm = %v, want 5", n)
	}
	got := q.Grad().Float64s()
	want := 1 / (5 + 1e-6)
	if math.Abs(got[0]-3*want) > 1e-15 || math.Abs(got[1]-4*want) > 1e-15 {
		t.Fatalf("clipped grad %v, want %v", got, []float64{3 * want, 4 * want})
	}
	q.SetGrad(eager.FromSlice([]float64{0.3, 0.4}))
	ClipGradNorm([]*eager.Tensor{q}, 1, 2)
	if g := q.Grad().Float64s(); g[0] != 0.3 || g[1] != 0.4 {
		t.Fatalf("gradient within the bound changed: %v", g)
	}
}

// TestErrors checks that invalid settings panic with an *eager.Error that names the op and
// blames this file.
func TestErrors(t *testing.T) {
	p := func() []*eager.Tensor { return []*eager.Tensor{eager.Zeros(2).SetRequiresGrad(true)} }
	shared := p()
	nonLeaf := eager.Zeros(2).SetRequiresGrad(true).MulScalar(2)
	sgd := func() *SGD { return NewSGD(p(), SGDConfig{LR: 0.1}) }
	cases := []struct {
		name, op, msg string
		fn            func()
	}{
		{"sgd no lr", "optim.NewSGD", "needs a learning rate", func() { NewSGD(p(), SGDConfig{}) }},
		{"sgd negative lr", "optim.NewSGD", "invalid learning rate -1", func() { NewSGD(p(), SGDConfig{LR: -1}) }},
		{"sgd negative momentum", "optim.NewSGD", "invalid momentum", func() { NewSGD(p(), SGDConfig{LR: 1, Momentum: -0.1}) }},
		{"nesterov without momentum", "optim.NewSGD", "Nesterov momentum requires a momentum and zero dampening", func() { NewSGD(p(), SGDConfig{LR: 1, Nesterov: true}) }},
		{"nesterov with dampening", "optim.NewSGD", "zero dampening", func() { NewSGD(p(), SGDConfig{LR: 1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}) }},
		{"empty", "optim.NewAdam", "empty parameter list", func() { NewAdam(nil, AdamConfig{}) }},
		{"empty group", "optim.NewAdamGroups", "group 1 has no parameters", func() { NewAdamGroups([]Group{{Params: p()}, {}}, AdamConfig{}) }},
		{"nil param", "optim.NewAdam", "parameter 0 of group 0 is nil", func() { NewAdam([]*eager.Tensor{nil}, AdamConfig{}) }},
		{"int param", "optim.NewAdam", "floating-point", func() { NewAdam([]*eager.Tensor{eager.FromSlice([]int64{1})}, AdamConfig{}) }},
		{"non-leaf", "optim.NewAdam", "non-leaf tensor", func() { NewAdam([]*eager.Tensor{nonLeaf}, AdamConfig{}) }},
		{"duplicate", "optim.NewAdamGroups", "more than one parameter group", func() { NewAdamGroups([]Group{{Params: shared}, {Params: shared}}, AdamConfig{}) }},
		{"beta", "optim.NewAdam", "beta parameter at index 1", func() { NewAdam(p(), AdamConfig{Betas: [2]float64{0.9, 1}}) }},
		{"adamw eps", "optim.NewAdamW", "invalid epsilon", func() { NewAdamW(p(), AdamWConfig{Eps: -1}) }},
		{"momentum on adam group", "optim.NewAdamGroups", "sets Momentum, which Adam does not use (set Betas[0] instead)", func() { NewAdamGroups([]Group{{Params: p(), Momentum: Ptr(0.9)}}, AdamConfig{}) }},
		{"betas on sgd group", "optim.NewSGDGroups", "sets Betas", func() { NewSGDGroups([]Group{{Params: p(), Betas: Ptr([2]float64{0.9, 0.9})}}, SGDConfig{LR: 1}) }},
		{"eps on sgd group", "optim.NewSGDGroups", "sets Eps", func() { NewSGDGroups([]Group{{Params: p(), Eps: Ptr(1e-3)}}, SGDConfig{LR: 1}) }},
		{"rmsprop alpha", "optim.NewRMSprop", "invalid alpha", func() { NewRMSprop(p(), RMSpropConfig{Alpha: -1}) }},
		{"adagrad lr decay", "optim.NewAdagrad", "invalid lr_decay", func() { NewAdagrad(p(), AdagradConfig{LRDecay: -1}) }},
		{"load nil", "optim.LoadStateDict", "nil state dict", func() { sgd().LoadStateDict(nil) }},
		{"load groups", "optim.LoadStateDict", "2 parameter groups", func() {
			NewSGD(p(), SGDConfig{LR: 1}).LoadStateDict(NewSGDGroups([]Group{{Params: p()}, {Params: p()}}, SGDConfig{LR: 1}).StateDict())
		}},
		{"load shape", "optim.LoadStateDict", "has shape [3]", func() {
			q := eager.Zeros(3).SetRequiresGrad(true)
			a := NewAdam([]*eager.Tensor{q}, AdamConfig{})
			q.SetGrad(eager.Ones(3))
			a.Step()
			NewAdam(p(), AdamConfig{}).LoadStateDict(a.StateDict())
		}},
		{"load unknown buffer", "optim.LoadStateDict", `unknown SGD state "exp_avg"`, func() {
			sgd().LoadStateDict(&StateDict{State: map[int]*ParamState{0: {Buffers: map[string]*eager.Tensor{"exp_avg": eager.Zeros(2)}}}, Groups: []GroupState{{Params: []int{0}}}})
		}},
		{"clip norm type", "optim.ClipGradNorm", "norm type must be positive", func() { ClipGradNorm(p(), 1, 0) }},
		{"clip value", "optim.ClipGradValue", "must be >= 0", func() { ClipGradValue(p(), -1) }},
		{"step size", "optim.NewStepLR", "step size must be positive", func() { NewStepLR(sgd(), 0, 0.1) }},
		{"linear start", "optim.NewLinearLR", "starting multiplicative factor", func() { NewLinearLR(sgd(), 0, 1, 5) }},
		{"linear end", "optim.NewLinearLR", "ending multiplicative factor", func() { NewLinearLR(sgd(), 0.5, 2, 5) }},
		{"constant factor", "optim.NewConstantLR", "between 0 and 1", func() { NewConstantLR(sgd(), 2, 5) }},
		{"cosine tmax", "optim.NewCosineAnnealingLR", "T_max must be positive", func() { NewCosineAnnealingLR(sgd(), 0, 0) }},
		{"lambda count", "optim.NewLambdaLR", "expected 1 or 1 lr lambdas, got 2", func() {
			f := func(int) float64 { return 1 }
			NewLambdaLR(sgd(), f, f)
		}},
		{"onecycle steps", "optim.NewOneCycleLR", "either TotalSteps or (Epochs and StepsPerEpoch)", func() { NewOneCycleLR(sgd(), OneCycleConfig{MaxLR: 1}) }},
		{"onecycle epochs", "optim.NewOneCycleLR", "positive integer StepsPerEpoch", func() { NewOneCycleLR(sgd(), OneCycleConfig{MaxLR: 1, Epochs: 2}) }},
		{"onecycle max lr", "optim.NewOneCycleLR", "MaxLR (or MaxLRs) must be set", func() { NewOneCycleLR(sgd(), OneCycleConfig{TotalSteps: 10}) }},
		{"onecycle max lrs", "optim.NewOneCycleLR", "expected 1 values for MaxLRs, got 2", func() { NewOneCycleLR(sgd(), OneCycleConfig{TotalSteps: 10, MaxLRs: []float64{1, 2}}) }},
		{"onecycle pct", "optim.NewOneCycleLR", "PctStart between 0 and 1", func() { NewOneCycleLR(sgd(), OneCycleConfig{TotalSteps: 10, MaxLR: 1, PctStart: 1.5}) }},
		{"onecycle no momentum", "optim.NewOneCycleLR", "must support momentum", func() { NewOneCycleLR(NewAdagrad(p(), AdagradConfig{}), OneCycleConfig{TotalSteps: 10, MaxLR: 1}) }},
		{"onecycle overrun", "OneCycleLR.Step", "tried to step 5 times; the specified number of total steps is 3", func() {
			s := NewOneCycleLR(sgd(), OneCycleConfig{TotalSteps: 3, MaxLR: 1})
			for i := 0; i < 4; i++ {
				s.Step()
			}
		}},
		{"sequential milestones", "optim.NewSequentialLR", "one more than the number of milestone points", func() {
			o := sgd()
			NewSequentialLR(o, []Scheduler{NewExponentialLR(o, 0.9)}, []int{3})
		}},
		{"sequential optimizer", "optim.NewSequentialLR", "belong to the same optimizer", func() {
			o := sgd()
			NewSequentialLR(o, []Scheduler{NewExponentialLR(o, 0.9), NewExponentialLR(sgd(), 0.9)}, []int{3})
		}},
		{"sequential nested", "optim.NewSequentialLR", "cannot be combined", func() {
			o := sgd()
			inner := NewChainedScheduler(NewExponentialLR(o, 0.9))
			NewSequentialLR(o, []Scheduler{inner}, nil)
		}},
		{"chained optimizer", "optim.NewChainedScheduler", "belong to the same optimizer", func() {
			NewChainedScheduler(NewExponentialLR(sgd(), 0.9), NewExponentialLR(sgd(), 0.9))
		}},
		{"scheduler state", "optim.LoadStateDict", "1 parameter groups", func() {
			NewExponentialLR(sgd(), 0.9).LoadStateDict(SchedulerState{BaseLRs: []float64{1, 2}})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := eager.Try(c.fn)
			var e *eager.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *eager.Error", err)
			}
			if e.Op != c.op || !strings.Contains(e.Msg, c.msg) {
				t.Fatalf("got %q: %q, want %q: ...%q...", e.Op, e.Msg, c.op, c.msg)
			}
			if !strings.HasPrefix(e.Where, "optim_test.go:") {
				t.Fatalf("error located at %q, want this test file", e.Where)
			}
		})
	}
}

func params1M() []*eager.Tensor {
	eager.ManualSeed(1)
	ps := make([]*eager.Tensor, 4)
	for i := range ps {
		ps[i] = eager.Randn(512, 512).SetRequiresGrad(true) // 4 x 262144 = 1,048,576 parameters
		ps[i].SetGrad(eager.Randn(512, 512))
	}
	return ps
}

// BenchmarkStep measures one optimizer step over 1M float32 parameters (four 512x512
// tensors); bytes/s counts the parameters' bytes.
func BenchmarkStep(b *testing.B) {
	for _, bc := range []struct {
		name string
		make func([]*eager.Tensor) Optimizer
	}{
		{"SGD/1M", func(p []*eager.Tensor) Optimizer { return NewSGD(p, SGDConfig{LR: 1e-3}) }},
		{"SGDMomentum/1M", func(p []*eager.Tensor) Optimizer { return NewSGD(p, SGDConfig{LR: 1e-3, Momentum: 0.9}) }},
		{"Adam/1M", func(p []*eager.Tensor) Optimizer { return NewAdam(p, AdamConfig{LR: 1e-3}) }},
		{"AdamW/1M", func(p []*eager.Tensor) Optimizer { return NewAdamW(p, AdamWConfig{LR: 1e-3}) }},
		{"RMSprop/1M", func(p []*eager.Tensor) Optimizer { return NewRMSprop(p, RMSpropConfig{}) }},
		{"Adagrad/1M", func(p []*eager.Tensor) Optimizer { return NewAdagrad(p, AdagradConfig{}) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ps := params1M()
			opt := bc.make(ps)
			opt.Step() // create the state outside the timed loop
			b.SetBytes(4 * 1 << 20)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				opt.Step()
			}
		})
	}
}

// BenchmarkClipGradNorm measures clipping 1M float32 gradients by their total 2-norm.
func BenchmarkClipGradNorm(b *testing.B) {
	ps := params1M()
	b.SetBytes(4 * 1 << 20)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ClipGradNorm(ps, 1e9, 2)
	}
}
