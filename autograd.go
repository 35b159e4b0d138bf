package eager

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// backwardFn maps the gradient of an op's output to the gradients of its inputs (nil for an
// input that gets none). It is written with tensor ops, so it is itself differentiable when
// the backward pass runs with CreateGraph.
type backwardFn func(g *Tensor) []*Tensor

// edge points from a node to where one input's gradient goes: the node that produced the input,
// or the input itself when it is a leaf that requires grad. Both nil: no gradient needed.
type edge struct {
	node *node
	leaf *Tensor
}

type savedRef struct {
	t       *Tensor
	version uint64
}

// node is one recorded op on the autograd tape.
type node struct {
	op       *OpInfo
	seq      uint64 // creation order: inputs' nodes always have smaller seq
	next     []edge
	nextBuf  [2]edge
	bw       backwardFn
	saved    []savedRef
	savedBuf [2]savedRef
	shapeBuf [4]int // the output's shape up to rank 4 (see outShape)
	rank     int8
	dtype    DType
	freed    bool
	ext      *nodeExt // rarely used fields, nil until needed

	grad *Tensor // gradient accumulated during one backward pass
}

// nodeExt holds the fields of a node that few nodes use.
type nodeExt struct {
	hooks    []func(*Tensor) *Tensor
	retained *Tensor // the output tensor, when RetainGrad was called on it
	where    string  // user's file:line, recorded in anomaly mode
	shape    []int   // the output's shape, when its rank is above 4
}

// outShape returns the shape of the node's output (for messages and drawings).
func (n *node) outShape() []int {
	if n.rank >= 0 {
		return n.shapeBuf[:n.rank]
	}
	return n.ext.shape // rank above 4
}

// x returns n's extension, creating it if needed (on the goroutine that owns the graph).
func (n *node) x() *nodeExt {
	if n.ext == nil {
		n.ext = &nodeExt{}
	}
	return n.ext
}

var noExt nodeExt

// ro returns n's extension for reading (an empty one when it has none).
func (n *node) ro() *nodeExt {
	if n.ext == nil {
		return &noExt
	}
	return n.ext
}

var nodeSeq atomic.Uint64

// needsGrad reports whether an op on these inputs must be recorded.
func needsGrad(a, b *Tensor) bool {
	return (a.requiresGrad || (b != nil && b.requiresGrad)) && IsGradEnabled()
}

// needsGradN is needsGrad for any number of inputs.
func needsGradN(ins ...*Tensor) bool {
	for _, t := range ins {
		if t != nil && t.requiresGrad {
			return IsGradEnabled()
		}
	}
	return false
}

// record attaches a new node for op to out, with one edge per input.
func record(op *OpInfo, out *Tensor, bw backwardFn, inputs ...*Tensor) *node {
	n := &node{op: op, bw: bw, seq: nodeSeq.Add(1), dtype: out.dtype}
	if r := len(out.shape); r <= len(n.shapeBuf) {
		n.rank = int8(r)
		copy(n.shapeBuf[:], out.shape)
	} else {
		n.rank = -1
		n.x().shape = append([]int(nil), out.shape...)
	}
	if len(inputs) <= len(n.nextBuf) {
		n.next = n.nextBuf[:len(inputs)]
	} else {
		n.next = make([]edge, len(inputs))
	}
	for i, in := range inputs {
		if in != nil && in.requiresGrad {
			if in.node != nil {
				n.next[i].node = in.node
			} else {
				n.next[i].leaf = in
			}
		}
	}
	out.node = n
	out.requiresGrad = true
	if anomalyEnabled.Load() {
		n.x().where = CallerLocation()
	}
	return n
}

// save records tensors the backward function reads, with their current versions, so that an
// in-place change made before backward is reported instead of silently giving wrong gradients.
func (n *node) save(ts ...*Tensor) {
	if n.saved == nil && len(ts) <= len(n.savedBuf) {
		n.saved = n.savedBuf[:0]
	}
	for _, t := range ts {
		n.saved = append(n.saved, savedRef{t, t.st.ver()})
	}
}

func (n *node) name() string { return n.op.Name + "Backward" }

