package jit

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/internal/goid"
)

// The tracer runs fn eagerly on the real inputs with an op observer, an event observer and a
// read hook installed, and turns what it sees into a Graph:
//
//   - every op becomes a node; its inputs are looked up by *Tensor identity;
//   - the arguments become Input nodes; tensors made from Go values inside fn (Const
//     events) become Const nodes; random draws become Rand nodes that draw again at every
//     call;
//   - any other tensor an op reads was made outside fn (a parameter, a buffer, a tensor a
//     closure holds): it becomes a Capture node, read through the same *Tensor at every call;
//   - Detach views resolve to the value they view; in-place updates become ops that define
//     the updated value, and updates of tensors that outlive the call become write-back
//     effects; gradient bookkeeping (autograd's accumulation, SetGrad, ZeroGrad) becomes
//     SetGrad effects, with guards on whether a leaf had a gradient when the call started;
//   - reading a traced tensor's values fails, naming the user's line.
//
// The hooks are process-wide, so one dispatcher serves all tracers and routes each callback
// to the tracer of the goroutine it runs on; ops on other goroutines are not traced.

type tracer struct {
	g         *Graph
	val       map[*eager.Tensor]int           // tensor -> its current value
	alias     map[*eager.Tensor]*eager.Tensor // Detach views not yet resolved
	consts    map[*eager.Tensor]bool          // made from Go values inside fn
	allocated map[*eager.Tensor]bool          // allocated by eager during the trace (see eager's Alloc event)
	hidden    map[int][]int                   // Capture nodes of allocated tensors no op produced -> shape
	goState   string                          // why the call depends on changing Go state (eager.MarkGoStateDependent), or ""
	constNode []bool                          // per node: computed from constants only
	known     []*eager.Tensor                 // tensors with a value, for storage checks
	external  []*eager.Tensor                 // tensors of Input and Capture nodes
	extLeaf   map[*eager.Tensor]Leaf          // the same, as leaves whose gradients fn may use
	stale     map[*eager.Tensor]string        // views whose storage was changed through another view
	gradOf    map[*eager.Tensor]Leaf          // gradient tensors seen at entry -> their leaf
	grads     map[*eager.Tensor]*gradState
	gradOrder []*eager.Tensor
	guards    []gradGuard
	wTarget   map[*eager.Tensor]int // tensors outliving the call that fn updated -> value before
	wOrder    []*eager.Tensor
	dups      [][2]int // pairs of argument positions holding the same tensor
	paused    bool
	err       *Error // the first refusal, kept even if fn (or fmt) recovers the panic
}

// gradState is what fn did to one leaf's gradient.
type gradState struct {
	leaf  Leaf
	set   bool          // the gradient was replaced
	value *eager.Tensor // by this tensor (nil: cleared)
}

// gradGuard records whether a leaf had a gradient when the traced call started: autograd
// accumulates differently in the two cases, so a call in the other case needs a new trace.
type gradGuard struct {
	leaf  Leaf
	isNil bool
}

func newTracer() *tracer {
	return &tracer{
		g:         &Graph{},
		val:       map[*eager.Tensor]int{},
		alias:     map[*eager.Tensor]*eager.Tensor{},
		consts:    map[*eager.Tensor]bool{},
		allocated: map[*eager.Tensor]bool{},
		hidden:    map[int][]int{},
		stale:     map[*eager.Tensor]string{},
		gradOf:    map[*eager.Tensor]Leaf{},
		grads:     map[*eager.Tensor]*gradState{},
		wTarget:   map[*eager.Tensor]int{},
		extLeaf:   map[*eager.Tensor]Leaf{},
	}
}

func (tr *tracer) fail(kind error, op, format string, args ...any) {
	e := &Error{Op: op, Msg: fmt.Sprintf(format, args...), Where: userLocation(), Kind: kind}
	if tr.err == nil {
		tr.err = e
	}
	panic(e)
}

func (tr *tracer) add(n *Node, isConst bool) int {
	n.Buf, n.Reuse, n.Into = -1, -1, -1
	tr.g.Nodes = append(tr.g.Nodes, n)
	tr.constNode = append(tr.constNode, isConst)
	return len(tr.g.Nodes) - 1
}

