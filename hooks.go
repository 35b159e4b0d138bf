package eager

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
)

// Hooks for tools that must see more than the op table: the jit tracer (package jit) uses
// them to learn about constants, random draws, aliases, gradient bookkeeping and in-place
// updates, none of which are ops, and to refuse reading a traced tensor's values. Models
// never need them. Like the op observer, they cost one atomic load where they are checked
// while nothing is installed.

// Events reported to the event observer. They use the OpObserver signature; their OpInfos
// are not in the op table. The names (OpInfo.Name) and what they mean:
//
//	Const    out was made from Go values: FromSlice, Zeros, Full, Arange, Linspace, Eye and
//	         the *Like variants (including the scalars that MulScalar and friends create).
//	Rand     out was drawn from the default generator. Attrs: "dist" ("uniform", "normal",
//	         "int", "bernoulli"), "dtype", "shape", and "low", "high" (int) or "p" (bernoulli).
//	Detach   out = inputs[0].Detach(): the same storage and geometry, no history. out's shape
//	         can be changed afterwards by the op that made it (a reduction that detaches its
//	         keepdim result before dropping the dims); it always has inputs[0]'s elements.
//	Copy     out is a new private contiguous copy of inputs[0] (autograd's first gradient of
//	         a leaf).
//	InPlace  inputs[0] is about to be modified in place (out is inputs[0]). Attrs: "op" is
//	         "Add", "Sub", "Mul" or "Div" (inputs[1] is the other operand, converted to
//	         inputs[0]'s dtype and broadcast), "AddScaled" (inputs[0] += alpha*inputs[1],
//	         attr "alpha"), "Copy" (inputs[1] converted and broadcast) or "Fill" (attr
//	         "value").
//	Grad     inputs[0].Grad() returned out (nil when it has none); autograd also reports the
//	         gradient it finds before accumulating into a leaf.
//	Alloc    out was just allocated by eager (see evAlloc).
//	SetGrad  the gradient of inputs[0] was replaced by out (nil: cleared), by SetGrad,
//	         ZeroGrad or autograd.
var (
	evConst   = &OpInfo{Name: "Const"}
	evRand    = &OpInfo{Name: "Rand"}
	evDetach  = &OpInfo{Name: "Detach"}
	evCopy    = &OpInfo{Name: "Copy"}
	evInPlace = &OpInfo{Name: "InPlace"}
	evGrad    = &OpInfo{Name: "Grad"}
	evSetGrad = &OpInfo{Name: "SetGrad"}
	// evAlloc reports every tensor eager allocates (op outputs, constants, internal
	// temporaries), before anything else is known about it: a tensor that is later used as an
	// op input without having been reported as an op output or a constant was computed by
	// code no observer saw, and a tracer must refuse it rather than bake its value in.
	evAlloc = &OpInfo{Name: "Alloc"}
	// evGoState: the ops that follow depend on Go values that change between calls.
	evGoState = &OpInfo{Name: "GoState"}
)

// MarkGoStateDependent tells tools that record ops (the jit tracer) that what the calling
// code does next depends on Go state that changes from call to call, not only on tensors:
// an optimizer's step count in Adam's bias correction, or state buffers created on the
// first step. A recorded graph would replay this call's values forever, so the jit runs
// such a call eagerly and does not cache its graph. It costs one atomic load when no tool
// is installed.
func MarkGoStateDependent(why string) {
	if slowPath.Load() != 0 {
		event(evGoState, nil, []Attr{{"why", why}})
	}
}

var (
	eventObserver atomic.Pointer[OpObserver]
	readHook      atomic.Pointer[func(*Tensor)]
)

// SetEventObserver installs fn to be told of the tensor events listed above (nil removes it)
// and returns the previous one. It is meant for the jit tracer.
func SetEventObserver(fn OpObserver) OpObserver {
	var p *OpObserver
	if fn != nil {
		p = &fn
	}
	old := eventObserver.Swap(p)
	adjustSlowPath(old != nil, p != nil)
	if old == nil {
		return nil
	}
	return *old
}

// SetReadHook installs fn to be called with x before x's values are read out of it (Item,
// Float32s, Float64s, Int64s, Bools, String), and returns the previous hook. The jit tracer
// panics there when x is a traced value, because Go code branching on it would be baked
// into the graph. nil removes the hook.
func SetReadHook(fn func(x *Tensor)) func(x *Tensor) {
	var p *func(*Tensor)
	if fn != nil {
		p = &fn
	}
	old := readHook.Swap(p)
	adjustSlowPath(old != nil, p != nil)
	if old == nil {
		return nil
	}
	return *old
}

func adjustSlowPath(had, has bool) {
	switch {
	case !had && has:
		slowPath.Add(1)
	case had && !has:
		slowPath.Add(-1)
	}
}

// event reports a non-op event to the event observer; callers check slowPath first.
func event(ev *OpInfo, out *Tensor, attrs []Attr, inputs ...*Tensor) {
	if p := eventObserver.Load(); p != nil {
		(*p)(ev, inputs, out, attrs)
	}
}