// GradFn returns the name of the op that produced x ("MulBackward"), or "" for a leaf.
func (x *Tensor) GradFn() string {
	if x.node == nil {
		return ""
	}
	return x.node.name()
}

// SetRequiresGrad marks a leaf tensor as needing gradients and returns it, for chaining:
//
//	w := eager.Randn(3, 4).SetRequiresGrad(true)
//
// Only floating-point tensors can require grad, and only leaves can be changed.
func (x *Tensor) SetRequiresGrad(on bool) *Tensor {
	if on && !x.dtype.IsFloat() {
		failf("SetRequiresGrad", "only floating-point tensors can require grad, got %v", x.dtype)
	}
	if x.node != nil {
		failf("SetRequiresGrad", "tensor of shape %v is not a leaf (it was produced by %s); use Detach() to get a leaf", x.shape, x.node.name())
	}
	x.requiresGrad = on
	return x
}

// Grad returns the gradient accumulated into x by Backward, or nil when there is none.
// Leaves that require grad get one; non-leaves only after RetainGrad. The returned tensor
// stays valid for as long as the caller keeps it, also after ZeroGrad.
func (x *Tensor) Grad() *Tensor { return x.grad1(true) }

// BorrowGrad returns the gradient like Grad, on loan until the next ZeroGrad or SetGrad of
// x: the caller must not use the tensor (or views of it) after that, and in return ZeroGrad
// may hand its buffer to the next backward pass instead of leaving it to the garbage
// collector (PyTorch's caching allocator reuses it the same way once the last reference is
// gone). Optimizers and gradient clipping read gradients this way.
func (x *Tensor) BorrowGrad() *Tensor { return x.grad1(false) }

func (x *Tensor) grad1(lend bool) *Tensor {
	var g *Tensor
	if s := x.gs.Load(); s != nil {
		s.mu.Lock()
		g = s.grad
		if lend && g != nil {
			s.lent = true
		}
		s.mu.Unlock()
	}
	if slowPath.Load() != 0 {
		event(evGrad, g, nil, x)
	}
	return g
}

// SetGrad replaces x's accumulated gradient (nil clears it).
func (x *Tensor) SetGrad(g *Tensor) {
	if g != nil && !sameShape(g.shape, x.shape) {
		failf("SetGrad", "gradient of shape %v does not match tensor of shape %v", g.shape, x.shape)
	}
	var free *storage
	if s := x.gs.Load(); s != nil || g != nil {
		s = x.gradState()
		s.mu.Lock()
		if old := s.grad; old != nil && s.owned && !s.lent && (g == nil || g.st != old.st) && slowPath.Load() == 0 {
			free = old.st
		}
		s.grad, s.owned, s.lent = g, false, false
		s.mu.Unlock()
	}
	if free != nil {
		free.recycle() // only x referenced it, and no caller has seen it (BorrowGrad)
	}
	if slowPath.Load() != 0 {
		event(evSetGrad, g, nil, x)
	}
}

// GiveGrad is SetGrad for a gradient the caller gives up: nothing else references g's
// storage, now or later, so that when this gradient is replaced or cleared after being only
// borrowed (see BorrowGrad), its buffer can go to the buffer cache for reuse, as a gradient
// made by Backward does. The jit's compiled training steps hand over their gradients this
// way. When g is a view of a larger storage, it is SetGrad.
func (x *Tensor) GiveGrad(g *Tensor) {
	x.SetGrad(g)
	if g == nil || g.offset != 0 || !g.IsContiguous() || g.st.len() != g.Numel() || slowPath.Load() != 0 {
		return
	}
	s := x.gradState()
	s.mu.Lock()
	if s.grad == g {
		s.owned, s.lent = true, false
	}
	s.mu.Unlock()
}

// ZeroGrad clears x's gradient (sets it to nil, as PyTorch's set_to_none default does).
// When the gradient was only borrowed (BorrowGrad), never handed out by Grad, its buffer
// goes to the buffer cache for the next backward pass.
func (x *Tensor) ZeroGrad() { x.SetGrad(nil) }