func (tr *tracer) bind(t *eager.Tensor, id int) {
	if _, ok := tr.val[t]; !ok {
		tr.known = append(tr.known, t)
	}
	tr.val[t] = id
	delete(tr.stale, t)
}

func (tr *tracer) addInput(i int, x *eager.Tensor) {
	id := tr.add(&Node{Op: "Input", Index: i, Shape: x.Shape(), DType: x.DType()}, false)
	if j, ok := tr.val[x]; ok {
		tr.dups = append(tr.dups, [2]int{tr.g.Nodes[j].Index, i})
		return
	}
	tr.bind(x, id)
	tr.external = append(tr.external, x)
	tr.extLeaf[x] = Leaf{Input: i}
}

// valueOf returns the value t holds, creating a Const, View or Capture node when t is seen
// for the first time.
func (tr *tracer) valueOf(t *eager.Tensor) int {
	if t == nil {
		tr.fail(ErrUnsupported, "trace", "an op received a nil tensor")
	}
	if where, ok := tr.stale[t]; ok {
		tr.fail(ErrAliasing, "trace", "a tensor of shape %v is used after its storage was modified in place through another view (at %s); eager would see the new values through the view, the graph cannot: use the updated tensor itself, or Clone before updating", t.Shape(), where)
	}
	if id, ok := tr.val[t]; ok {
		return id
	}
	if src, ok := tr.alias[t]; ok {
		id := tr.valueOf(src)
		if n := tr.g.Nodes[id]; !sameInts(n.Shape, t.Shape()) {
			id = tr.add(&Node{Op: "View", Args: []int{id}, Attrs: []eager.Attr{{Name: "shape", Value: t.Shape()}},
				Shape: t.Shape(), DType: t.DType()}, tr.constNode[id])
		}
		tr.bind(t, id)
		return id
	}
	if tr.consts[t] {
		id := tr.add(&Node{Op: "Const", Const: t, Shape: t.Shape(), DType: t.DType()}, true)
		tr.bind(t, id)
		return id
	}
	c := Capture{Tensor: t, RequiresGrad: t.RequiresGrad()}
	if tr.allocated[t] {
		// Computed inside fn by code no observer saw: harmless if nothing live reads it (an
		// op's internal temporary), an error otherwise (checked in finish).
		defer func() { tr.hidden[tr.val[t]] = t.Shape() }()
	}
	if leaf, ok := tr.gradOf[t]; ok {
		c = Capture{GradOf: leaf}
	}
	id := tr.add(&Node{Op: "Capture", Index: len(tr.g.Captures), Shape: t.Shape(), DType: t.DType()}, false)
	tr.g.Captures = append(tr.g.Captures, c)
	tr.external = append(tr.external, t)
	if c.Tensor != nil {
		tr.extLeaf[t] = Leaf{Tensor: t}
	}
	tr.bind(t, id)
	return id
}

// isConst reports whether t's value depends on constants made inside fn only.
func (tr *tracer) isConst(t *eager.Tensor) bool {
	if id, ok := tr.val[t]; ok {
		return tr.constNode[id]
	}
	if src, ok := tr.alias[t]; ok {
		return tr.isConst(src)
	}
	return tr.consts[t]
}

