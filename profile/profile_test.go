package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// step runs one forward and backward pass of a 8-16-4 MLP on a batch of 5.
func newMLP() (nn.Module, func()) {
	eager.ManualSeed(1)
	m := nn.NewSequential(nn.NewLinear(8, 16), &nn.ReLU{}, nn.NewLinear(16, 4))
	x := eager.Randn(5, 8)
	y := eager.FromSlice([]int64{0, 1, 2, 3, 0})
	return m, func() { nn.CrossEntropy(m.Forward(x), y).Backward() }
}

func find(stats []OpStat, name string, backward bool) *OpStat {
	for i := range stats {
		if stats[i].Name == name && stats[i].Backward == backward {
			return &stats[i]
		}
	}
	return nil
}

func TestTableListsModelOps(t *testing.T) {
	_, step := newMLP()
	step() // warm up
	rep := Run(step)
	stats := rep.Stats(false)

	bmm := find(stats, "Bmm", false)
	if bmm == nil || bmm.Calls != 2 {
		t.Fatalf("forward Bmm: %+v", bmm)
	}
	if want := int64(2*5*8*16 + 2*5*16*4); bmm.FLOPs != want {
		t.Errorf("Bmm FLOPs %d, want %d", bmm.FLOPs, want)
	}
	if want := int64(4 * (5*16 + 5*4)); bmm.Bytes != want {
		t.Errorf("Bmm allocated %d bytes, want %d", bmm.Bytes, want)
	}
	for _, want := range []struct {
		name     string
		backward bool
	}{
		{"Add", false}, {"ReLU", false}, {"LogSoftmax", false}, {"Permute", false},
		{"Bmm", true}, {"BmmBackward", true}, {"ReLUBackward", true}, {"LogSoftmaxBackward", true},
	} {
		if s := find(stats, want.name, want.backward); s == nil || s.Calls == 0 {
			t.Errorf("no row for %s (backward %v)", want.name, want.backward)
		}
	}
	if s := find(stats, "BmmBackward", true); !s.Span {
		t.Errorf("BmmBackward is not a span")
	}
	var selfSum, total float64
	for i, s := range stats {
		if s.Self > s.Total || s.Self < 0 {
			t.Errorf("%s: self %v, total %v", s.DisplayName(), s.Self, s.Total)
		}
		if i > 0 && s.Total > stats[i-1].Total {
			t.Errorf("not sorted by total time at %s", s.DisplayName())
		}
		selfSum += float64(s.Self)
		total += float64(s.Total)
	}
	if selfSum <= 0 || selfSum > total {
		t.Errorf("self sum %v, total sum %v", selfSum, total)
	}
	if rep.Wall <= 0 || rep.Tracks != 1 {
		t.Errorf("wall %v, %d tracks", rep.Wall, rep.Tracks)
	}

	table := rep.Table()
	for _, want := range []string{"Name", "Calls", "Total", "Self %", "GFLOP/s", "Alloc",
		"\nBmm ", "\nBmm (backward) ", "\nBmmBackward ", "\nReLU ", "Self time total:", "Tensor memory: live"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	byShape := rep.Table(GroupByShapes(), Limit(100))
	if !strings.Contains(byShape, "[1 5 8] [1 8 16]") || !strings.Contains(byShape, "Input shapes") {
		t.Errorf("grouped table lacks Bmm's shapes:\n%s", byShape)
	}
	if short := rep.Table(Limit(3)); strings.Count(short, "\n") != 3+2+3+1 || !strings.Contains(short, "more rows") {
		t.Errorf("Limit(3):\n%s", short)
	}
	t.Logf("\n%s", table)
}

func TestChromeTrace(t *testing.T) {
	_, step := newMLP()
	rep := Run(step)
	var buf bytes.Buffer
	if err := rep.WriteChromeTrace(&buf); err != nil {
		t.Fatal(err)
	}
	var trace struct {
		TraceEvents []struct {
			Name string         `json:"name"`
			Cat  string         `json:"cat"`
			Ph   string         `json:"ph"`
			Ts   *float64       `json:"ts"`
			Dur  *float64       `json:"dur"`
			Pid  *int           `json:"pid"`
			Tid  *int           `json:"tid"`
			Args map[string]any `json:"args"`
		} `json:"traceEvents"`
		DisplayTimeUnit string `json:"displayTimeUnit"`
	}
	if err := json.Unmarshal(buf.Bytes(), &trace); err != nil {
		t.Fatalf("trace is not JSON: %v\n%s", err, buf.String())
	}
	type span struct{ ts, end float64 }
	var spans []span
	complete, counters, threadNames := 0, 0, 0
	for _, e := range trace.TraceEvents {
		if e.Pid == nil || e.Ts == nil || e.Name == "" {
			t.Fatalf("event lacks name, pid or ts: %+v", e)
		}
		switch e.Ph {
		case "X":
			complete++
			if e.Tid == nil || e.Dur == nil || *e.Dur < 0 || *e.Ts < 0 {
				t.Fatalf("bad complete event %+v", e)
			}
			if e.Cat == "backward function" {
				spans = append(spans, span{*e.Ts, *e.Ts + *e.Dur})
			}
		case "C":
			counters++
			if _, ok := e.Args["live bytes"].(float64); !ok {
				t.Fatalf("counter without live bytes: %+v", e)
			}
		case "M":
			if e.Name == "thread_name" {
				threadNames++
			}
		default:
			t.Fatalf("unexpected phase %q", e.Ph)
		}
	}
	if complete != len(rep.Events) || counters == 0 || threadNames != 1 || len(spans) == 0 {
		t.Fatalf("%d complete events for %d ops, %d counters, %d thread names, %d spans", complete, len(rep.Events), counters, threadNames, len(spans))
	}
	// Ops inside backward functions nest within their span, as Perfetto draws them.
	for _, e := range trace.TraceEvents {
		if e.Cat != "backward op" {
			continue
		}
		for _, s := range spans {
			if s.ts <= *e.Ts && *e.Ts+*e.Dur <= s.end+1e-9 {
				goto nested
			}
		}
		if e.Name != "Add" && e.Name != "To" { // gradient accumulation runs between spans
			t.Errorf("backward op %s at %v lies in no span", e.Name, *e.Ts)
		}
	nested:
	}
}

func TestFLOPEstimates(t *testing.T) {
	cases := []struct {
		name  string
		in    [][]int
		out   []int
		attrs []eager.Attr
		want  int64
	}{
		{"Bmm", [][]int{{3, 4, 5}, {3, 5, 6}}, []int{3, 4, 6}, nil, 2 * 3 * 4 * 5 * 6},
		{"Conv2d", [][]int{{2, 3, 8, 8}, {6, 3, 3, 3}, {6}}, []int{2, 6, 8, 8}, nil, 2*2*6*8*8*3*3*3 + 2*6*8*8},
		{"Conv2d", [][]int{{2, 4, 8, 8}, {6, 2, 3, 3}}, []int{2, 6, 6, 6}, nil, 2 * 2 * 6 * 6 * 6 * 2 * 3 * 3}, // groups 2
		{"ConvTranspose2d", [][]int{{2, 3, 4, 4}, {3, 5, 2, 2}}, []int{2, 5, 8, 8}, nil, 2 * 2 * 3 * 4 * 4 * 5 * 2 * 2},
		{"Conv2dBackwardWeight", [][]int{{2, 3, 8, 8}, {2, 6, 6, 6}}, []int{6, 3, 3, 3}, nil, 2 * 6 * 3 * 3 * 3 * 2 * 6 * 6},
		{"MaxPool2d", [][]int{{1, 2, 4, 4}}, []int{1, 2, 2, 2}, []eager.Attr{{Name: "kernel_size", Value: []int{2, 2}}}, 8 * 4},
		{"Add", [][]int{{4, 5}, {5}}, []int{4, 5}, nil, 20},
		{"Sum", [][]int{{4, 5}}, []int{}, nil, 20},
		{"Softmax", [][]int{{4, 5}}, []int{4, 5}, nil, 100},
		{"View", [][]int{{4, 5}}, []int{20}, nil, 0},
		{"SomeNewOp", [][]int{{4, 5}}, []int{3}, nil, 3},
	}
	for _, c := range cases {
		if got := estimateFLOPs(c.name, c.in, c.out, c.attrs); got != c.want {
			t.Errorf("%s %v: %d FLOPs, want %d", c.name, c.in, got, c.want)
		}
	}

	// The same through real convolution ops, forward and backward, so that the input order
	// the estimates assume is the one the ops report.
	conv := nn.NewConv2d(nn.Conv2dConfig{In: 3, Out: 6, Kernel: []int{3}, Padding: []int{1}})
	x := eager.Randn(2, 3, 8, 8).SetRequiresGrad(true)
	rep := Run(func() { conv.Forward(x).Sum().Backward() })
	stats := rep.Stats(false)
	fwd, gx, gw := find(stats, "Conv2d", false), find(stats, "ConvTranspose2d", true), find(stats, "Conv2dBackwardWeight", true)
	if fwd == nil || gx == nil || gw == nil {
		t.Fatalf("conv ops missing:\n%s", rep.Table())
	}
	macs := int64(2 * 6 * 8 * 8 * 3 * 3 * 3)
	if fwd.FLOPs != 2*macs+2*6*8*8 || gx.FLOPs != 2*macs || gw.FLOPs != 2*macs {
		t.Fatalf("conv FLOPs: forward %d, grad input %d, grad weight %d; want %d, %d, %d",
			fwd.FLOPs, gx.FLOPs, gw.FLOPs, 2*macs+2*6*8*8, 2*macs, 2*macs)
	}
}

// TestConcurrentGoroutines profiles ops running on several goroutines: each gets its own
// track, and self times are computed per track. Run with -race.
func TestConcurrentGoroutines(t *testing.T) {
	rep := Run(func() {
		var wg sync.WaitGroup
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := eager.Randn(4, 4).SetRequiresGrad(true)
				for i := 0; i < 20; i++ {
					w.MatMul(w).Tanh().Sum().Backward()
				}
			}()
		}
		wg.Wait()
	})
	if rep.Tracks != 3 {
		t.Fatalf("%d tracks, want 3", rep.Tracks)
	}
	perTrack := map[int]int{}
	for _, e := range rep.Events {
		perTrack[e.Track]++
		if e.Self < 0 || e.Self > e.Dur {
			t.Fatalf("%s: self %v of %v", e.Name, e.Self, e.Dur)
		}
	}
	for tr := 1; tr <= 3; tr++ {
		if perTrack[tr] != perTrack[1] {
			t.Fatalf("tracks recorded different op counts: %v", perTrack)
		}
	}
	if s := find(rep.Stats(false), "Tanh", false); s == nil || s.Calls != 60 {
		t.Fatalf("Tanh row %+v, want 60 calls", s)
	}
}