// RetainGrad asks Backward to fill x.Grad() even though x is not a leaf.
func (x *Tensor) RetainGrad() *Tensor {
	if !x.requiresGrad {
		failf("RetainGrad", "tensor of shape %v does not require grad", x.shape)
	}
	if x.node == nil {
		return x // leaves keep their grad anyway
	}
	x.retainGrad = true
	x.node.x().retained = x
	return x
}

// RegisterHook registers fn to be called with x's gradient during backward. If fn returns a
// non-nil tensor, it replaces the gradient (as in PyTorch's Tensor.register_hook).
func (x *Tensor) RegisterHook(fn func(grad *Tensor) *Tensor) {
	if !x.requiresGrad {
		failf("RegisterHook", "cannot register a hook on a tensor of shape %v that does not require grad", x.shape)
	}
	if x.node != nil {
		x.node.x().hooks = append(x.node.x().hooks, fn)
		return
	}
	s := x.gradState()
	s.mu.Lock()
	s.hooks = append(s.hooks, fn)
	s.mu.Unlock()
}

// gradState is the part of a tensor that only leaves given gradients or hooks, and retained
// non-leaves, use; it is allocated on first use, so that the many tensors that never need it
// stay small.
type gradState struct {
	mu    sync.Mutex // guards the fields: backward passes on several goroutines may share a leaf
	grad  *Tensor
	hooks []func(*Tensor) *Tensor
	// owned: grad is a buffer the backward pass made for this tensor and nothing else
	// references; lent: Grad() has handed it out since. ZeroGrad recycles an owned, unlent
	// gradient's buffer (see BorrowGrad).
	owned, lent bool
}

// gradState returns x's gradState, creating it if needed (safe from several goroutines).
func (x *Tensor) gradState() *gradState {
	if s := x.gs.Load(); s != nil {
		return s
	}
	x.gs.CompareAndSwap(nil, new(gradState))
	return x.gs.Load()
}

// Detach returns a tensor sharing x's storage with no autograd history and no grad requirement.
func (x *Tensor) Detach() *Tensor {
	out := newView(x, x.offset, x.shape, x.strides())
	if slowPath.Load() != 0 {
		event(evDetach, out, nil, x)
	}
	return out
}

// BackwardOptions configures BackwardWith.
type BackwardOptions struct {
	// Grad is the gradient of the output; nil means 1 and needs a one-element output.
	Grad *Tensor
	// RetainGraph keeps the graph so that Backward can run through it again.
	RetainGraph bool
	// CreateGraph records the backward pass itself, so that gradients can be differentiated
	// again (higher-order gradients). It implies RetainGraph.
	CreateGraph bool
}

// Backward computes the gradient of the one-element tensor x with respect to every leaf that
// requires grad and accumulates it into their Grad(). The graph is freed afterwards.
func (x *Tensor) Backward() { x.BackwardWith(BackwardOptions{}) }

// BackwardWith is Backward with an explicit output gradient and graph options.
func (x *Tensor) BackwardWith(opts BackwardOptions) {
	g := opts.Grad
	if g == nil {
		g = implicitGrad("Backward", x)
	}
	runBackward("Backward", []*Tensor{x}, []*Tensor{g}, opts.RetainGraph || opts.CreateGraph, opts.CreateGraph, nil, false)
}

func implicitGrad(op string, x *Tensor) *Tensor {
	if x.Numel() != 1 {
		failf(op, "grad can be created implicitly only for one-element outputs, but the output has shape %v; pass the output gradient explicitly (BackwardOptions.Grad), or reduce the output first (e.g. Sum or Mean)", x.shape)
	}
	return OnesLike(x)
}

// GradOptions configures Grad.
type GradOptions struct {
	GradOutputs []*Tensor // one per output; nil entries (or a nil slice) mean 1 for one-element outputs
	RetainGraph bool      // keep the graph for another backward pass
	CreateGraph bool      // record the gradient computation for higher-order gradients; implies RetainGraph
	AllowUnused bool      // return nil for an input the outputs do not depend on, instead of panicking
}