func (tr *tracer) onOp(op *eager.OpInfo, ins []*eager.Tensor, out *eager.Tensor, attrs []eager.Attr) {
	if lookupOp(op.Name) == nil {
		tr.fail(ErrUnsupported, op.Name, "op %s has no jit replay function, so it cannot be compiled (register one with jit.RegisterOp)", op.Name)
	}
	if up, _ := attrOf(attrs, "updates_running_stats").(bool); up {
		tr.fail(ErrUnsupported, op.Name, "BatchNorm in training mode updates its running statistics in place, which compiled graphs do not replay yet; compile the model in evaluation mode (model.Eval()) or train it eagerly")
	}
	args := make([]int, len(ins))
	isConst := true
	for i, t := range ins {
		args[i] = tr.valueOf(t)
		isConst = isConst && tr.constNode[args[i]]
	}
	var idx *eager.Tensor
	as := make([]eager.Attr, 0, len(attrs))
	for _, a := range attrs {
		if t, ok := a.Value.(*eager.Tensor); ok && a.Name == "indices" {
			idx = t
			continue
		}
		if v, ok := a.Value.([]int); ok {
			a.Value = append([]int{}, v...)
		}
		as = append(as, a)
	}
	where := tr.where()
	id := tr.add(&Node{Op: op.Name, Args: args, Attrs: as, Shape: out.Shape(), DType: out.DType(), Where: where}, isConst)
	tr.bind(out, id)
	if idx != nil { // the indices of MaxDim/MinDim: the same op's second output
		a2 := append(append([]eager.Attr{}, as...), eager.Attr{Name: "output", Value: 1})
		id2 := tr.add(&Node{Op: op.Name, Args: args, Attrs: a2, Shape: idx.Shape(), DType: idx.DType(), Where: where}, isConst)
		tr.bind(idx, id2)
	}
}

func (tr *tracer) onEvent(ev *eager.OpInfo, ins []*eager.Tensor, out *eager.Tensor, attrs []eager.Attr) {
	switch ev.Name {
	case "GoState":
		if tr.goState == "" {
			tr.goState, _ = attrOf(attrs, "why").(string)
			// The call runs eagerly and its graph is dropped: stop recording.
			tr.paused = true
		}
	case "Alloc":
		tr.allocated[out] = true
	case "Const":
		tr.consts[out] = true
	case "Rand":
		if attrOf(attrs, "dist") == "bernoulli" {
			tr.fail(ErrUnsupported, "Dropout", "random masks (Bernoulli draws, as Dropout makes) cannot be replayed yet; compile fn in evaluation mode, or draw the mask outside fn and pass it in")
		}
		as := make([]eager.Attr, len(attrs))
		copy(as, attrs)
		id := tr.add(&Node{Op: "Rand", Attrs: as, Shape: out.Shape(), DType: out.DType(), Where: tr.where()}, false)
		tr.bind(out, id)
	case "Detach":
		tr.alias[out] = ins[0]
	case "Copy":
		src := tr.valueOf(ins[0])
		id := tr.add(&Node{Op: "Copy", Args: []int{src}, Shape: out.Shape(), DType: out.DType()}, tr.constNode[src])
		tr.bind(out, id)
	case "InPlace":
		tr.inPlace(ins, attrs)
	case "Grad":
		tr.gradRead(ins[0], out)
	case "SetGrad":
		tr.gradSet(ins[0], out)
	}
}

// storageKey identifies t's storage (nil for an empty one, which nothing can alias).
func storageKey(t *eager.Tensor) unsafe.Pointer {
	switch t.DType() {
	case eager.Float32:
		d, _ := eager.StorageData[float32](t)
		if len(d) > 0 {
			return unsafe.Pointer(unsafe.SliceData(d))
		}
	case eager.Float64:
		d, _ := eager.StorageData[float64](t)
		if len(d) > 0 {
			return unsafe.Pointer(unsafe.SliceData(d))
		}
	case eager.Int64:
		d, _ := eager.StorageData[int64](t)
		if len(d) > 0 {
			return unsafe.Pointer(unsafe.SliceData(d))
		}
	case eager.Bool:
		d, _ := eager.StorageData[bool](t)
		if len(d) > 0 {
			return unsafe.Pointer(unsafe.SliceData(d))
		}
	}
	return nil
}

func storageOffset(t *eager.Tensor) int {
	switch t.DType() {
	case eager.Float32:
		_, o := eager.StorageData[float32](t)
		return o
	case eager.Float64:
		_, o := eager.StorageData[float64](t)
		return o
	case eager.Int64:
		_, o := eager.StorageData[int64](t)
		return o
	}
	_, o := eager.StorageData[bool](t)
	return o
}

func sameStorage(a, b *eager.Tensor) bool {
	ka := storageKey(a)
	return ka != nil && ka == storageKey(b)
}

