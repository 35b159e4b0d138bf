package eager

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/eagerml/eager/internal/goid"
)

// anomalyEnabled is set while any goroutine runs inside DetectAnomaly.
var (
	anomalyEnabled atomic.Bool
	anomalyDepth   atomic.Int32
)

// DetectAnomaly runs fn with anomaly detection on: every recorded op remembers the user's
// file:line that created it, and the first op that produces a NaN or Inf, in the forward
// pass or in backward, panics with a report naming the op, that line, the input shapes and
// which inputs already held NaN or Inf. It slows every op down (each output is scanned), so
// it is for debugging. The setting is process-wide while any DetectAnomaly call is running.
func DetectAnomaly(fn func()) {
	if anomalyDepth.Add(1) == 1 {
		anomalyEnabled.Store(true)
		slowPath.Add(1)
	}
	defer func() {
		if anomalyDepth.Add(-1) == 0 {
			anomalyEnabled.Store(false)
			slowPath.Add(-1)
		}
	}()
	fn()
}

// hasNonFinite reports whether a float tensor holds a NaN or an Inf.
func hasNonFinite(t *Tensor) bool {
	nan, inf := nonFinite(t)
	return nan || inf
}

// nonFinite reports whether a float tensor holds a NaN and whether it holds an Inf.
func nonFinite(t *Tensor) (nan, inf bool) {
	if t == nil || !t.dtype.IsFloat() {
		return false, false
	}
	c := t.contig()
	if t.dtype == Float32 {
		for _, v := range c.f32() {
			f := float64(v)
			nan = nan || math.IsNaN(f)
			inf = inf || math.IsInf(f, 0)
		}
		return nan, inf
	}
	for _, v := range c.f64() {
		nan = nan || math.IsNaN(v)
		inf = inf || math.IsInf(v, 0)
	}
	return nan, inf
}

// inBackward holds the goroutines (by goid.Key) running a backward pass while the slow path
// is on (anomaly mode, an observer or a probe), with their nesting depth. In anomaly mode the
// ops a backward function runs are not checked as forward ops: their results are checked as
// the node's gradients, so that the report names the node (SqrtBackward) and the line that
// created it, not an internal Div. Probes see those ops marked Backward.
var inBackward sync.Map

// enterBackward marks the calling goroutine as running a backward pass and returns the
// function that unmarks it.
func enterBackward() func() {
	k := goid.Key()
	d := 0
	if v, ok := inBackward.Load(k); ok {
		d = v.(int)
	}
	inBackward.Store(k, d+1)
	return func() {
		if d == 0 {
			inBackward.Delete(k)
		} else {
			inBackward.Store(k, d)
		}
	}
}

// checkAnomalyForward reports the op that first produces a NaN (no input held one) or an Inf
// (no input held a NaN or an Inf). Infinities that flow through from the inputs, such as the
// -inf of an attention mask, are not errors.
func checkAnomalyForward(op *OpInfo, out *Tensor, inputs []*Tensor) {
	if _, bw := inBackward.Load(goid.Key()); bw {
		return
	}
	nan, inf := nonFinite(out)
	if !nan && !inf {
		return
	}
	var inNaN, inInf bool
	for _, in := range inputs {
		n, i := nonFinite(in)
		inNaN, inInf = inNaN || n, inInf || i
	}
	if !(nan && !inNaN) && !(inf && !inNaN && !inInf) {
		return
	}
	var b strings.Builder
	for i, in := range inputs {
		if in == nil {
			continue
		}
		bad := ""
		if hasNonFinite(in) {
			bad = " (already held NaN/Inf)"
		}
		fmt.Fprintf(&b, "; input %d: shape %v %v%s", i, in.shape, in.dtype, bad)
	}
	panic(&Error{Op: op.Name, Msg: "anomaly: forward produced NaN or Inf in output of shape " + fmt.Sprint(out.shape) + b.String(), Where: CallerLocation()})
}

func checkAnomalyBackward(n *node, grads []*Tensor) {
	for i, g := range grads {
		if hasNonFinite(g) {
			where := n.ro().where
			if where == "" {
				where = "unknown location"
			}
			panic(&Error{Op: n.name(), Msg: fmt.Sprintf("anomaly: backward produced NaN or Inf in the gradient of input %d (shape %v) of the op created at %s (output shape %v)", i, g.shape, where, n.outShape()), Where: where})
		}
	}
}