// Grad computes and returns the gradients of outputs with respect to inputs without touching
// any tensor's Grad() (PyTorch's torch.autograd.grad). With CreateGraph the returned gradients
// are themselves differentiable, for gradient penalties and Hessian-vector products.
func Grad(outputs, inputs []*Tensor, opts GradOptions) []*Tensor {
	grads := make([]*Tensor, len(outputs))
	for i, o := range outputs {
		if i < len(opts.GradOutputs) && opts.GradOutputs[i] != nil {
			grads[i] = opts.GradOutputs[i]
		} else {
			grads[i] = implicitGrad("Grad", o)
		}
	}
	for _, in := range inputs {
		if !in.requiresGrad {
			failf("Grad", "input of shape %v does not require grad", in.shape)
		}
	}
	return runBackward("Grad", outputs, grads, opts.RetainGraph || opts.CreateGraph, opts.CreateGraph, inputs, opts.AllowUnused)
}

// runBackward is the autograd engine: a reverse sweep over the nodes reachable from roots in
// decreasing creation order (a valid reverse topological order). With capture non-nil it
// returns the gradients of those tensors instead of accumulating into leaves.
func runBackward(op string, roots, rootGrads []*Tensor, retain, create bool, capture []*Tensor, allowUnused bool) []*Tensor {
	for i, r := range roots {
		if !r.requiresGrad {
			failf(op, "output of shape %v does not require grad and has no grad_fn: no input it was computed from requires grad (call SetRequiresGrad(true) on the parameters, and do not compute the output inside NoGrad)", r.shape)
		}
		if g := rootGrads[i]; !sameShape(g.shape, r.shape) {
			failf(op, "output gradient of shape %v does not match output of shape %v", g.shape, r.shape)
		}
	}
	prevMode := pushGradMode(create)
	defer popGradMode(prevMode)
	backwardsInRun.Add(1) // the pass's ops run at once (see deferring)
	defer backwardsInRun.Add(-1)

	// Collect reachable nodes.
	bs := backwardStates.Get().(*backwardState)
	bs.create, bs.capture = create, capture
	bs.leaves, bs.refs = bs.leafBuf[:0], bs.refBuf[:0]
	defer bs.done()
	if !retain && capture == nil && slowPath.Load() == 0 && !memTracking.Load() {
		bs.recycle, bs.epoch = true, backwardEpoch.Add(1)
	}
	var stack []*node
	seen := &bs.seen
	for _, r := range roots {
		if _, added := seen.add(r.node); r.node != nil && added {
			stack = append(stack, r.node)
		}
	}
	var nodes []*node
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nodes = append(nodes, n)
		for _, e := range n.next {
			if e.node == nil {
				continue
			}
			if _, added := seen.add(e.node); added {
				stack = append(stack, e.node)
			}
		}
	}
	slices.SortFunc(nodes, func(a, b *node) int { return cmp.Compare(b.seq, a.seq) })

	// Targets for Grad: non-leaf inputs by node, leaf inputs by tensor.
	var captured []*Tensor
	var captureNode map[*node]int
	if capture != nil {
		captured = make([]*Tensor, len(capture))
		bs.captured = captured
		captureNode = map[*node]int{}
		for i, t := range capture {
			if t.node != nil {
				captureNode[t.node] = i
			} else {
				bs.captureLeaf(t, i)
			}
		}
	}

	// A leaf's gradient is final once every reachable node with an edge to it has run:
	// pending counts those edges, and finishLeaf runs the leaf's hooks and accumulates its
	// gradient the moment the count reaches zero, not after the whole sweep. Gradient hooks
	// on parameters thus see each gradient as early as possible, so that data-parallel
	// training can start reducing a bucket of gradients while backward goes on.
	for _, n := range nodes {
		for _, e := range n.next {
			if e.leaf != nil {
				bs.leaf(e.leaf).pending++
			}
		}
	}
	for i, r := range roots {
		g := rootGrads[i]
		if g.dtype != r.dtype {
			g = g.To(r.dtype)
		}
		bs.hold(g, external) // the caller's tensor
		if r.node == nil {
			bs.addLeaf(r, g)
		} else if r.node.grad == nil {
			r.node.grad = g
		} else {
			r.node.grad = r.node.grad.Add(g)
			bs.hold(r.node.grad, 1)
		}
	}

	if slowPath.Load() != 0 {
		defer enterBackward()()
	}
	defer func() { // leave no gradient buffers behind if a hook or check panics
		for _, n := range nodes {
			n.grad = nil
		}
	}()
	for _, n := range nodes {
		g := n.grad
		n.grad = nil
		if g == nil {
			bs.edgesDone(n)
			continue
		}
		if n.freed { // before hooks and retained grads: a failed call must change nothing
			failf(op, "trying to backward through the graph a second time (through %s of shape %v): its saved values were freed by the previous Backward or Grad call; pass RetainGraph: true to the first call if you need to backward twice", n.name(), n.outShape())
		}
		ext := n.ro()
		for _, h := range ext.hooks {
			if r := h(g); r != nil {
				g = r
			}
		}
		if len(ext.hooks) > 0 || ext.retained != nil {
			bs.hold(g, external) // user code saw it, or the retained grad shares it
		}
		if capture != nil {
			if i, ok := captureNode[n]; ok {
				captured[i] = g
			}
		} else if ext.retained != nil {
			s := ext.retained.gradState()
			s.mu.Lock()
			if s.grad == nil {
				s.grad = detachIf(g, !create)
			} else {
				s.grad = s.grad.Add(g)
			}
			rg := s.grad
			s.mu.Unlock()
			if slowPath.Load() != 0 {
				event(evSetGrad, rg, nil, ext.retained)
			}
		}
		for _, s := range n.saved {
			if v := s.t.st.ver(); v != s.version {
				failf(op, "a tensor of shape %v needed by %s to compute gradients was modified by an in-place operation: it is at version %d, expected version %d; make a copy (Clone) before modifying it, or modify it after Backward%s", s.t.shape, n.name(), v, s.version, anomalyHint(n))
			}
		}
		t0 := opStart()
		ig := n.bw(g)
		if t0 != 0 {
			notifySpan(n, t0)
		}
		if !retain {
			n.bw = nil
			n.saved = nil
			n.freed = true
		}
		refs := 1
		if n.op.custom {
			refs = external // a user's Backward may return tensors it keeps
		}
		for i, e := range n.next {
			if i >= len(ig) || ig[i] == nil {
				continue
			}
			gi := ig[i]
			switch {
			case e.node != nil:
				if e.node.grad == nil {
					e.node.grad = gi
					bs.hold(gi, refs)
				} else {
					old := e.node.grad
					bs.hold(old, -1)
					e.node.grad = old.Add(gi)
					bs.hold(e.node.grad, 1)
					bs.release(old)
					bs.release(gi)
				}
			case e.leaf != nil:
				bs.hold(gi, refs)
				bs.addLeaf(e.leaf, gi)
			}
		}
		bs.hold(g, -1) // consumed by this node
		bs.release(g)
		if anomalyEnabled.Load() {
			checkAnomalyBackward(n, ig)
		}
		bs.edgesDone(n)
	}

	// Leaves that no node points to (roots that are leaves) are finished last, in the order
	// their gradients appeared.
	for _, i := range bs.order {
		bs.finishLeaf(&bs.leaves[i])
	}
	if capture != nil && !allowUnused {
		for i, c := range captured {
			if c == nil {
				failf(op, "input %d (shape %v) was not used to compute the outputs; pass AllowUnused: true to get nil for it", i, capture[i].shape)
			}
		}
	}
	return captured
}