func TestMemoryInReport(t *testing.T) {
	if eager.MemoryStats().Tracking {
		t.Skip("memory tracking already on")
	}
	var zeros, keep *eager.Tensor
	rep := Run(func() {
		zeros = eager.Zeros(1000) // 4000 B (not an op)
		keep = zeros.AddScalar(1) // Add: 4000 B
	})
	if eager.MemoryStats().Tracking {
		t.Fatal("Stop did not restore memory tracking")
	}
	// Allocated bytes only grow; live bytes can also fall during Run when the collector
	// frees storage tracked by an earlier test, so the peak is checked against the start's
	// live bytes plus what this run allocated.
	if got := rep.MemEnd.AllocatedBytes - rep.MemStart.AllocatedBytes; got < 8000 {
		t.Fatalf("allocated %d bytes during Run, want at least 8000 (start %+v end %+v)", got, rep.MemStart, rep.MemEnd)
	}
	if rep.PeakLiveBytes < 8000 {
		t.Fatalf("peak live bytes %d, want at least 8000", rep.PeakLiveBytes)
	}
	if s := find(rep.Stats(false), "Add", false); s == nil || s.Bytes != 4000 {
		t.Fatalf("Add row %+v", s)
	}
	runtime.KeepAlive(zeros)
	runtime.KeepAlive(keep)
}