// constEvent reports t as a constant made from Go values and returns it.
func constEvent(t *Tensor) *Tensor {
	if slowPath.Load() != 0 {
		event(evConst, t, nil)
	}
	return t
}

// randEvent reports t as drawn from the default generator.
func randEvent(t *Tensor, dist string, attrs ...Attr) {
	if slowPath.Load() != 0 {
		a := append([]Attr{{"dist", dist}, {"dtype", t.dtype}, {"shape", copyInts(t.shape)}}, attrs...)
		event(evRand, t, a)
	}
}

// inPlaceEvent reports that x is about to be modified in place by op.
func inPlaceEvent(x *Tensor, op string, y *Tensor, attrs ...Attr) {
	if slowPath.Load() != 0 {
		a := append([]Attr{{"op", op}}, attrs...)
		if y == nil {
			event(evInPlace, x, a, x)
		} else {
			event(evInPlace, x, a, x, y)
		}
	}
}

// inPlaceScalarEvent is inPlaceEvent for an update with one scalar parameter (name, v),
// which is boxed into an Attr only when an observer is installed: the update's own path
// allocates nothing.
func inPlaceScalarEvent(x *Tensor, op string, y *Tensor, name string, v float64) {
	if slowPath.Load() != 0 {
		inPlaceEvent(x, op, y, Attr{name, v})
	}
}

// inPlaceEventN is inPlaceScalarEvent for updates that read several tensors (Addcmul,
// Addcdiv).
func inPlaceEventN(x *Tensor, op string, ys []*Tensor, name string, v float64) {
	if slowPath.Load() != 0 {
		event(evInPlace, x, []Attr{{"op", op}, {name, v}}, append([]*Tensor{x}, ys...)...)
	}
}

// onRead calls the read hook, if any; callers check slowPath first.
func (x *Tensor) onRead() {
	if p := readHook.Load(); p != nil {
		(*p)(x)
	}
}

// StorageData returns the flat storage x views and x's offset into it: element (i0, i1, ...)
// of x is data[offset + i0*s0 + i1*s1 + ...] with s = x.Strides(). T must match x's dtype.
// It is for kernels outside this package (the jit executor); writing through it bypasses
// autograd and the version counter, so only write into tensors nothing else has seen. A
// tensor whose op was deferred is computed first, and a deferred op still reading x's
// storage is given a copy of it, so that writing is safe for deferred ops.
func StorageData[T float32 | float64 | int64 | bool](x *Tensor) ([]T, int) {
	checkStorageType[T]("StorageData", x)
	x.st.beforeWrite() // the caller may write
	return data[T](x.st), x.offset
}

// StorageDataRead is StorageData for kernels that only read x's elements (the jit
// executor's operands): a tensor whose op was deferred is computed first, but a deferred op
// still reading x's storage keeps reading it, with no copy made for it, so nothing may be
// written through the returned slice.
func StorageDataRead[T float32 | float64 | int64 | bool](x *Tensor) ([]T, int) {
	checkStorageType[T]("StorageDataRead", x)
	return data[T](x.st), x.offset
}

// checkStorageType panics unless T is x's element type.
func checkStorageType[T float32 | float64 | int64 | bool](op string, x *Tensor) {
	var z T
	var ok bool
	switch any(z).(type) {
	case float32:
		ok = x.dtype == Float32
	case float64:
		ok = x.dtype == Float64
	case int64:
		ok = x.dtype == Int64
	case bool:
		ok = x.dtype == Bool
	}
	if !ok {
		failf(op, "type %T does not match the tensor's dtype %v", z, x.dtype)
	}
}

// BumpVersion records an in-place modification of x's storage made through StorageData, so
// that autograd reports a saved tensor changed this way, as it does for in-place ops.
func BumpVersion(x *Tensor) { x.st.bump() }

// pcLocations caches, per program counter, the file:line of its first frame outside eager's
// library packages ("" when all of its frames, inlined ones included, are library code).
var pcLocations sync.Map // uintptr -> string

// CallerLocationPCs is CallerLocation for a stack captured with runtime.Callers (pcs[0]
// the innermost frame): "file.go:line" of the innermost frame outside eager's library
// packages. Each program counter is symbolized once per process, so that tools recording
// many call sites (the jit tracer) do not pay for symbolizing the stack at every op.
func CallerLocationPCs(pcs []uintptr) string {
	for _, pc := range pcs {
		if v, ok := pcLocations.Load(pc); ok {
			if s := v.(string); s != "" {
				return s
			}
			continue
		}
		loc := ""
		frames := runtime.CallersFrames([]uintptr{pc})
		for {
			f, more := frames.Next()
			if f.File != "" && !isLibraryFile(f.File) {
				loc = fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)
				break
			}
			if !more {
				break
			}
		}
		pcLocations.Store(pc, loc)
		if loc != "" {
			return loc
		}
	}
	return ""
}
