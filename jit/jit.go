package jit

import (
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/eagerml/eager"
)

// Func is a compiled function: call it like the function it was made from. The first call
// with a new input signature traces fn, optimizes the graph and caches it; later calls with
// that signature run the cached graph. A Func is safe for concurrent use.
type Func struct {
	fn  func(xs ...*eager.Tensor) []*eager.Tensor
	cfg config

	mu      sync.Mutex
	entries []*entry // the cache, at most cfg.cacheSize
	clock   uint64
	last    *entry // the most recently traced entry
	stats   Stats

	// The arguments of the last call that ran a cached graph: a call with the same tensors
	// (whose dtypes and shapes cannot change) and the same requires-grad flags and grad
	// mode has the same signature, checked without encoding it.
	lastXs   []*eager.Tensor
	lastRG   []bool
	lastGrad bool
	lastHit  *entry
}

// Stats counts what a Func did.
type Stats struct {
	Calls  int // calls of the compiled function
	Traces int // traces (each compiled a graph, except EagerCalls)
	// EagerCalls counts traces that kept no graph because fn depended on Go state that
	// changes between calls (eager.MarkGoStateDependent): those calls ran eagerly.
	EagerCalls int
	Hits       int      // calls that ran a cached graph
	Evictions  int      // cached graphs dropped to make room
	Cached     int      // graphs in the cache now
	Reasons    []string // why each trace happened, in order ("first call", "input 0: f32[4] -> f32[5]", ...)

	TraceTime   time.Duration // total time running fn under the tracer (an eager call plus recording)
	CompileTime time.Duration // total time in passes and execution planning
}

// Snapshot is the graph as one pass left it.
type Snapshot struct {
	Pass  string // "trace" for the graph as traced
	Graph *Graph
}

type config struct {
	cacheSize int
	passes    []string
	dump      io.Writer
	tile      int  // elements per tile of native kernels
	tileSet   bool // tile was chosen by WithTileSize: fused loops do not grow it

	staticOutputs bool
	// noUpdateGroups runs optimizer updates node by node (tests compare both executors).
	noUpdateGroups bool
}

// Option configures Compile.
type Option func(*config)

// WithCacheSize bounds the number of compiled graphs kept per Func (default 8); the least
// recently used one is dropped first.
func WithCacheSize(n int) Option {
	return func(c *config) { c.cacheSize = max(n, 1) }
}

// WithPasses sets the optimization passes to run, in order (default DefaultPasses). Names:
// "dce", "simplify", "fold", "cse", "sumchain", "gemm", "fuse", "memplan".
func WithPasses(names ...string) Option {
	return func(c *config) { c.passes = append([]string(nil), names...) }
}

// WithoutPasses removes passes from the pipeline.
func WithoutPasses(names ...string) Option {
	return func(c *config) {
		var keep []string
		for _, p := range c.passes {
			drop := false
			for _, n := range names {
				drop = drop || n == p
			}
			if !drop {
				keep = append(keep, p)
			}
		}
		c.passes = keep
	}
}

// WithDump writes the graph as traced and after every pass to w each time fn is compiled.
func WithDump(w io.Writer) Option { return func(c *config) { c.dump = w } }

// WithTileSize sets the number of elements a fused elementwise kernel computes per tile.
// By default a tile has 2048 elements (a few tiles of float32 fit in a 32 KiB L1 data
// cache), and a fused loop over a large iteration space takes larger tiles as long as one
// tile of all its operands, scratch registers and outputs stays within kernels.TileBudget bytes.
func WithTileSize(n int) Option {
	return func(c *config) { c.tile, c.tileSet = max(n, 64), true }
}

// WithStaticOutputs makes the outputs that jit's own kernels compute (fused loops, n-ary
// sums, GEMMs) buffers owned by the compiled function, as CUDA graphs' static outputs: a
// later call with the same signature overwrites them in place instead of allocating new
// ones, so that a call costs no allocation and no page faults. Use an output before the
// next call, or Clone it to keep it. Without this option (the default) every call returns
// new tensors, as eager does.
func WithStaticOutputs() Option { return func(c *config) { c.staticOutputs = true } }