// smallIndex numbers keys 0, 1, 2, ... in the order they are added. It searches a short
// list linearly while there are few keys (most graphs run through Backward are small, and a
// map costs more than the search) and switches to a map beyond smallIndexMax keys. A
// smallIndex must not be copied after its first add (the list starts in its own array).
type smallIndex[K comparable] struct {
	buf  [16]K
	keys []K
	m    map[K]int
}

const smallIndexMax = 32

// find returns k's number, if it has one.
func (x *smallIndex[K]) find(k K) (int, bool) {
	if x.m != nil {
		i, ok := x.m[k]
		return i, ok
	}
	for i, key := range x.keys {
		if key == k {
			return i, true
		}
	}
	return 0, false
}

// add returns k's number, giving it the next one if it is new (added reports that).
func (x *smallIndex[K]) add(k K) (i int, added bool) {
	if i, ok := x.find(k); ok {
		return i, false
	}
	if x.keys == nil {
		x.keys = x.buf[:0]
	}
	i = len(x.keys)
	x.keys = append(x.keys, k)
	if x.m != nil {
		x.m[k] = i
	} else if len(x.keys) > smallIndexMax {
		x.m = make(map[K]int, 2*smallIndexMax)
		for j, key := range x.keys {
			x.m[key] = j
		}
	}
	return i, true
}

