package eager

import (
	"sync"
	"sync/atomic"
)

// OpInfo describes one primitive op of eager's op table. The table is the single list of ops
// that eager, autograd, the jit tracer and the profiler all see: every primitive defines its
// forward kernels and its backward (written with differentiable tensor ops) in one place and
// announces itself here. Composite ops (Var, LayerNorm, ...) are built from primitives and
// get their gradients from them.
type OpInfo struct {
	Name           string // e.g. "Add"; gradient nodes print as Name+"Backward"
	Differentiable bool   // false for ops whose outputs never carry gradients (comparisons, ArgMax)
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
// output. The profiler and the jit tracer install one; nil (the default) costs one atomic load
// per op.
type OpObserver func(op *OpInfo, inputs []*Tensor, output *Tensor, attrs []Attr)

// Attr is one non-tensor argument of an op as the observer sees it (a dim, a shape, a flag).
type Attr struct {
	Name  string
	Value any
}

var observer atomic.Pointer[OpObserver]

// SetOpObserver installs fn as the op observer (nil removes it) and returns the previous one.
// It is meant for tools (profiler, tracer), not for models.
func SetOpObserver(fn OpObserver) OpObserver {
	var p *OpObserver
	if fn != nil {
		p = &fn
	}
	old := observer.Swap(p)
	switch {
	case old == nil && p != nil:
		slowPath.Add(1)
	case old != nil && p == nil:
		slowPath.Add(-1)
	}
	if old == nil {
		return nil
	}
	return *old
}

// slowPath is non-zero while an observer is installed or anomaly detection is on: ops then
// call notify after they run. Zero, it costs each op one atomic load.
var slowPath atomic.Int32

// notify calls the observer, if one is installed, and checks the output in anomaly mode.
func notify(op *OpInfo, out *Tensor, attrs []Attr, inputs ...*Tensor) {
	if anomalyEnabled.Load() {
		checkAnomalyForward(op, out, inputs)
	}
	if p := observer.Load(); p != nil {
		(*p)(op, inputs, out, attrs)
	}
}
