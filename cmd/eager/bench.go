package main

// eager bench: the speed workloads of the performance issue, run in eager and, in the same
// invocation, in PyTorch (bench/torch_bench.py), printed side by side.
//
// Method (the same in both languages, so that the figures compare):
//   - Every workload runs in a fresh process (this binary re-executed with -worker, or the
//     Python script with --workload), so that peak memory is the workload's own and one
//     workload's heap does not slow the next.
//   - Time: warm up (eager: also until the garbage collector has run three cycles, so that
//     the heap has grown to its steady size), then time 5 chunks of iterations (each about
//     -time/5) and report the best chunk's time per iteration. The best of several is the
//     most repeatable figure on a busy machine (as Python's timeit recommends); the median
//     is printed by -v.
//   - Peak memory: the process's peak resident set (getrusage ru_maxrss, which both Go and
//     Python read from the kernel) minus its resident set before the workload built its model
//     and data, so the interpreter, torch's libraries and the Go runtime are not counted.
//     For eager the peak of live Go heap objects (runtime/metrics
//     /memory/classes/heap/objects:bytes, sampled every 100us over extra iterations) is also
//     printed: it is what the model and its activations need, before GC slack.
//   - GC: the share of the process's CPU time that the Go runtime spent in the garbage
//     collector during the timed chunks (runtime/metrics /cpu/classes/gc/total over
//     /cpu/classes/total less idle time, both less the idle-time mark workers, which only use
//     a core the program left idle), and the GC cycles per step.
//   - Threads: eager uses GOMAXPROCS (all cores). PyTorch runs with its own thread pool and
//     OpenBLAS's each set to 1 and to 2 threads (four processes) and its best figure is
//     reported with the setting (-torch-threads default: only PyTorch's defaults).

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/jit"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// benchResult is one workload's figures, as printed by a worker (Go or Python) in JSON.
type benchResult struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`     // in the workload's unit
	Median   float64 `json:"median"`    // the median chunk, same unit
	PeakRSS  float64 `json:"peak_rss"`  // bytes: peak resident set minus the resident set at start
	HeapPeak float64 `json:"heap_peak"` // bytes: peak live Go heap objects (eager only)
	GCPct    float64 `json:"gc_pct"`    // percent of CPU time in GC during timing (eager only)
	GCPerOp  float64 `json:"gc_per_op"` // GC cycles per step during timing (eager only)
	Bytes    float64 `json:"bytes"`     // bytes allocated per step during timing (eager only)
	Threads  string  `json:"threads"`   // thread setting used (PyTorch: "torch N, blas M")
	BLAS     string  `json:"blas"`      // the BLAS library PyTorch's libblas.so.3 resolves to
	Error    string  `json:"error"`
}

// benchWorkload is one workload: build returns the step to time and the work one step does
// (FLOPs, samples or ops, depending on the unit).
type benchWorkload struct {
	name   string
	title  string
	unit   string // "GFLOP/s", "us", "ms" or "samples/s"
	perOp  bool   // us/ms are per op: one step runs work ops
	build  func() (step func(), work float64)
	higher bool // a higher figure is better
	// compiled, where set, builds the same workload with the step compiled by jit.Compile
	// and returns the compiled function too (checked after timing to have run compiled).
	compiled func() (step func(), work float64, fn *jit.Func)
}

var benchWorkloads = []benchWorkload{
	{name: "matmul128", title: "matmul 128x128", unit: "GFLOP/s", higher: true, build: benchMatMul(128)},
	{name: "matmul512", title: "matmul 512x512", unit: "GFLOP/s", higher: true, build: benchMatMul(512)},
	{name: "matmul1024", title: "matmul 1024x1024", unit: "GFLOP/s", higher: true, build: benchMatMul(1024)},
	{name: "mlp_fwd", title: "MLP GEMM x·Wᵀ 64x784·784x256", unit: "GFLOP/s", higher: true, build: benchMLPGemm("fwd")},
	{name: "mlp_dw", title: "MLP GEMM gᵀ·x 256x64·64x784", unit: "GFLOP/s", higher: true, build: benchMLPGemm("dw")},
	{name: "mlp_dx", title: "MLP GEMM g·W 64x256·256x784", unit: "GFLOP/s", higher: true, build: benchMLPGemm("dx")},
	{name: "add1", title: "one-element Add", unit: "us", perOp: true, build: benchAdd1, compiled: jitAdd1},
	{name: "add1_grad", title: "one-element Add recording autograd", unit: "us", perOp: true, build: benchAdd1Grad},
	{name: "tiny_backward", title: "(a*b+c).sum().backward(), 1 element", unit: "us", perOp: true, build: benchTinyBackward, compiled: jitTinyBackward},
	{name: "sum10k", title: "sum of 10,000 one-element tensors, per add", unit: "ns", perOp: true, build: benchSum10k, compiled: jitSum10k},
	{name: "chain4m", title: "relu(x*w+b)*0.5+x, 4M float32", unit: "ms", perOp: true, build: benchChain, compiled: jitChain},
	{name: "chain4m_ops", title: "the same, eager op by op (no deferral)", unit: "ms", perOp: true, build: benchChainOps},
	{name: "transpose", title: "x.T().Contiguous(), 784x256 float32", unit: "us", perOp: true, build: benchTranspose},
	{name: "gelu1m", title: "GELU forward and backward, 1M float32", unit: "ms", perOp: true, build: benchGELU, compiled: jitGELU},
	{name: "mlp", title: "MLP 784-256-128-10 b64 Adam step", unit: "ms", perOp: true, build: benchMLP, compiled: jitTrain(mlpParts)},
	{name: "cnn", title: "MNIST CNN b64 Adam step", unit: "samples/s", higher: true, build: benchCNN, compiled: jitTrain(cnnParts)},
	{name: "lenet", title: "LeNet-5 b64 Adam step", unit: "samples/s", higher: true, build: benchLeNet, compiled: jitTrain(lenetParts)},
	{name: "transformer", title: "char transformer 2x128 ctx64 b32 AdamW", unit: "ms", perOp: true, build: benchTransformer, compiled: jitTrain(transformerParts)},
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	budget := fs.Duration("time", time.Second, "timed duration per workload and process (after warm-up)")
	only := fs.String("run", "", "comma-separated workloads to run (default all): "+workloadNames())
	python := fs.String("python", "/usr/bin/python3", "Python interpreter with torch (empty: eager only)")
	script := fs.String("script", "", "path of bench/torch_bench.py (default: found from the working directory)")
	torchThreads := fs.String("torch-threads", "best", "PyTorch threads: best (try 1 and 2 for torch and OpenBLAS each), default, or a number")
	verbose := fs.Bool("v", false, "also print median figures and the worker commands")
	noJit := fs.Bool("nojit", false, "skip the compiled (jit) runs")
	worker := fs.String("worker", "", "internal: run one workload in this process and print JSON")
	compiled := fs.Bool("jit", false, "with -worker: run the workload compiled by jit.Compile")
	cpuProfile := fs.String("cpuprofile", "", "with -worker: write a CPU profile of the timed steps")
	memProfile := fs.String("memprofile", "", "with -worker: write an allocation profile of the timed steps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *worker != "" {
		return benchWorker(*worker, *compiled, *budget, *cpuProfile, *memProfile, os.Stdout)
	}
	wls, err := selectWorkloads(*only)
	if err != nil {
		return err
	}
	torchOK, why := torchAvailable(*python, script)
	fmt.Printf("eager bench: %d workloads, %v each; GOMAXPROCS=%d\n", len(wls), *budget, runtime.GOMAXPROCS(0))
	if !torchOK {
		fmt.Printf("PyTorch figures skipped: %s\n", why)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var rows []benchRow
	for _, w := range wls {
		var row benchRow
		fmt.Fprintf(os.Stderr, "  %-12s eager...", w.name)
		row.eager = runWorker(exec.Command(self, "bench", "-worker", w.name, "-time", budget.String()), *verbose)
		if w.compiled != nil && !*noJit {
			fmt.Fprint(os.Stderr, " jit...")
			row.jit = runWorker(exec.Command(self, "bench", "-worker", w.name, "-jit", "-time", budget.String()), *verbose)
		}
		if torchOK {
			fmt.Fprint(os.Stderr, " torch...")
			row.torch = bestTorch(w, *python, *script, *budget, *torchThreads, *verbose)
		}
		fmt.Fprintln(os.Stderr)
		rows = append(rows, row)
	}
	printBenchTable(os.Stdout, wls, rows, *verbose)
	return nil
}

func workloadNames() string {
	var s []string
	for _, w := range benchWorkloads {
		s = append(s, w.name)
	}
	return strings.Join(s, ",")
}

func selectWorkloads(only string) ([]benchWorkload, error) {
	if only == "" {
		return benchWorkloads, nil
	}
	var out []benchWorkload
	for _, n := range strings.Split(only, ",") {
		i := slices.IndexFunc(benchWorkloads, func(w benchWorkload) bool { return w.name == strings.TrimSpace(n) })
		if i < 0 {
			return nil, fmt.Errorf("unknown workload %q (want %s)", n, workloadNames())
		}
		out = append(out, benchWorkloads[i])
	}
	return out, nil
}

// torchAvailable finds the Python script and checks that python imports torch.
func torchAvailable(python string, script *string) (bool, string) {
	if python == "" {
		return false, "-python is empty"
	}
	if *script == "" {
		*script = findScript()
		if *script == "" {
			return false, "bench/torch_bench.py not found above the working directory (pass -script)"
		}
	}
	if _, err := os.Stat(*script); err != nil {
		return false, err.Error()
	}
	out, err := exec.Command(python, "-c", "import torch; print(torch.__version__)").CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return false, fmt.Sprintf("%s cannot import torch: %v: %s", python, err, lines[len(lines)-1])
	}
	return true, ""
}

// findScript looks for bench/torch_bench.py in the working directory and its parents (the
// module root when run with go run ./cmd/eager from inside the repository).
func findScript() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "bench", "torch_bench.py")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// bestTorch runs the PyTorch worker for w under each thread setting and returns the best.
func bestTorch(w benchWorkload, python, script string, budget time.Duration, threads string, verbose bool) *benchResult {
	type setting struct{ torch, blas string }
	var settings []setting
	switch threads {
	case "best":
		settings = []setting{{"1", "1"}, {"2", "1"}, {"1", "2"}, {"2", "2"}}
	case "default":
		settings = []setting{{"", ""}}
	default:
		settings = []setting{{threads, threads}}
	}
	var best *benchResult
	for _, s := range settings {
		args := []string{script, "--workload", w.name, "--time", fmt.Sprint(budget.Seconds())}
		if s.torch != "" {
			args = append(args, "--threads", s.torch)
		}
		cmd := exec.Command(python, args...)
		cmd.Env = os.Environ()
		if s.blas != "" {
			cmd.Env = append(cmd.Env, "OPENBLAS_NUM_THREADS="+s.blas)
		}
		r := runWorker(cmd, verbose)
		if r.Error != "" {
			if best == nil {
				best = r
			}
			continue
		}
		if best == nil || best.Error != "" || better(w, r.Value, best.Value) {
			best = r
		}
	}
	return best
}

func better(w benchWorkload, a, b float64) bool {
	if w.higher {
		return a > b
	}
	return a < b
}

// runWorker runs one worker process and parses the JSON line it prints last.
func runWorker(cmd *exec.Cmd, verbose bool) *benchResult {
	if verbose {
		fmt.Fprintf(os.Stderr, "\n    %s", strings.Join(cmd.Args, " "))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var r benchResult
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &r); jerr != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		if err == nil {
			err = jerr
		}
		return &benchResult{Error: fmt.Sprintf("%v: %s", err, msg)}
	}
	return &r
}

// benchRow is one workload's results: eager's, the compiled step's (nil when not run) and
// PyTorch's (nil when not run).
type benchRow struct{ eager, jit, torch *benchResult }

// ratio returns how many times faster a is than b in w's unit, as text ("-" when either is
// missing or failed).
func (w benchWorkload) ratio(a, b *benchResult) string {
	if a == nil || b == nil || a.Error != "" || b.Error != "" || a.Value <= 0 || b.Value <= 0 {
		return "-"
	}
	r := a.Value / b.Value
	if !w.higher {
		r = b.Value / a.Value
	}
	return fmt.Sprintf("%.2fx", r)
}

func printBenchTable(out io.Writer, wls []benchWorkload, rows []benchRow, verbose bool) {
	fmt.Fprintln(out)
	fmt.Fprintf(out, "%-44s %10s %10s %10s %7s %7s %7s %10s %10s %10s %6s  %s\n",
		"workload", "eager", "jit", "PyTorch", "ratio", "jit/pt", "jit/eag", "eager mem", "torch mem", "eager heap", "GC %", "PyTorch threads")
	mb := func(b float64) string {
		if b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f MB", b/(1<<20))
	}
	figure := func(r *benchResult) string {
		if r == nil || r.Error != "" {
			return "-"
		}
		return fmtFigure(r.Value)
	}
	var failures []string
	for i, w := range wls {
		g, j, t := rows[i].eager, rows[i].jit, rows[i].torch
		label := fmt.Sprintf("%s (%s)", w.title, w.unit)
		if g.Error != "" {
			fmt.Fprintf(out, "%-44s eager failed: %s\n", label, g.Error)
			continue
		}
		if j != nil && j.Error != "" {
			failures = append(failures, fmt.Sprintf("%s: jit failed: %s", w.name, j.Error))
		}
		tmem, threads := "-", ""
		if t != nil && t.Error == "" {
			tmem, threads = mb(t.PeakRSS), t.Threads
		} else if t != nil {
			threads = "failed: " + t.Error
		}
		fmt.Fprintf(out, "%-44s %10s %10s %10s %7s %7s %7s %10s %10s %10s %6.1f  %s\n",
			label, figure(g), figure(j), figure(t), w.ratio(g, t), w.ratio(j, t), w.ratio(j, g),
			mb(g.PeakRSS), tmem, mb(g.HeapPeak), g.GCPct, threads)
		if verbose {
			median := func(r *benchResult) string {
				if r == nil || r.Error != "" {
					return "-"
				}
				return fmtFigure(r.Median)
			}
			fmt.Fprintf(out, "%-44s %10s %10s %10s   eager: %.0f bytes and %.3f GC cycles per step\n",
				"  median", median(g), median(j), median(t), g.Bytes, g.GCPerOp)
		}
	}
	for _, f := range failures {
		fmt.Fprintln(out, f)
	}
	for _, r := range rows {
		if t := r.torch; t != nil && t.BLAS != "" && !strings.Contains(t.BLAS, "openblas") && !strings.Contains(t.BLAS, "mkl") {
			fmt.Fprintf(out, "\nnote: PyTorch's BLAS is %s, not OpenBLAS or MKL: its matmul-heavy figures are far below\n"+
				"what it reaches with OpenBLAS (Debian: apt-get install libopenblas0-pthread).\n", t.BLAS)
			break
		}
	}
	fmt.Fprintln(out, `