// DefaultPasses is the optimization pipeline Compile runs unless told otherwise.
var DefaultPasses = []string{"dce", "simplify", "fold", "cse", "dce", "sumchain", "gemm", "fuse", "dce", "memplan"}

// Compile returns fn compiled into graph mode. fn receives the arguments of each call and
// returns any number of tensors; it may call Backward and update parameters in place (a
// whole training step). See the package documentation for what fn may and may not do.
func Compile(fn func(xs ...*eager.Tensor) []*eager.Tensor, opts ...Option) *Func {
	f := &Func{fn: fn, cfg: config{cacheSize: 8, passes: append([]string(nil), DefaultPasses...), tile: 2048}}
	for _, o := range opts {
		o(&f.cfg)
	}
	return f
}

// Compile1 compiles a function of one tensor returning one tensor.
func Compile1(fn func(x *eager.Tensor) *eager.Tensor, opts ...Option) *Func1 {
	return &Func1{Compile(func(xs ...*eager.Tensor) []*eager.Tensor {
		return []*eager.Tensor{fn(xs[0])}
	}, opts...)}
}

// Func1 is a compiled one-in, one-out function.
type Func1 struct{ *Func }

// Call runs the compiled function on x.
func (f *Func1) Call(x *eager.Tensor) *eager.Tensor { return f.Func.Call(x)[0] }

// Call runs the compiled function. It panics with an *Error when fn cannot be traced (see
// TryCall for an error instead).
func (f *Func) Call(xs ...*eager.Tensor) []*eager.Tensor {
	outs, err := f.TryCall(xs...)
	if err != nil {
		panic(err)
	}
	return outs
}

// TryCall runs the compiled function, returning an *Error (wrapping ErrDataDependent,
// ErrUnsupported or ErrAliasing) when fn cannot be traced. Other panics of fn (a shape
// mismatch) propagate. The outputs carry no autograd history: put Backward inside fn.
func (f *Func) TryCall(xs ...*eager.Tensor) ([]*eager.Tensor, error) {
	if currentTracer() != nil {
		// Called while another function is being traced on this goroutine: run eagerly, so
		// that the outer trace records the ops.
		return f.fn(xs...), nil
	}
	gradMode := eager.IsGradEnabled()
	f.mu.Lock()
	f.stats.Calls++
	if e := f.sameArgs(xs, gradMode); e != nil {
		f.stats.Hits++
		f.clock++
		e.lastUse = f.clock
		f.mu.Unlock()
		return e.plan.run(xs), nil
	}
	f.mu.Unlock()
	kb := keyPool.Get().(*[]byte)
	*kb = appendSignature((*kb)[:0], xs, gradMode)
	f.mu.Lock()
	e, why := f.lookup(*kb, xs)
	if e != nil {
		f.stats.Hits++
		f.remember(e, xs, gradMode)
	}
	f.mu.Unlock()
	if e != nil {
		keyPool.Put(kb)
		return e.plan.run(xs), nil
	}
	key := string(*kb)
	keyPool.Put(kb)
	return f.trace(xs, key, why)
}

// sameArgs returns the entry of the last cache hit when xs are the same tensors, with the
// same requires-grad flags, in the same grad mode, and the entry's guards hold. f.mu is held.
func (f *Func) sameArgs(xs []*eager.Tensor, gradMode bool) *entry {
	e := f.lastHit
	if e == nil || gradMode != f.lastGrad || len(xs) != len(f.lastXs) {
		return nil
	}
	for i, x := range xs {
		if x != f.lastXs[i] || x == nil || x.RequiresGrad() != f.lastRG[i] {
			return nil
		}
	}
	for _, c := range f.entries {
		if c == e {
			if e.check(xs) != "" {
				return nil
			}
			return e
		}
	}
	return nil // evicted
}

