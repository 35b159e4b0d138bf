package jit

import (
	"sync"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// Traces on different goroutines do not see each other's ops, eager work on other
// goroutines is not traced, and one Func serves concurrent calls. Run with -race.
func TestConcurrentTracesAndCalls(t *testing.T) {
	w := eager.Randn(8)
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		return []*eager.Tensor{xs[0].Mul(w).Tanh().Sum(-1), xs[0].Exp().Softmax(-1)}
	}
	shared := Compile(fn)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // eager noise on another goroutine
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				eager.Randn(4, 8).Mul(eager.Ones(8)).Sum()
			}
		}
	}()
	var cw sync.WaitGroup
	for g := 0; g < 4; g++ {
		cw.Add(1)
		go func(g int) {
			defer cw.Done()
			own := Compile(func(xs ...*eager.Tensor) []*eager.Tensor {
				return []*eager.Tensor{xs[0].AddScalar(float64(g)).ReLU()}
			})
			for i := 0; i < 20; i++ {
				x := eager.Randn(3, 8)
				for k, got := range shared.Call(x) {
					if err := sameNumbers(got, fn(x)[k]); err != nil {
						t.Error(err)
						return
					}
				}
				y := own.Call(x)[0]
				if err := sameNumbers(y, x.AddScalar(float64(g)).ReLU()); err != nil {
					t.Error(err)
					return
				}
			}
			if s := own.Stats(); s.Traces != 1 {
				t.Errorf("goroutine %d: %d traces", g, s.Traces)
			}
		}(g)
	}
	cw.Wait()
	close(stop)
	wg.Wait()
	if s := shared.Stats(); s.Calls != 80 || s.Hits+s.Traces != 80 {
		t.Fatalf("stats %+v", s)
	}
}

// A compiled function called while another is traced runs eagerly inside the outer trace.
func TestNestedCompiledCall(t *testing.T) {
	inner := Compile1(func(x *eager.Tensor) *eager.Tensor { return x.Exp().AddScalar(1) })
	inner.Call(eager.Randn(3)) // cached: its replay would be invisible to the outer trace
	outer := Compile1(func(x *eager.Tensor) *eager.Tensor { return inner.Call(x).Log() })
	for i := 0; i < 3; i++ {
		x := eager.Randn(3)
		if err := sameNumbers(outer.Call(x), x.Exp().AddScalar(1).Log()); err != nil {
			t.Fatal(err)
		}
	}
}

// Modules of package nn compile, forward and as a training step with their losses.
func TestCompileNNModules(t *testing.T) {
	eager.ManualSeed(4)
	model := nn.NewSequential(nn.NewLinear(6, 16), &nn.ReLU{}, nn.NewLinear(16, 4))
	fwd := Compile1(model.Forward)
	eager.NoGrad(func() {
		for i := 0; i < 2; i++ {
			x := eager.Randn(5, 6)
			if err := sameNumbers(fwd.Call(x), model.Forward(x)); err != nil {
				t.Fatal(err)
			}
		}
	})
	// A training step with cross-entropy: nn's check of the class indices reads them; it
	// runs while tracing and is noted in the graph.
	step := func(m nn.Module) func(xs ...*eager.Tensor) []*eager.Tensor {
		return func(xs ...*eager.Tensor) []*eager.Tensor {
			m.ZeroGrad()
			loss := nn.CrossEntropy(m.Forward(xs[0]), xs[1])
			loss.Backward()
			eager.NoGrad(func() {
				for _, p := range m.Parameters() {
					p.AddScaledInPlace(p.Grad(), -0.1)
				}
			})
			return []*eager.Tensor{loss}
		}
	}
	eager.ManualSeed(5)
	ref := nn.NewSequential(nn.NewLinear(6, 16), &nn.ReLU{}, nn.NewLinear(16, 4))
	eager.ManualSeed(5)
	cm := nn.NewSequential(nn.NewLinear(6, 16), &nn.ReLU{}, nn.NewLinear(16, 4))
	f := Compile(step(cm))
	for i := 0; i < 4; i++ {
		x, y := eager.Randn(5, 6), eager.RandInt(0, 4, 5)
		want := step(ref)(x, y)[0]
		bitsEqual(t, "loss", f.Call(x, y)[0], want)
	}
	for i, p := range ref.Parameters() {
		bitsEqual(t, "param", cm.Parameters()[i], p)
	}
}