ratio: how many times faster eager is than PyTorch (above 1: eager is faster); jit/pt: the
compiled step (jit.Compile) against PyTorch; jit/eag: the compiled step against eager.
mem: peak resident set during the workload minus the resident set before it (getrusage, both).
eager heap: peak live Go heap objects (runtime/metrics). GC %: eager's CPU time in the GC.`)
}

func fmtFigure(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// benchWorker runs one workload in this process (compiled: its jit.Compile form) and prints
// its benchResult as JSON.
func benchWorker(name string, compiled bool, budget time.Duration, cpuProfile, memProfile string, out io.Writer) error {
	i := slices.IndexFunc(benchWorkloads, func(w benchWorkload) bool { return w.name == name })
	if i < 0 {
		return fmt.Errorf("unknown workload %q", name)
	}
	w := benchWorkloads[i]
	rss0 := residentBytes()
	var step func()
	var work float64
	var fn *jit.Func
	switch {
	case !compiled:
		step, work = w.build()
	case w.compiled == nil:
		return fmt.Errorf("workload %q has no compiled form", name)
	default:
		step, work, fn = w.compiled()
	}
	if memProfile != "" {
		runtime.MemProfileRate = 4096
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	best, median, st := timeSteps(step, budget)
	if cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if memProfile != "" {
		f, err := os.Create(memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	heapPeak := sampleHeapPeak(step, 3)
	if fn != nil {
		// Every call after the first few must have run a cached graph; a step that fell back
		// to eager (fn depends on Go state) would print eager's figure as jit's.
		if st := fn.Stats(); st.Hits < st.Calls-st.Traces || st.Hits == 0 || st.EagerCalls > 2 {
			return json.NewEncoder(out).Encode(benchResult{Name: name, Error: fmt.Sprintf("not compiled: %d calls, %d cache hits, %d traces (%d eager): %s",
				st.Calls, st.Hits, st.Traces, st.EagerCalls, strings.Join(st.Reasons, "; "))})
		}
	}
	r := benchResult{
		Name: name, Value: w.figure(best, work), Median: w.figure(median, work),
		PeakRSS: float64(peakResidentBytes() - rss0), HeapPeak: float64(heapPeak),
		GCPct: st.gcPct, GCPerOp: st.gcCycles, Bytes: st.bytes,
		Threads: fmt.Sprintf("GOMAXPROCS %d", runtime.GOMAXPROCS(0)),
	}
	return json.NewEncoder(out).Encode(r)
}

// figure converts seconds per step into the workload's unit.
func (w benchWorkload) figure(sec, work float64) float64 {
	switch w.unit {
	case "GFLOP/s":
		return work / sec / 1e9
	case "samples/s":
		return work / sec
	case "ns":
		return sec / work * 1e9
	case "us":
		return sec / work * 1e6
	case "ms":
		return sec / work * 1e3
	}
	return sec
}

// stepStats is what timeSteps measured besides time, per step.
type stepStats struct {
	gcPct    float64 // percent of busy CPU time in the GC
	gcCycles float64 // GC cycles per step
	bytes    float64 // bytes allocated per step
}

// timeSteps warms step up, then times 5 chunks of about budget/5 each; it returns the best and
// the median seconds per step, and the GC's share of CPU time over the chunks in percent.
func timeSteps(step func(), budget time.Duration) (best, median float64, st stepStats) {
	// Warm up: at least 2 steps and budget/5, and until the collector has run 3 cycles (at
	// most budget): the heap grows to its steady size over the first cycles, faulting in fresh
	// pages, which for workloads with large tensors (the 4M chain) made the first second's
	// steps ten times slower than later ones. Then calibrate the chunk size on steady steps.
	n, start, cycles0 := 0, time.Now(), gcCycles()
	for n < 2 || time.Since(start) < budget/5 || (gcCycles()-cycles0 < 3 && time.Since(start) < budget) {
		step()
		n++
	}
	n, start = 0, time.Now()
	for n < 2 || time.Since(start) < budget/20 {
		step()
		n++
	}
	per := time.Since(start).Seconds() / float64(n)
	chunk := max(1, int(budget.Seconds()/5/per))
	runtime.GC()
	gc0, cpu0 := gcCPU()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	var times []float64
	for c := 0; c < 5; c++ {
		t := time.Now()
		for i := 0; i < chunk; i++ {
			step()
		}
		times = append(times, time.Since(t).Seconds()/float64(chunk))
	}
	gc1, cpu1 := gcCPU()
	runtime.ReadMemStats(&m1)
	slices.Sort(times)
	steps := float64(5 * chunk)
	if cpu1 > cpu0 {
		st.gcPct = 100 * (gc1 - gc0) / (cpu1 - cpu0)
	}
	st.gcCycles = float64(m1.NumGC-m0.NumGC) / steps
	st.bytes = float64(m1.TotalAlloc-m0.TotalAlloc) / steps
	return times[0], times[len(times)/2], st
}

// gcCycles returns how many garbage collection cycles have completed.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// gcCPU returns the runtime's estimates of GC CPU seconds and of busy CPU seconds. Idle-time
// mark workers (the GC soaking up a core the program left idle) count as neither: they cost
// the program nothing.
func gcCPU() (gc, busy float64) {
	s := []metrics.Sample{
		{Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"},
		{Name: "/cpu/classes/total:cpu-seconds"},
		{Name: "/cpu/classes/idle:cpu-seconds"},
	}
	metrics.Read(s)
	idleMark := s[1].Value.Float64()
	return s[0].Value.Float64() - idleMark, s[2].Value.Float64() - s[3].Value.Float64() - idleMark
}

// sampleHeapPeak runs step n times while a goroutine samples the live heap objects every
// 100us, and returns the largest sample.
func sampleHeapPeak(step func(), n int) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(100 * time.Microsecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	for i := 0; i < n; i++ {
		step()
	}
	close(done)
	wg.Wait()
	return peak.Load()
}

// residentBytes returns the current resident set size (Linux /proc/self/statm).
func residentBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, res uint64
	if _, err := fmt.Sscan(string(b), &size, &res); err != nil {
		return 0
	}
	return res * uint64(os.Getpagesize())
}

// peakResidentBytes returns the process's peak resident set size (getrusage ru_maxrss, KiB
// on Linux).
func peakResidentBytes() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return uint64(ru.Maxrss) * 1024
}

// The workloads. Inputs are random with fixed seeds (no data loading): each step is one
// forward, backward and optimizer update on the same batch, as in bench/torch_bench.py.

func benchMatMul(n int) func() (func(), float64) {
	return func() (func(), float64) {
		eager.ManualSeed(1)
		x, y := eager.Randn(n, n), eager.Randn(n, n)
		return func() { _ = x.MatMul(y) }, 2 * float64(n) * float64(n) * float64(n)
	}
}

// benchMLPGemm is one of the three products of the MLP's first layer (batch 64, 784 → 256):
// the forward x·Wᵀ and the backward gᵀ·x (weight gradient) and g·W (input gradient), with the
// transposed operands as views, as nn.Linear and autograd produce them.
func benchMLPGemm(which string) func() (func(), float64) {
	return func() (func(), float64) {
		eager.ManualSeed(1)
		x, w, g := eager.Randn(64, 784), eager.Randn(256, 784), eager.Randn(64, 256)
		work := 2.0 * 64 * 784 * 256
		switch which {
		case "fwd":
			return func() { _ = x.MatMul(w.T()) }, work
		case "dw":
			return func() { _ = g.T().MatMul(x) }, work
		default:
			return func() { _ = g.MatMul(w) }, work
		}
	}
}

const opsPerStep = 100 // per-op workloads run this many ops per step

func benchAdd1() (func(), float64) {
	x, y := eager.Full(1, 1), eager.Full(2, 1)
	return func() {
		for i := 0; i < opsPerStep; i++ {
			_ = x.Add(y)
		}
	}, opsPerStep
}

func benchAdd1Grad() (func(), float64) {
	x, y := eager.Full(1, 1).SetRequiresGrad(true), eager.Full(2, 1).SetRequiresGrad(true)
	return func() {
		for i := 0; i < opsPerStep; i++ {
			_ = x.Add(y)
		}
	}, opsPerStep
}

func benchTinyBackward() (func(), float64) {
	a := eager.Full(1, 1).SetRequiresGrad(true)
	b := eager.Full(2, 1).SetRequiresGrad(true)
	c := eager.Full(3, 1).SetRequiresGrad(true)
	return func() {
		for i := 0; i < opsPerStep; i++ {
			a.Mul(b).Add(c).Sum().Backward()
		}
	}, opsPerStep
}

func benchChain() (func(), float64) {
	x, w, b := chainInputs()
	// Realize: eager defers large elementwise ops until their result is read (see
	// eager.SetDeferredFusion); the workload is computing the result, as PyTorch's does.
	return func() { chain(x, w, b).Realize() }, 1
}

// benchChainOps is chain4m with deferred fusion off: five ops, each computed at its call
// into a fresh buffer, as PyTorch computes them.
func benchChainOps() (func(), float64) {
	x, w, b := chainInputs()
	return func() {
		defer eager.SetDeferredFusion(eager.SetDeferredFusion(false))
		_ = chain(x, w, b)
	}, 1
}

// chainInputs returns chain4m's three 4M-element inputs.
func chainInputs() (x, w, b *eager.Tensor) {
	eager.ManualSeed(1)
	const n = 4 << 20
	return eager.Randn(n), eager.Randn(n), eager.Randn(n)
}

// chain is chain4m's expression, relu(x*w+b)*0.5+x, as five eager ops.
func chain(x, w, b *eager.Tensor) *eager.Tensor { return x.Mul(w).Add(b).ReLU().MulScalar(0.5).Add(x) }

// benchTranspose copies the transpose of a 784x256 matrix (an MNIST layer's weight) into a
// new contiguous tensor, as code that needs a transposed operand in memory does.
func benchTranspose() (func(), float64) {
	eager.ManualSeed(1)
	x := eager.Randn(784, 256)
	return func() { _ = x.T().Contiguous() }, 1
}

// benchGELU is GELU (erf form) and its input gradient on 1M elements, as a transformer's
// feed-forward layer runs them.
func benchGELU() (func(), float64) {
	eager.ManualSeed(1)
	const n = 1 << 20
	x := eager.Randn(n).SetRequiresGrad(true)
	g := eager.Randn(n)
	return func() {
		x.GELU().BackwardWith(eager.BackwardOptions{Grad: g})
		x.ZeroGrad()
	}, 1
}

// trainStep is one training step of p's model on the batch it is given: cross-entropy
// loss, backward, optimizer update. It returns the loss, in the form jit.Compile takes; the
// eager workloads call it directly on p's fixed random batch.
func (p trainParts) trainStep(xs ...*eager.Tensor) []*eager.Tensor {
	p.opt.ZeroGrad()
	loss := nn.CrossEntropy(p.model.Forward(xs[0]), xs[1])
	loss.Backward()
	p.opt.Step()
	return []*eager.Tensor{loss}
}

// randomLabels returns n int64 labels below classes.
func randomLabels(n, classes int, seed uint64) *eager.Tensor {
	r := rand.New(rand.NewPCG(seed, 0))
	l := make([]int64, n)
	for i := range l {
		l[i] = int64(r.IntN(classes))
	}
	return eager.FromSlice(l)
}

// trainParts is a training workload's model, optimizer, batch and samples per step. With
// capturable the optimizer keeps its step count in a tensor, as a compiled step needs (the
// updates are the same).
type trainParts struct {
	model     nn.Module
	opt       optim.Optimizer
	x, target *eager.Tensor
	samples   float64
}

func mlpParts(capturable bool) trainParts {
	eager.ManualSeed(1)
	model, _ := newModel("mlp")
	opt := optim.NewAdam(model.Parameters(), optim.AdamConfig{LR: 1e-3, Capturable: capturable})
	return trainParts{model, opt, eager.Randn(64, 784), randomLabels(64, 10, 1), 1}
}

func cnnParts(capturable bool) trainParts {
	eager.ManualSeed(1)
	model, _ := newModel("cnn") // conv 3x3 32, pool, conv 3x3 64, pool, fc 128, fc 10
	opt := optim.NewAdam(model.Parameters(), optim.AdamConfig{LR: 1e-3, Capturable: capturable})
	return trainParts{model, opt, eager.Randn(64, 1, 28, 28), randomLabels(64, 10, 1), 64}
}

func lenetParts(capturable bool) trainParts {
	eager.ManualSeed(1)
	model := newLeNet5()
	opt := optim.NewAdam(model.Parameters(), optim.AdamConfig{LR: 1e-3, Capturable: capturable})
	return trainParts{model, opt, eager.Randn(64, 1, 28, 28), randomLabels(64, 10, 1), 64}
}

func transformerParts(capturable bool) trainParts {
	eager.ManualSeed(1)
	m := newCharTransformer()
	opt := optim.NewAdamW(m.Parameters(), optim.AdamWConfig{LR: 1e-3, Capturable: capturable})
	idx := randomLabels(ctBatch*ctCtx, ctVocab, 1).Reshape(ctBatch, ctCtx)
	target := randomLabels(ctBatch*ctCtx, ctVocab, 2)
	return trainParts{m, opt, idx, target, 1}
}

// eagerTrain returns a training workload's eager step.
func eagerTrain(parts func(bool) trainParts) func() (func(), float64) {
	return func() (func(), float64) {
		p := parts(false)
		return func() { p.trainStep(p.x, p.target) }, p.samples
	}
}

var (
	benchMLP         = eagerTrain(mlpParts)
	benchCNN         = eagerTrain(cnnParts)
	benchLeNet       = eagerTrain(lenetParts)
	benchTransformer = eagerTrain(transformerParts)
)

// newLeNet5 is LeNet-5 for 28x28 inputs with ReLU and max pooling: conv 5x5 6 (padding 2),
// pool, conv 5x5 16, pool, fc 120, fc 84, fc 10.
func newLeNet5() nn.Module {
	return nn.NewSequential(
		nn.NewConv2d(nn.Conv2dConfig{In: 1, Out: 6, Kernel: []int{5}, Padding: []int{2}}), &nn.ReLU{},
		nn.NewMaxPool2d(2, 2),
		nn.NewConv2d(nn.Conv2dConfig{In: 6, Out: 16, Kernel: []int{5}}), &nn.ReLU{},
		nn.NewMaxPool2d(2, 2),
		nn.NewFlatten(),
		nn.NewLinear(16*5*5, 120), &nn.ReLU{},
		nn.NewLinear(120, 84), &nn.ReLU{},
		nn.NewLinear(84, 10),
	)
}

// charTransformer is a 2-layer character-level transformer language model: token and learned
// position embeddings, post-norm encoder layers with a causal mask, and a linear head.
type charTransformer struct {
	nn.Base
	tok, pos *nn.Embedding
	layers   []*nn.TransformerEncoderLayer
	head     *nn.Linear
	posIdx   *eager.Tensor
}

const (
	ctVocab = 65 // the characters of Tiny Shakespeare
	ctDim   = 128
	ctHeads = 4
	ctCtx   = 64
	ctBatch = 32
)

func newCharTransformer() *charTransformer {
	m := &charTransformer{posIdx: eager.ArangeOf(eager.Int64, 0, ctCtx, 1)}
	m.tok = nn.Register(m, "tok", nn.NewEmbedding(ctVocab, ctDim))
	m.pos = nn.Register(m, "pos", nn.NewEmbedding(ctCtx, ctDim))
	for i := 0; i < 2; i++ {
		m.layers = append(m.layers, nn.Register(m, fmt.Sprintf("layers.%d", i), nn.NewTransformerEncoderLayer(nn.TransformerEncoderLayerConfig{
			DModel: ctDim, Heads: ctHeads, FF: 4 * ctDim, NoDropout: true, BatchFirst: true,
		})))
	}
	m.head = nn.Register(m, "head", nn.NewLinear(ctDim, ctVocab))
	return m
}

// Forward maps token indices [B, T] to logits [B*T, vocab].
func (m *charTransformer) Forward(idx *eager.Tensor) *eager.Tensor {
	h := m.tok.Forward(idx).Add(m.pos.Forward(m.posIdx))
	for _, l := range m.layers {
		h = l.ForwardMasked(h, nn.AttentionMasks{Causal: true})
	}
	return m.head.Forward(h).Reshape(-1, ctVocab)
}
