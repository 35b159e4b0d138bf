package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestBenchWorkloadsBuild builds every workload and runs one step of each (no timing), so that
// a change to nn or optim that breaks a model shows here rather than in eager bench.
func TestBenchWorkloadsBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every benchmark model")
	}
	for _, w := range benchWorkloads {
		if w.name == "matmul1024" || w.name == "chain4m" {
			continue // large and plain: covered by the worker test below for the mechanics
		}
		step, work := w.build()
		if work <= 0 {
			t.Fatalf("%s: work %v", w.name, work)
		}
		step()
	}
}

func TestBenchWorkerJSON(t *testing.T) {
	var out bytes.Buffer
	if err := benchWorker("add1", 20*time.Millisecond, "", "", &out); err != nil {
		t.Fatal(err)
	}
	var r benchResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("worker output %q: %v", out.String(), err)
	}
	if r.Name != "add1" || !(r.Value > 0) || r.Error != "" {
		t.Fatalf("worker result %+v", r)
	}
}

func TestBenchTable(t *testing.T) {
	wls, err := selectWorkloads("add1,cnn")
	if err != nil {
		t.Fatal(err)
	}
	rows := [][2]*benchResult{
		{{Name: "add1", Value: 0.1}, {Name: "add1", Value: 0.7, Threads: "torch 1, blas 1"}},
		{{Name: "cnn", Value: 3000}, nil},
	}
	var out bytes.Buffer
	printBenchTable(&out, wls, rows, false)
	s := out.String()
	if !strings.Contains(s, "7.00x") {
		t.Fatalf("lower-is-better ratio missing (want 0.7/0.1 = 7.00x):\n%s", s)
	}
	if _, err := selectWorkloads("nope"); err == nil {
		t.Fatal("unknown workload accepted")
	}
	script := "/nonexistent/torch_bench.py"
	if ok, why := torchAvailable("/nonexistent/python3", &script); ok || why == "" {
		t.Fatalf("torchAvailable with a missing script: %v %q", ok, why)
	}
}
