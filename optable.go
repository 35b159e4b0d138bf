package eager

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/eagerml/eager/internal/goid"
)

// OpInfo describes one primitive op of eager's op table. The table is the single list of ops
// that eager, autograd, the jit tracer and the profiler all see: every primitive defines its
// forward kernels and its backward (written with differentiable tensor ops) in one place and
// announces itself here. Composite ops (Var, LayerNorm, ...) are built from primitives and
// get their gradients from them.
type OpInfo struct {
	Name           string // e.g. "Add"; gradient nodes print as Name+"Backward"
	Differentiable bool   // false for ops whose outputs never carry gradients (comparisons, ArgMax)
	custom         bool   // a user-defined Function: its backward is user code
}

var (
	opTableMu sync.Mutex
	opTable   []*OpInfo
)

// defOp registers a primitive op. It is called from package-level var declarations.
func defOp(name string, differentiable bool) *OpInfo {
	op := &OpInfo{Name: name, Differentiable: differentiable}
	opTableMu.Lock()
	opTable = append(opTable, op)
	opTableMu.Unlock()
	return op
}

// Ops returns the op table: every primitive op eager defines, in registration order.
func Ops() []OpInfo {
	opTableMu.Lock()
	defer opTableMu.Unlock()
	out := make([]OpInfo, len(opTable))
	for i, op := range opTable {
		out[i] = *op
	}
	return out
}

// OpObserver is called after every primitive op with the op, its tensor inputs and its
// output. The jit tracer installs one; nil (the default) costs one atomic load per op.
type OpObserver func(op *OpInfo, inputs []*Tensor, output *Tensor, attrs []Attr)

// Attr is one non-tensor argument of an op as the observer sees it (a dim, a shape, a flag).
type Attr struct {
	Name  string
	Value any
}

// OpEvent is one primitive op run, or one backward function run, as an OpProbe sees it. The
// event and its slices are valid only during the probe call: copy what you keep.
type OpEvent struct {
	Op       *OpInfo
	Name     string    // Op.Name for an op; the gradient function ("MulBackward") for a span
	Inputs   []*Tensor // nil for a span
	Output   *Tensor   // nil for a span
	Attrs    []Attr
	Start    int64 // Nanotime() when the op began; 0 when unknown (the probe came mid-op)
	End      int64 // Nanotime() when the op finished (before observers and anomaly checks ran)
	Span     bool  // a backward function: it encloses the primitive ops it ran
	Backward bool  // the op ran inside a backward pass (always true for a span)
	// Goroutine identifies the goroutine that ran the op; unique among live goroutines.
	Goroutine uintptr
	// OutputBytes is the size of the storage the op allocated for its output: 0 for views
	// (Reshape, Transpose, ...) that share their input's storage.
	OutputBytes int64
	// FLOPs, when positive, is the op's own count of floating-point operations (set by
	// producers such as a jit executor's fused kernels); 0 lets the profiler estimate it.
	FLOPs int64
}

// OpProbe receives an OpEvent for every primitive op and every backward function (a span
// around the ops it ran), with its start and end time. The profiler installs one.
type OpProbe func(ev *OpEvent)

// hookSet is the immutable set of installed observers and probes; changes copy it.
type hookSet struct {
	slot      OpObserver // the one SetOpObserver manages
	observers []hookEntry[OpObserver]
	probes    []hookEntry[OpProbe]
}

type hookEntry[F any] struct {
	id uint64
	fn F
}

func (h *hookSet) count() int {
	if h == nil {
		return 0
	}
	n := len(h.observers) + len(h.probes)
	if h.slot != nil {
		n++
	}
	return n
}

var (
	hooksMu sync.Mutex
	hooks   atomic.Pointer[hookSet]
	hookID  uint64
)

// updateHooks applies change to a copy of the hook set under the lock, publishes it and keeps
// slowPath counting one per installed hook.
func updateHooks(change func(h *hookSet)) {
	hooksMu.Lock()
	defer hooksMu.Unlock()
	old := hooks.Load()
	h := &hookSet{}
	if old != nil {
		h.slot = old.slot
		h.observers = append([]hookEntry[OpObserver](nil), old.observers...)
		h.probes = append([]hookEntry[OpProbe](nil), old.probes...)
	}
	change(h)
	if h.count() == 0 {
		hooks.Store(nil)
	} else {
		hooks.Store(h)
	}
	slowPath.Add(int32(h.count() - old.count()))
}

// SetOpObserver installs fn as the op observer (nil removes it) and returns the previous one.
// It is meant for tools (the jit tracer), not for models. It manages one slot; observers
// added with AddOpObserver and probes added with AddOpProbe run beside it.
func SetOpObserver(fn OpObserver) OpObserver {
	var prev OpObserver
	updateHooks(func(h *hookSet) { prev, h.slot = h.slot, fn })
	return prev
}

// AddOpObserver installs fn beside the other observers and returns the function that removes
// it. Observers run in the order they were added, after SetOpObserver's.
func AddOpObserver(fn OpObserver) (remove func()) {
	var id uint64
	updateHooks(func(h *hookSet) {
		hookID++
		id = hookID
		h.observers = append(h.observers, hookEntry[OpObserver]{id, fn})
	})
	return func() { updateHooks(func(h *hookSet) { h.observers = removeHook(h.observers, id) }) }
}