// leafSlot is one leaf's state during a backward pass.
type leafSlot struct {
	t          *Tensor
	grad       *Tensor // gradient gathered so far, nil before the first
	pending    int     // edges from reachable nodes still to run
	captureIdx int     // index in Grad's inputs, or -1
}

// backwardState holds the leaves of one backward pass: the gradients flowing into them and
// the count of edges still to deliver.
type backwardState struct {
	create   bool
	capture  []*Tensor
	captured []*Tensor
	leaves   []leafSlot // numbered by leafIdx
	leafBuf  [4]leafSlot
	leafIdx  smallIndex[*Tensor]
	order    []int // slots in the order their first gradient arrived
	refs     []int // references the pass holds to each storage, numbered by refIdx
	refBuf   [8]int
	refIdx   smallIndex[*storage]
	seen     smallIndex[*node] // the nodes reachable from the roots
	// recycle: buffers of gradients the pass no longer references go back to the buffer
	// cache (cache.go) when they were allocated during the pass (storage epoch >= epoch).
	recycle bool
	epoch   uint32
}

// backwardStates keeps pass states for reuse: a small backward pass would otherwise spend a
// quarter of its allocated bytes on one.
var backwardStates = sync.Pool{New: func() any { return new(backwardState) }}

// done clears the state (it references tensors and nodes) and returns it to the pool.
func (bs *backwardState) done() {
	*bs = backwardState{}
	backwardStates.Put(bs)
}

// release hands t's buffer to the buffer cache if the pass recycles, allocated it, and holds
// no reference to it any more. Gradients the pass never held (temporaries added into an
// accumulator) count as unreferenced: the caller passes only tensors it has finished with.
func (bs *backwardState) release(t *Tensor) {
	if !bs.recycle || t == nil {
		return
	}
	st := t.st
	if st.class == 0 || int32(st.epoch-bs.epoch) < 0 || bs.refCount(st) != 0 {
		return
	}
	st.recycle()
}

// slot returns the index of t's slot, adding one if needed.
func (bs *backwardState) slot(t *Tensor) int {
	i, added := bs.leafIdx.add(t)
	if added {
		bs.leaves = append(bs.leaves, leafSlot{t: t, captureIdx: -1})
	}
	return i
}

// leaf returns t's slot, adding one if needed; the pointer is valid until the next addition.
func (bs *backwardState) leaf(t *Tensor) *leafSlot { return &bs.leaves[bs.slot(t)] }

func (bs *backwardState) captureLeaf(t *Tensor, i int) { bs.leaf(t).captureIdx = i }

func (bs *backwardState) addLeaf(l, g *Tensor) {
	i := bs.slot(l)
	sl := &bs.leaves[i]
	if sl.grad != nil {
		old := sl.grad
		bs.hold(old, -1)
		bs.hold(g, -1)
		sl.grad = old.Add(g)
		bs.hold(sl.grad, 1)
		bs.release(old)
		bs.release(g)
		return
	}
	sl.grad = g
	if sl.pending == 0 {
		// No reachable node points to it (a root that is a leaf): finished at the end.
		bs.order = append(bs.order, i)
	}
}

