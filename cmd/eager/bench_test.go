package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/eagerml/eager/jit"
	"github.com/eagerml/eager/nn"
)

// TestBenchWorkloadsBuild builds every workload and runs one step of each (no timing), so that
// a change to nn or optim that breaks a model shows here rather than in eager bench.
func TestBenchWorkloadsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every benchmark model")
	}
	for _, w := range benchWorkloads {
		if w.name == "matmul1024" || w.name == "chain4m" || w.name == "chain4m_ops" {
			continue // large and plain: covered by the worker test below for the mechanics
		}
		step, work := w.build()
		if work <= 0 {
			t.Fatalf("%s: work %v", w.name, work)
		}
		step()
	}
}

// TestBenchCompiledWorkloads runs every workload's compiled form three times (trace, then
// two calls of the cached graph) and checks that it ran compiled and that the work per step
// is the eager form's.
func TestBenchCompiledWorkloads(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every benchmark model")
	}
	for _, w := range benchWorkloads {
		if w.compiled == nil || w.name == "chain4m" {
			continue
		}
		t.Run(w.name, func(t *testing.T) {
			step, work, fn := w.compiled()
			_, eagerWork := w.build()
			if work != eagerWork {
				t.Fatalf("work per step %v, eager form %v", work, eagerWork)
			}
			for i := 0; i < 3; i++ {
				step()
			}
			st := fn.Stats()
			if st.Hits == 0 || st.EagerCalls > 1 {
				t.Fatalf("not compiled: %+v", st)
			}
		})
	}
}

// TestCompiledTrainStepMatchesEager checks that the compiled MLP step of eager bench trains
// as the eager one does: the same losses over a few steps.
func TestCompiledTrainStepMatchesEager(t *testing.T) {
	e, c := mlpParts(false), mlpParts(true)
	_, _, fn := jitTrain(func(bool) trainParts { return c })()
	for i := 0; i < 3; i++ {
		c.opt.ZeroGrad()
		want := nn.CrossEntropy(e.model.Forward(e.x), e.target)
		e.opt.ZeroGrad()
		want.Backward()
		e.opt.Step()
		got := fn.Call(c.x, c.target)[0]
		if g, w := got.Item(), want.Item(); math.Abs(g-w) > 1e-5*math.Abs(w) {
			t.Fatalf("step %d: compiled loss %v, eager %v", i, g, w)
		}
	}
}

func TestBenchWorkerJSON(t *testing.T) {
	var out bytes.Buffer
	if err := benchWorker("add1", false, 20*time.Millisecond, "", "", &out); err != nil {
		t.Fatal(err)
	}
	var r benchResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("worker output %q: %v", out.String(), err)
	}
	if r.Name != "add1" || !(r.Value > 0) || r.Error != "" {
		t.Fatalf("worker result %+v", r)
	}
	out.Reset()
	if err := benchWorker("sum10k", true, 20*time.Millisecond, "", "", &out); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("worker output %q: %v", out.String(), err)
	}
	if r.Name != "sum10k" || !(r.Value > 0) || r.Error != "" {
		t.Fatalf("compiled worker result %+v", r)
	}
	if err := benchWorker("matmul128", true, 20*time.Millisecond, "", "", &out); err == nil {
		t.Fatal("a workload without a compiled form ran compiled")
	}
}

func TestBenchTable(t *testing.T) {
	wls, err := selectWorkloads("add1,cnn")
	if err != nil {
		t.Fatal(err)
	}
	rows := []benchRow{
		{eager: &benchResult{Name: "add1", Value: 0.1}, jit: &benchResult{Name: "add1", Value: 0.05},
			torch: &benchResult{Name: "add1", Value: 0.7, Threads: "torch 1, blas 1"}},
		{eager: &benchResult{Name: "cnn", Value: 3000}, jit: &benchResult{Name: "cnn", Error: "not compiled"}},
	}
	var out bytes.Buffer
	printBenchTable(&out, wls, rows, false)
	s := out.String()
	for _, want := range []string{
		"7.00x",  // eager against PyTorch, lower is better: 0.7/0.1
		"14.00x", // jit against PyTorch: 0.7/0.05
		"2.00x",  // jit against eager: 0.1/0.05
		"cnn: jit failed: not compiled",
	} {
		if !strings.Contains(s, want) {
			t.Fatalf("table lacks %q:\n%s", want, s)
		}
	}
	if _, err := selectWorkloads("nope"); err == nil {
		t.Fatal("unknown workload accepted")
	}
	script := "/nonexistent/torch_bench.py"
	if ok, why := torchAvailable("/nonexistent/python3", &script); ok || why == "" {
		t.Fatalf("torchAvailable with a missing script: %v %q", ok, why)
	}
}

// BenchmarkTrainStep times each training workload's step in this process, eager and
// compiled by jit.Compile, under go test's collector settings (not the eager command's:
// GOGC=200 and a ballast), as in `go test ./cmd/eager -run XXX -bench 'TrainStep/lenet'`.
func BenchmarkTrainStep(b *testing.B) {
	for _, w := range []struct {
		name  string
		parts func(capturable bool) trainParts
	}{{"mlp", mlpParts}, {"cnn", cnnParts}, {"lenet", lenetParts}, {"transformer", transformerParts}} {
		b.Run(w.name+"/eager", func(b *testing.B) {
			p := w.parts(false)
			for range 3 {
				p.trainStep(p.x, p.target)
			}
			for b.Loop() {
				p.trainStep(p.x, p.target)
			}
		})
		b.Run(w.name+"/jit", func(b *testing.B) {
			p := w.parts(true)
			f := jit.Compile(p.trainStep)
			for range 3 { // the first call runs eagerly (Adam creates its state), the next traces
				f.Call(p.x, p.target)
			}
			for b.Loop() {
				f.Call(p.x, p.target)
			}
			if st := f.Stats(); st.Hits < 1 {
				b.Fatalf("the step never ran compiled: %+v", st)
			}
		})
	}
}