// remember records a cache hit for sameArgs. f.mu is held.
func (f *Func) remember(e *entry, xs []*eager.Tensor, gradMode bool) {
	f.lastHit, f.lastGrad = e, gradMode
	f.lastXs = append(f.lastXs[:0], xs...)
	f.lastRG = f.lastRG[:0]
	for _, x := range xs {
		f.lastRG = append(f.lastRG, x != nil && x.RequiresGrad())
	}
}

var keyPool = sync.Pool{New: func() any { b := make([]byte, 0, 64); return &b }}

// Stats returns the Func's counters.
func (f *Func) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Reasons = append([]string(nil), s.Reasons...)
	s.Cached = len(f.entries)
	return s
}

// Graphs returns the most recently compiled graph as traced and after each pass.
func (f *Func) Graphs() []Snapshot {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last == nil {
		return nil
	}
	return append([]Snapshot(nil), f.last.graphs...)
}

// Graph returns the optimized graph of the most recent compilation, or nil.
func (f *Func) Graph() *Graph {
	gs := f.Graphs()
	if len(gs) == 0 {
		return nil
	}
	return gs[len(gs)-1].Graph
}

// entry is one compiled graph in the cache.
type entry struct {
	key      string
	inputs   []string // readable input types
	gradMode bool
	plan     *plan
	graphs   []Snapshot
	guards   []gradGuard
	caps     []Capture // every tensor the trace captured, with its RequiresGrad
	dups     [][2]int
	lastUse  uint64
}

// appendSignature encodes what a trace depends on: grad mode and each input's dtype, rank,
// requires-grad flag and shape.
func appendSignature(b []byte, xs []*eager.Tensor, gradMode bool) []byte {
	if gradMode {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	for _, x := range xs {
		if x == nil {
			b = append(b, 0xff)
			continue
		}
		flag := byte(x.DType())
		if x.RequiresGrad() {
			flag |= 0x10
		}
		b = append(b, flag, byte(x.Dim()))
		for d := 0; d < x.Dim(); d++ {
			b = binary.AppendUvarint(b, uint64(x.Size(d)))
		}
	}
	return b
}

func inputTypes(xs []*eager.Tensor) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		if x == nil {
			out[i] = "nil"
			continue
		}
		out[i] = typeString(x.DType(), x.Shape())
		if x.RequiresGrad() {
			out[i] += " requires-grad"
		}
	}
	return out
}

// lookup finds a cached graph for key whose guards hold, or says why there is none.
// f.mu is held.
func (f *Func) lookup(key []byte, xs []*eager.Tensor) (*entry, string) {
	why := ""
	for _, e := range f.entries {
		if e.key != string(key) {
			continue
		}
		if w := e.check(xs); w != "" {
			why = w
			continue
		}
		f.clock++
		e.lastUse = f.clock
		return e, ""
	}
	if why != "" {
		return nil, why
	}
	if len(f.entries) == 0 {
		if f.stats.Traces == 0 {
			return nil, "first call"
		}
		return nil, "cache empty"
	}
	// Describe the difference from the most recently used graph.
	var recent *entry
	for _, e := range f.entries {
		if recent == nil || e.lastUse > recent.lastUse {
			recent = e
		}
	}
	return nil, describeChange(recent, xs)
}

func describeChange(e *entry, xs []*eager.Tensor) string {
	if e.gradMode != eager.IsGradEnabled() {
		return fmt.Sprintf("grad mode changed to %v", eager.IsGradEnabled())
	}
	now := inputTypes(xs)
	if len(now) != len(e.inputs) {
		return fmt.Sprintf("number of inputs changed: %d -> %d", len(e.inputs), len(now))
	}
	var diffs []string
	for i := range now {
		if now[i] != e.inputs[i] {
			diffs = append(diffs, fmt.Sprintf("input %d: %s -> %s", i, e.inputs[i], now[i]))
		}
	}
	return "new input signature: " + strings.Join(diffs, "; ")
}