// finishLeaf runs the leaf's hooks and delivers its gradient.
func (bs *backwardState) finishLeaf(sl *leafSlot) {
	g := sl.grad
	if g == nil {
		return
	}
	sl.grad = nil
	l := sl.t
	var hooks []func(*Tensor) *Tensor
	if s := l.gs.Load(); s != nil {
		s.mu.Lock()
		hooks = s.hooks
		s.mu.Unlock()
	}
	for _, h := range hooks {
		if r := h(g); r != nil {
			g = r
		}
	}
	if bs.capture != nil {
		if sl.captureIdx >= 0 {
			bs.captured[sl.captureIdx] = g
		}
		return
	}
	// The engine may hand g over as the leaf's gradient buffer, without a copy, when nothing
	// else can reach its storage: it was computed during this pass by the built-in backward
	// functions, delivered along exactly one edge, seen by no hook, and g spans the whole
	// storage (PyTorch's AccumulateGrad steals such a gradient the same way). With observers
	// installed (jit tracing, profiling) it keeps the copy so that they see the same events.
	adopt := len(hooks) == 0 && !bs.create && g.offset == 0 && g.IsContiguous() && g.dtype == l.dtype &&
		g.st.len() == g.Numel() && bs.refCount(g.st) == 1 && slowPath.Load() == 0
	accumulateLeaf(l, g, bs.create, adopt)
	if !adopt && len(hooks) == 0 {
		bs.hold(g, -1) // added into the leaf's gradient: dead unless shared
		bs.release(g)
	}
}

// external is the reference count of a storage the caller or user code can reach: never
// handed over.
const external = 1 << 30

// hold adds k references to t's storage (k may be negative, or external).
func (bs *backwardState) hold(t *Tensor, k int) {
	if t == nil {
		return
	}
	i, added := bs.refIdx.add(t.st)
	if added {
		bs.refs = append(bs.refs, 0)
	}
	bs.refs[i] += k
}

func (bs *backwardState) refCount(st *storage) int {
	if i, ok := bs.refIdx.find(st); ok {
		return bs.refs[i]
	}
	return 0
}

// edgesDone is called once per node after its gradient has been propagated (or found to be
// nil): it finishes the leaves whose last pending edge this was.
func (bs *backwardState) edgesDone(n *node) {
	for _, e := range n.next {
		if e.leaf == nil {
			continue
		}
		sl := bs.leaf(e.leaf)
		if sl.pending--; sl.pending == 0 {
			bs.finishLeaf(sl)
		}
	}
}

func detachIf(g *Tensor, detach bool) *Tensor {
	if detach {
		return g.Detach()
	}
	return g
}

// accumulateLeaf adds g into l.Grad(), in place when no graph is being created and the
// gradient buffer is a private contiguous tensor.
func accumulateLeaf(l, g *Tensor, create, adopt bool) {
	if g.dtype != l.dtype {
		g = g.To(l.dtype)
	}
	s := l.gradState()
	s.mu.Lock()
	defer s.mu.Unlock()
	slow := slowPath.Load() != 0
	if slow {
		event(evGrad, s.grad, nil, l)
	}
	switch {
	case s.grad == nil && create:
		// A differentiable private copy, as PyTorch clones here: g may be an expanded view or
		// the caller's output gradient, and a later Backward adds into the buffer in place.
		s.grad = g.Clone()
	case s.grad == nil && adopt:
		s.grad = g // the engine's own buffer, referenced from nowhere else
		s.owned, s.lent = true, false
	case s.grad == nil:
		s.grad = copyContiguous(g) // a private, contiguous copy: g may be shared
		s.owned, s.lent = !slow, false
		if slow {
			event(evCopy, s.grad, nil, g)
		}
	case create || s.grad.requiresGrad || !s.grad.IsContiguous():
		s.grad, s.owned = s.grad.Add(g), false
	default:
		if slow {
			inPlaceEvent(s.grad, "Add", g)
		}
		addInto(s.grad, g)
		return
	}
	if slow {
		event(evSetGrad, s.grad, nil, l)
	}
}

func anomalyHint(n *node) string {
	if w := n.ro().where; w != "" {
		return fmt.Sprintf("; the op was created at %s", w)
	}
	return "; run under DetectAnomaly to see where the op was created"
}