func sameGeometry(a, b *eager.Tensor) bool {
	return sameInts(a.Shape(), b.Shape()) && sameInts(a.Strides(), b.Strides()) && storageOffset(a) == storageOffset(b)
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// inPlace records that ins[0] is about to be modified: its new value is a node reading the
// old one, and tensors viewing the same storage are updated or marked stale.
func (tr *tracer) inPlace(ins []*eager.Tensor, attrs []eager.Attr) {
	x := ins[0]
	op, _ := attrOf(attrs, "op").(string)
	old := tr.valueOf(x)
	// Constants keep the values they had when made: snapshot any that share x's storage.
	for _, n := range tr.g.Nodes {
		if n.Op == "Const" && sameStorage(n.Const, x) {
			tr.paused = true
			eager.NoGrad(func() { n.Const = n.Const.Clone() })
			tr.paused = false
		}
	}
	args := []int{old}
	isConst := tr.constNode[old] || op == "Fill"
	for _, t := range ins[1:] {
		y := tr.valueOf(t)
		args = append(args, y)
		isConst = isConst && tr.constNode[y]
	}
	var as []eager.Attr
	for _, a := range attrs {
		if a.Name != "op" {
			as = append(as, a)
		}
	}
	where := tr.where()
	id := tr.add(&Node{Op: op + "InPlace", Args: args, Attrs: as, Shape: x.Shape(), DType: x.DType(), Where: where}, isConst)
	if _, seen := tr.wTarget[x]; !seen {
		for _, e := range tr.external {
			if sameStorage(e, x) {
				tr.wTarget[x] = old
				tr.wOrder = append(tr.wOrder, x)
				break
			}
		}
	}
	for _, t := range tr.known {
		if t == x || !sameStorage(t, x) {
			continue
		}
		if sameGeometry(t, x) {
			tr.val[t] = id
		} else {
			tr.stale[t] = where
		}
	}
	tr.bind(x, id)
}

// leafOf says which leaf l is, and whether it outlives the call (an argument or a tensor
// from outside fn); gradients of tensors made inside fn need no replay.
func (tr *tracer) leafOf(l *eager.Tensor) (Leaf, bool) {
	if leaf, ok := tr.extLeaf[l]; ok {
		return leaf, true
	}
	_, isVal := tr.val[l]
	_, isAlias := tr.alias[l]
	if isVal || isAlias || tr.consts[l] {
		return Leaf{}, false
	}
	return Leaf{Tensor: l}, true
}

func (tr *tracer) gradState(l *eager.Tensor, leaf Leaf) (*gradState, bool) {
	st, ok := tr.grads[l]
	if !ok {
		st = &gradState{leaf: leaf}
		tr.grads[l] = st
		tr.gradOrder = append(tr.gradOrder, l)
	}
	return st, !ok
}

func (tr *tracer) gradRead(l, g *eager.Tensor) {
	leaf, ext := tr.leafOf(l)
	if !ext {
		return
	}
	if _, first := tr.gradState(l, leaf); first {
		tr.guards = append(tr.guards, gradGuard{leaf: leaf, isNil: g == nil})
		if g != nil {
			if _, ok := tr.val[g]; !ok {
				tr.gradOf[g] = leaf
			}
		}
	}
}

func (tr *tracer) gradSet(l, g *eager.Tensor) {
	leaf, ext := tr.leafOf(l)
	if !ext {
		return
	}
	st, _ := tr.gradState(l, leaf)
	st.set, st.value = true, g
}

// onRead refuses reading a traced tensor's values, unless they are constants, or the read
// is library code validating its arguments.
func (tr *tracer) onRead(t *eager.Tensor) {
	if tr.isConst(t) {
		return
	}
	method, caller := readSite()
	if isLibraryFile(caller) {
		tr.g.Notes = append(tr.g.Notes, fmt.Sprintf("%s read tensor values at %s: checked while tracing only", method, shortPath(caller)))
		return
	}
	_, isVal := tr.val[t]
	_, isAlias := tr.alias[t]
	if isVal || isAlias {
		tr.fail(ErrDataDependent, method, "fn reads the values of a traced tensor of shape %v: the graph cannot depend on data, and Go code branching on it would be baked into every call; compute with tensor ops (Where, Maximum, masks) or read the values outside the compiled function", t.Shape())
	}
	tr.fail(ErrDataDependent, method, "fn reads the values of a tensor of shape %v it did not create (a parameter or a tensor from outside fn): its values can change between calls, and anything computed from them in Go would be baked into the graph; pass it as an argument and use tensor ops, or read it outside the compiled function", t.Shape())
}

// finish records outputs and effects.
func (tr *tracer) finish(outs []*eager.Tensor) {
	for _, o := range outs {
		tr.g.Outputs = append(tr.g.Outputs, tr.valueOf(o))
	}
	for _, x := range tr.wOrder {
		v := tr.val[x]
		if t := tr.wTarget[x]; v != t {
			tr.g.Effects = append(tr.g.Effects, Effect{Kind: WriteBack, Target: t, Value: v})
		}
	}
	for _, l := range tr.gradOrder {
		st := tr.grads[l]
		if !st.set {
			continue
		}
		e := Effect{Kind: SetGrad, Leaf: st.leaf, Value: -1}
		if st.value != nil {
			e.Value = tr.valueOf(st.value)
		}
		tr.g.Effects = append(tr.g.Effects, e)
	}
	tr.checkHidden()
}

// checkHidden fails the trace when a value computed by code the tracer could not see (see
// eager's Alloc event) is still needed by the outputs or the effects: replaying the graph
// would use the values it had while tracing.
func (tr *tracer) checkHidden() {
	if len(tr.hidden) == 0 {
		return
	}
	live := make([]bool, len(tr.g.Nodes))
	var mark func(id int)
	mark = func(id int) {
		if id < 0 || live[id] {
			return
		}
		live[id] = true
		for _, a := range tr.g.Nodes[id].Args {
			mark(a)
		}
	}
	for _, o := range tr.g.Outputs {
		mark(o)
	}
	for _, e := range tr.g.Effects {
		mark(e.Value)
		if e.Kind == WriteBack {
			mark(e.Target)
		}
	}
	for id, shape := range tr.hidden {
		if live[id] {
			tr.fail(ErrUnsupported, "trace", "a tensor of shape %v that the result depends on was computed inside fn by code the tracer cannot see (not an op of eager's table); compiling it would bake its values in", shape)
		}
	}
}

// The process-wide dispatcher.

var (
	hookMu    sync.Mutex
	hookUsers int
	tracers   sync.Map     // goid.Key() -> *tracer
	nTracers  atomic.Int32 // entries in tracers: 0 lets currentTracer skip the look-up
	prevOp    atomic.Pointer[eager.OpObserver]
	prevEvent atomic.Pointer[eager.OpObserver]
	prevRead  atomic.Pointer[func(*eager.Tensor)]
)

func currentTracer() *tracer {
	if nTracers.Load() == 0 { // no goroutine traces (a compiled call's common case)
		return nil
	}
	if v, ok := tracers.Load(goid.Key()); ok {
		return v.(*tracer)
	}
	return nil
}

func dispatchOp(op *eager.OpInfo, ins []*eager.Tensor, out *eager.Tensor, attrs []eager.Attr) {
	if tr := currentTracer(); tr != nil && !tr.paused {
		tr.onOp(op, ins, out, attrs)
	}
	if p := prevOp.Load(); p != nil {
		(*p)(op, ins, out, attrs)
	}
}

func dispatchEvent(ev *eager.OpInfo, ins []*eager.Tensor, out *eager.Tensor, attrs []eager.Attr) {
	if tr := currentTracer(); tr != nil && !tr.paused {
		tr.onEvent(ev, ins, out, attrs)
	}
	if p := prevEvent.Load(); p != nil {
		(*p)(ev, ins, out, attrs)
	}
}

func dispatchRead(t *eager.Tensor) {
	if tr := currentTracer(); tr != nil && !tr.paused {
		tr.onRead(t)
	}
	if p := prevRead.Load(); p != nil {
		(*p)(t)
	}
}

// install makes tr the tracer of the calling goroutine.
func install(tr *tracer) {
	hookMu.Lock()
	if hookUsers == 0 {
		if old := eager.SetOpObserver(dispatchOp); old != nil {
			prevOp.Store(&old)
		}
		if old := eager.SetEventObserver(dispatchEvent); old != nil {
			prevEvent.Store(&old)
		}
		if old := eager.SetReadHook(dispatchRead); old != nil {
			prevRead.Store(&old)
		}
	}
	hookUsers++
	hookMu.Unlock()
	tracers.Store(goid.Key(), tr)
	nTracers.Add(1)
}

func uninstall() {
	nTracers.Add(-1)
	tracers.Delete(goid.Key())
	hookMu.Lock()
	hookUsers--
	if hookUsers == 0 {
		restore := func(p *atomic.Pointer[eager.OpObserver]) eager.OpObserver {
			if o := p.Swap(nil); o != nil {
				return *o
			}
			return nil
		}
		eager.SetOpObserver(restore(&prevOp))
		eager.SetEventObserver(restore(&prevEvent))
		var r func(*eager.Tensor)
		if o := prevRead.Swap(nil); o != nil {
			r = *o
		}
		eager.SetReadHook(r)
	}
	hookMu.Unlock()
}

// Library files: the read hook lets eager's own packages read values (argument checks),
// but not user code.

var moduleRoot = func() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Dir(filepath.Dir(file))
}()