// check returns "" when the entry's guards hold for this call, else why not.
func (e *entry) check(xs []*eager.Tensor) string {
	for _, d := range e.dups {
		if xs[d[0]] != xs[d[1]] {
			return fmt.Sprintf("inputs %d and %d were the same tensor when traced and now differ", d[0], d[1])
		}
	}
	for i, c := range e.caps {
		if c.Tensor != nil && c.Tensor.RequiresGrad() != c.RequiresGrad {
			return fmt.Sprintf("captured tensor #%d of shape %v: requires-grad changed to %v", i, c.Tensor.Shape(), c.Tensor.RequiresGrad())
		}
	}
	for _, g := range e.guards {
		l := g.leaf.Tensor
		if l == nil {
			l = xs[g.leaf.Input]
		}
		if (l.BorrowGrad() == nil) != g.isNil { // a look, not a loan
			if g.isNil {
				return fmt.Sprintf("gradient of %v was nil when traced and is set now", g.leaf)
			}
			return fmt.Sprintf("gradient of %v was set when traced and is nil now", g.leaf)
		}
	}
	return ""
}

// trace runs fn eagerly under the tracer, compiles the graph and caches it.
func (f *Func) trace(xs []*eager.Tensor, key, why string) ([]*eager.Tensor, error) {
	tr := newTracer()
	for i, x := range xs {
		if x == nil {
			return nil, &Error{Op: "Call", Msg: fmt.Sprintf("argument %d is nil", i), Where: eager.CallerLocation(), Kind: ErrUnsupported}
		}
		tr.addInput(i, x)
	}
	gradMode := eager.IsGradEnabled()
	start := time.Now()
	var outs []*eager.Tensor
	err := func() (err error) {
		install(tr)
		defer func() {
			uninstall()
			if r := recover(); r != nil {
				e, ok := r.(*Error)
				if !ok {
					panic(r)
				}
				err = e
			}
		}()
		outs = f.fn(xs...)
		if tr.err != nil { // a refusal that fn, or fmt printing a tensor, recovered from
			return tr.err
		}
		if tr.goState != "" {
			return nil // ran eagerly, no graph to finish
		}
		tr.finish(outs)
		return nil
	}()
	if err != nil {
		return nil, err
	}
	if tr.goState != "" {
		// The results are right (fn ran eagerly), but a graph would replay Go values that
		// change between calls: keep no graph, and trace again next time.
		f.mu.Lock()
		f.stats.Traces++
		f.stats.EagerCalls++
		f.stats.Reasons = append(f.stats.Reasons, why+"; not compiled: "+tr.goState)
		f.mu.Unlock()
		for i, o := range outs {
			if o != nil && o.RequiresGrad() {
				outs[i] = o.Detach()
			}
		}
		return outs, nil
	}
	traced := time.Now()
	graphs := optimize(tr.g, &f.cfg)
	final := graphs[len(graphs)-1].Graph
	if f.cfg.dump != nil {
		for _, s := range graphs {
			fmt.Fprintf(f.cfg.dump, "=== %s ===\n%s\n", s.Pass, s.Graph)
		}
	}
	e := &entry{key: key, inputs: inputTypes(xs), gradMode: gradMode, plan: newPlan(final, &f.cfg),
		graphs: graphs, guards: tr.guards, caps: tr.g.Captures, dups: tr.dups}
	compiled := time.Now()
	f.mu.Lock()
	f.stats.TraceTime += traced.Sub(start)
	f.stats.CompileTime += compiled.Sub(traced)
	f.stats.Traces++
	f.stats.Reasons = append(f.stats.Reasons, why)
	if len(f.entries) >= f.cfg.cacheSize {
		lru := 0
		for i, x := range f.entries {
			if x.lastUse < f.entries[lru].lastUse {
				lru = i
			}
		}
		f.entries = append(f.entries[:lru], f.entries[lru+1:]...)
		f.stats.Evictions++
	}
	f.clock++
	e.lastUse = f.clock
	f.entries = append(f.entries, e)
	f.last = e
	f.mu.Unlock()
	for i, o := range outs {
		if o != nil && o.RequiresGrad() {
			outs[i] = o.Detach()
		}
	}
	return outs, nil
}