func TestStartStopMisuse(t *testing.T) {
	Start()
	err := eager.Try(Start)
	Stop()
	var e *eager.Error
	if !errors.As(err, &e) || e.Op != "profile.Start" || !strings.Contains(e.Msg, "already recording") {
		t.Fatalf("second Start: %v", err)
	}
	err = eager.Try(func() { Stop() })
	if !errors.As(err, &e) || e.Op != "profile.Stop" || !strings.HasPrefix(e.Where, "profile_test.go:") {
		t.Fatalf("Stop without Start: %v", err)
	}
	// A panic inside Run stops the profile.
	func() {
		defer func() { _ = recover() }()
		Run(func() { panic("boom") })
	}()
	rep := Run(func() { eager.Ones(2).Exp() })
	if len(rep.Events) != 1 || rep.Events[0].Name != "Exp" || rep.Events[0].Dur < 0 {
		t.Fatalf("events after a panicking Run: %v", rep.Events)
	}
}

// TestEmitOpEvent reports work done outside the primitive ops (as a jit executor's fused
// kernels would) with its own FLOPs.
func TestEmitOpEvent(t *testing.T) {
	x := eager.Ones(4, 4)
	rep := Run(func() {
		start := eager.Nanotime()
		y := x.Exp() // the "kernel" runs ops of its own
		eager.EmitOpEvent(&eager.OpEvent{Name: "FusedExpAdd", Inputs: []*eager.Tensor{x}, Output: y,
			Start: start, End: eager.Nanotime(), FLOPs: 32, OutputBytes: 64})
	})
	s := find(rep.Stats(false), "FusedExpAdd", false)
	if s == nil || s.FLOPs != 32 || s.Bytes != 64 || s.Calls != 1 {
		t.Fatalf("fused kernel row %+v:\n%s", s, rep.Table())
	}
	if exp := find(rep.Stats(false), "Exp", false); exp == nil || exp.Self > s.Total || s.Self > s.Total-exp.Total {
		t.Fatalf("Exp should nest inside the fused kernel: %+v %+v", exp, s)
	}
}