func isLibraryFile(file string) bool {
	if moduleRoot == "" || strings.HasSuffix(file, "_test.go") || !strings.HasPrefix(file, moduleRoot+"/") {
		return false
	}
	rel := file[len(moduleRoot)+1:]
	return strings.Contains(rel, "/") && !strings.HasPrefix(rel, "examples/") && !strings.HasPrefix(rel, "cmd/")
}

func shortPath(file string) string {
	if moduleRoot != "" && strings.HasPrefix(file, moduleRoot+"/") {
		return file[len(moduleRoot)+1:]
	}
	return filepath.Base(file)
}

// isStdFrame reports whether a frame's function belongs to Go's standard library, whose
// import paths have no dot in their first element (fmt, runtime, internal/...), unlike
// module paths (github.com/...).
func isStdFrame(function string) bool {
	path := function
	if i := strings.LastIndex(path, "/"); i >= 0 {
		path = path[:i]
	} else if i := strings.Index(path, "."); i >= 0 {
		path = path[:i]
	}
	first, _, _ := strings.Cut(path, "/")
	return function != "" && !strings.Contains(first, ".") && first != "main"
}

// where returns eager.CallerLocation() for the op being recorded, from the call stack's
// program counters (eager symbolizes each one once per process). Unwinding costs in
// proportion to the frames walked (several microseconds for 32 frames, paid at every
// recorded op), so it walks the innermost 12 frames first, which hold the user's frame of
// a forward op, and walks again up to 32 only when they do not (ops of a backward pass or
// an optimizer step).
func (tr *tracer) where() string {
	var pcs [32]uintptr
	n := runtime.Callers(2, pcs[:12])
	if loc := eager.CallerLocationPCs(pcs[:n]); loc != "" || n < 12 {
		return loc
	}
	n = runtime.Callers(2, pcs[:])
	return eager.CallerLocationPCs(pcs[12:n])
}

// userLocation returns "file.go:line" of the innermost frame that is neither eager's
// library code nor Go's standard library (fmt calling String, for one).
func userLocation() string {
	var pcs [64]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		lib := isLibraryFile(f.File) || (filepath.Dir(f.File) == moduleRoot && !strings.HasSuffix(f.File, "_test.go"))
		if f.File != "" && !lib && !isStdFrame(f.Function) {
			return fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)
		}
		if !more {
			return eager.CallerLocation()
		}
	}
}

// readSite returns the eager method that read values (e.g. "Item") and the file of the code
// that called it.
func readSite() (method, file string) {
	var pcs [32]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	method = "read"
	for {
		f, more := frames.Next()
		dir := filepath.Dir(f.File)
		if (dir == moduleRoot || dir == filepath.Join(moduleRoot, "jit")) && !strings.HasSuffix(f.File, "_test.go") {
			if i := strings.LastIndex(f.Function, "."); i >= 0 && strings.Contains(f.Function, "eager.(*Tensor)") {
				method = f.Function[i+1:]
			}
		} else if f.File != "" {
			return method, f.File
		}
		if !more {
			return method, ""
		}
	}
}