// AddOpProbe installs a probe, which sees every op with its timing (see OpEvent), and returns
// the function that removes it. While a probe is installed, ops read the clock when they
// start and finish; with none installed (and no observer, no anomaly mode) an op pays one
// atomic load for all of this.
func AddOpProbe(p OpProbe) (remove func()) {
	var id uint64
	updateHooks(func(h *hookSet) {
		hookID++
		id = hookID
		h.probes = append(h.probes, hookEntry[OpProbe]{id, p})
	})
	return func() { updateHooks(func(h *hookSet) { h.probes = removeHook(h.probes, id) }) }
}

// ProbesInstalled reports whether any probe is installed (a profiler is recording), for code
// that reports its own work with EmitOpEvent and wants to skip reading the clock otherwise.
func ProbesInstalled() bool {
	if slowPath.Load() == 0 {
		return false
	}
	h := hooks.Load()
	return h != nil && len(h.probes) > 0
}

func removeHook[F any](hs []hookEntry[F], id uint64) []hookEntry[F] {
	for i, e := range hs {
		if e.id == id {
			return append(hs[:i:i], hs[i+1:]...)
		}
	}
	return hs
}

// slowPath is non-zero while an observer or probe is installed or anomaly detection is on:
// ops then read the clock when they start (opStart) and call notifyTimed after they run.
// Zero, it costs each op one atomic load at its start and one at its end.
var slowPath atomic.Int32

// clockBase anchors Nanotime to the monotonic clock.
var clockBase = time.Now()

// Nanotime returns eager's monotonic clock in nanoseconds, the clock of OpEvent's Start and
// End. It is always positive.
func Nanotime() int64 { return int64(time.Since(clockBase)) + 1 }

// opStart is the "op begin" hook: the first statement of every primitive op. It returns the
// clock when a hook or anomaly mode is active, else 0, costing one atomic load; the op passes
// the result to notifyTimed. Ops take their start time this way, rather than the profiler
// measuring from the previous event, so that time spent in user code between ops, and in
// composite ops' glue, is never charged to an op, and so that an op that calls other
// primitives (a dtype conversion, Bmm inside a backward) encloses them.
func opStart() int64 {
	if slowPath.Load() == 0 {
		return 0
	}
	return Nanotime()
}

// notify is notifyTimed with an unknown start time. It is kept for ops written before the
// op-begin hook existed (branches in flight); TestProbeTimesEveryOp names the ops that use it.
//
//lint:ignore U1000 kept so that ops written against the old hook still compile.
func notify(op *OpInfo, out *Tensor, attrs []Attr, inputs ...*Tensor) {
	notifyTimed(op, 0, out, attrs, inputs...)
}

// notifyTimed is the end of every primitive op's slow path: it checks the output in anomaly
// mode and calls the observers and probes. t0 is opStart's reading.
func notifyTimed(op *OpInfo, t0 int64, out *Tensor, attrs []Attr, inputs ...*Tensor) {
	h := hooks.Load()
	var end int64
	if h != nil && len(h.probes) > 0 {
		end = Nanotime()
	}
	if anomalyEnabled.Load() {
		checkAnomalyForward(op, out, inputs)
	}
	if h == nil {
		return
	}
	if h.slot != nil {
		h.slot(op, inputs, out, attrs)
	}
	for _, o := range h.observers {
		o.fn(op, inputs, out, attrs)
	}
	if len(h.probes) == 0 {
		return
	}
	ev := OpEvent{Op: op, Name: op.Name, Inputs: inputs, Output: out, Attrs: attrs, Start: t0, End: end,
		Goroutine: goid.Key(), OutputBytes: freshBytes(out, inputs)}
	_, ev.Backward = inBackward.Load(ev.Goroutine)
	for _, p := range h.probes {
		p.fn(&ev)
	}
}

// notifySpan tells the probes that backward function n ran from t0 until now.
func notifySpan(n *node, t0 int64) {
	end := Nanotime()
	h := hooks.Load()
	if h == nil || len(h.probes) == 0 || t0 == 0 {
		return
	}
	ev := OpEvent{Op: n.op, Name: n.name(), Start: t0, End: end, Span: true, Backward: true, Goroutine: goid.Key()}
	for _, p := range h.probes {
		p.fn(&ev)
	}
}

// EmitOpEvent delivers ev to the installed probes, for code that runs work outside the
// primitive ops (a jit executor's fused kernels) and wants the profiler to see it. Set Name,
// Start, End (from Nanotime) and, when known, FLOPs and OutputBytes; Goroutine is filled in
// when zero.
func EmitOpEvent(ev *OpEvent) {
	if slowPath.Load() == 0 {
		return
	}
	h := hooks.Load()
	if h == nil {
		return
	}
	if ev.Goroutine == 0 {
		ev.Goroutine = goid.Key()
	}
	for _, p := range h.probes {
		p.fn(ev)
	}
}

// freshBytes is the size of out's storage unless out shares it with an input (a view).
func freshBytes(out *Tensor, inputs []*Tensor) int64 {
	if out == nil {
		return 0
	}
	for _, in := range inputs {
		if in != nil && in.st == out.st {
			return 0
		}
	}
	return out.st.bytes()
}
