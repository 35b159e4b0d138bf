package eager

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"
	"weak"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// Deferred fusion of large elementwise ops.
//
// An elementwise op on a large float32 tensor is one pass over memory; a chain of them,
// relu(x*w+b)*0.5+x, is five passes and four intermediate buffers that nobody reads again.
// When nothing records or observes the ops (no autograd, no profiler, tracer or anomaly
// mode), eager therefore checks the op's arguments at the call, as always (a shape error
// still panics at the line that made it), and defers its computation: the result is a
// tensor whose storage holds the op and its arguments instead of elements. A deferred
// tensor given to another deferred op becomes part of that op's expression. The first
// read of the elements (any other op, Item, String, Float32s, a kernel outside eager)
// computes the whole expression in one pass over tiles small enough to stay in cache, with
// the same kernels the ops use one at a time, so the values are the same bits; the
// intermediates that were never read are never written to memory. This is what a GPU
// user sees in PyTorch (kernels run asynchronously; reading a value waits for them) and
// what tinygrad does on every device; `SetDeferredFusion(false)` turns it off.
//
// Correctness rests on three rules:
//   - every read of a storage's elements goes through storage.base, which computes a
//     deferred storage first (concurrent readers compute it once);
//   - every write into an existing storage calls storage.beforeWrite first: when a deferred
//     expression still reads the storage, the expression's inputs are pointed at a copy
//     of its current elements (copy on write), so it computes what the op would have
//     computed at its call; realize checks the inputs' version counters as a guard;
//   - an expression's leaves are storages with elements, never deferred ones: a deferred
//     argument is linked by its expression node, which the consumer computes itself.

// deferMinElems is the least number of elements of a deferred op's result: below it the
// op's buffers stay in cache anyway and deferring costs more than it saves.
const deferMinElems = 1 << 18

// deferMaxNodes bounds an expression's size; an argument whose expression has that many
// nodes is computed before the op defers.
const deferMaxNodes = 16

// deferTile is the least number of elements each node of an expression computes at a
// time; kernels.GrowTile enlarges it while a tile of every leaf, intermediate and the
// output stays within half of L2, as jit's fused loops do.
const deferTile = 2048

var (
	deferOff       atomic.Bool  // SetDeferredFusion(false)
	backwardsInRun atomic.Int32 // backward passes running: their ops run at once
)

// SetDeferredFusion turns deferred fusion of large elementwise ops on or off (it is on by
// default) and returns the previous setting. With it off, every op computes its result
// before it returns, at the cost of one pass over memory and one buffer per op. Values are
// the same either way. Results of ops deferred before the call stay deferred until read.
func SetDeferredFusion(on bool) (previous bool) {
	return !deferOff.Swap(!on)
}

// Realize computes x's elements now if the op that produced it was deferred (see
// SetDeferredFusion) and returns x. Reading x's elements, or passing x to an op that is not
// deferred, does this by itself; Realize is for timing code, like torch.cuda.synchronize.
func (x *Tensor) Realize() *Tensor {
	x.st.base()
	return x
}

// deferring reports whether an op producing n elements may be deferred now.
func deferring(n int) bool {
	return n >= deferMinElems && !deferOff.Load() && slowPath.Load() == 0 && !memTracking.Load() && backwardsInRun.Load() == 0
}

// deferNode is one deferred op: a unary op, or a binary op whose operands are its
// arguments or, on the side whose stride is 0, the scalar s; its arguments; and the number
// of nodes of its expression. mu serialises computing it into its storage.
type deferNode struct {
	mu     sync.Mutex
	unary  *unaryDef
	k      *binaryKernels
	sa, sb int // strides of the binary op's operands along a tile: 1, or 0 for s
	s      [1]float32
	args   [2]deferArg
	nargs  int
	n      int
	size   int
	epoch  uint32 // backwardEpoch at the op's call, for the storage once computed
}

// deferArg is an argument of a deferred node: another node (computed in the same pass), or
// the elements [off, off+n) of a storage with elements, at version ver.
type deferArg struct {
	node *deferNode
	st   *storage
	off  int
	ver  uint64
}

// deferRegistry holds weak pointers to every deferred node that may still be computed, so
// that beforeWrite finds the nodes reading a storage about to change. copyMu orders
// copy-on-write against computing: realize holds it shared while it reads its leaves.
var deferRegistry struct {
	mu      sync.Mutex
	nodes   []weak.Pointer[deferNode]
	pruneAt int
	copyMu  sync.RWMutex
}

// newDeferred returns a tensor of shape whose elements node computes, and marks the
// node's leaves as read by a deferred op (deferReadBit).
func newDeferred(shape []int, nd *deferNode, args ...*Tensor) *Tensor {
	n := numel(shape)
	// A deferred argument that is a view of part of its storage, or a large expression, is
	// computed first (outside the registry's lock: computing takes copyMu).
	for _, a := range args {
		if l := a.st.lazy.Load(); l != nil && (a.offset != 0 || a.st.n != n || l.size >= deferMaxNodes) {
			a.st.base()
		}
	}
	nd.n, nd.size, nd.nargs, nd.epoch = n, 1, len(args), backwardEpoch.Load()
	reg := &deferRegistry
	reg.mu.Lock()
	for i, a := range args {
		// Still deferred here means all of a deferred storage and a small expression: it
		// is linked by its node. Otherwise a's elements are read.
		if l := a.st.lazy.Load(); l != nil {
			nd.args[i] = deferArg{node: l}
			nd.size += l.size
		} else {
			nd.args[i] = deferArg{st: a.st, off: a.offset, ver: a.st.ver()}
			a.st.version.Or(deferReadBit)
		}
	}
	if len(reg.nodes) >= reg.pruneAt {
		live := reg.nodes[:0]
		for _, w := range reg.nodes {
			if w.Value() != nil {
				live = append(live, w)
			}
		}
		clear(reg.nodes[len(live):])
		reg.nodes = live
		reg.pruneAt = max(64, 2*len(live))
	}
	reg.nodes = append(reg.nodes, weak.Make(nd))
	reg.mu.Unlock()

	t := &Tensor{dtype: Float32}
	t.setContiguousShape(shape)
	t.st = &storage{n: n, dtype: Float32}
	t.st.lazy.Store(nd)
	return t
}

// deferBinary defers out = op(a, b) for float32 a and b that need no gradient, when they
// have the result's shape and are contiguous or one of them is a single element (a
// scalar), the cases runBinary computes with one kernel call; it returns nil otherwise.
func deferBinary(k *binaryKernels, a, b *Tensor, shape []int) *Tensor {
	n := numel(shape)
	if k.f32 == nil {
		return nil
	}
	switch {
	case sameShape(a.shape, shape) && sameShape(b.shape, shape) && a.IsContiguous() && b.IsContiguous():
		return newDeferred(shape, &deferNode{k: k, sa: 1, sb: 1}, a, b)
	case b.Numel() == 1 && sameShape(a.shape, shape) && a.IsContiguous() && n > 1:
		return newDeferred(shape, &deferNode{k: k, sa: 1, s: [1]float32{b.f32()[b.offset]}}, a)
	case a.Numel() == 1 && sameShape(b.shape, shape) && b.IsContiguous() && n > 1:
		return newDeferred(shape, &deferNode{k: k, sb: 1, s: [1]float32{a.f32()[a.offset]}}, b)
	}
	return nil
}

// deferUnaryOp defers d applied to the contiguous float32 tensor x.
func deferUnaryOp(d *unaryDef, x *Tensor) *Tensor {
	return newDeferred(x.shape, &deferNode{unary: d}, x)
}

// base returns the storage's element pointer, computing a deferred storage first.
func (s *storage) base() unsafe.Pointer {
	if s.lazy.Load() != nil {
		s.realize()
	}
	return s.ptr
}

// realize computes a deferred storage's elements into a new buffer.
func (s *storage) realize() {
	nd := s.lazy.Load()
	if nd == nil {
		return
	}
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if s.lazy.Load() == nil { // another goroutine computed it
		return
	}
	tracked := memTracking.Load()
	var out []float32
	var class uint16
	if tracked { // memory tracking counts the buffer for s, which keeps it
		out = make([]float32, s.n)
	} else {
		buf := allocStorage(Float32, s.n, false)
		out, class = buf.f32(), buf.class
	}
	nd.computeInto(out)
	s.ptr, s.class, s.epoch = unsafe.Pointer(unsafe.SliceData(out)), class, nd.epoch
	if tracked {
		trackStorage(s)
	}
	s.lazy.Store(nil)
}

// computeInto computes nd's expression into out, holding copyMu shared while it reads its
// leaves (released also when the version guard panics).
func (nd *deferNode) computeInto(out []float32) {
	deferRegistry.copyMu.RLock()
	defer deferRegistry.copyMu.RUnlock()
	compileDeferred(nd).run(out)
}

// beforeWrite prepares s for a write into its elements: a deferred expression still
// reading them gets a copy of the current elements instead.
func (s *storage) beforeWrite() {
	if s.version.Load()&deferReadBit != 0 {
		s.copyForReaders()
	}
}

func (s *storage) copyForReaders() { s.forReaders(true) }

// readByDeferred reports whether a deferred op that may still be computed reads s's
// elements, and clears s's deferReadBit when none does.
func (s *storage) readByDeferred() bool {
	return s.version.Load()&deferReadBit != 0 && s.forReaders(false)
}

// forReaders finds the deferred ops that may still be computed and read s, and reports
// whether there are any. With copy set, it points them at a copy of s's current elements;
// either way s's deferReadBit is cleared when no op reads s afterwards.
func (s *storage) forReaders(copyFor bool) (found bool) {
	reg := &deferRegistry
	reg.copyMu.Lock()
	defer reg.copyMu.Unlock()
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if s.version.Load()&deferReadBit == 0 {
		return false
	}
	var snap *storage
	for _, w := range reg.nodes {
		nd := w.Value()
		if nd == nil {
			continue
		}
		for i := range nd.args[:nd.nargs] {
			a := &nd.args[i]
			if a.st != s {
				continue
			}
			found = true
			if !copyFor {
				return true
			}
			if snap == nil {
				snap = allocStorage(s.dtype, s.n, false)
				copy(unsafe.Slice((*byte)(snap.ptr), s.n*s.dtype.Size()), unsafe.Slice((*byte)(s.ptr), s.n*s.dtype.Size()))
				snap.version.Or(deferReadBit)
			}
			a.st, a.ver = snap, 0
		}
	}
	if copyFor || !found {
		s.version.And(^uint64(deferReadBit))
	}
	return found
}

// deferStep is one node of a compiled expression: its inputs are earlier steps' tiles
// (src >= 0) or leaves' elements.
type deferStep struct {
	nd   *deferNode
	src  [2]int
	leaf [2][]float32
}

type deferProgram struct {
	steps  []deferStep // in dependency order; the last is the root
	n      int
	leaves int // leaf operands (a leaf read twice counts twice)
}

// compileDeferred orders the nodes of nd's expression (each once) and checks that its
// leaves were not modified since the ops were called. The caller holds copyMu shared.
func compileDeferred(root *deferNode) *deferProgram {
	p := &deferProgram{n: root.n}
	var index func(nd *deferNode) int
	index = func(nd *deferNode) int {
		for i, st := range p.steps {
			if st.nd == nd {
				return i
			}
		}
		st := deferStep{nd: nd, src: [2]int{-1, -1}}
		for i, a := range nd.args[:nd.nargs] {
			if a.node != nil {
				st.src[i] = index(a.node)
				continue
			}
			if v := a.st.ver(); v != a.ver {
				panic(fmt.Sprintf("eager: internal error: an input of a deferred op was modified without notice (version %d became %d); SetDeferredFusion(false) avoids it", a.ver, v))
			}
			st.leaf[i] = data[float32](a.st)[a.off : a.off+nd.n]
			p.leaves++
		}
		p.steps = append(p.steps, st)
		return len(p.steps) - 1
	}
	index(root)
	return p
}

// deferScratch holds the tiles of a program's intermediate steps.
var deferScratch = sync.Pool{New: func() any { return new([]float32) }}

// run computes the program into out, tile by tile, the tiles split across cores in fixed
// ranges.
func (p *deferProgram) run(out []float32) {
	tile := kernels.GrowTile(deferTile, p.n, 4*(p.leaves+len(p.steps)))
	tiles := (p.n + tile - 1) / tile
	parallel.For(tiles, 1, func(lo, hi int) {
		sp := deferScratch.Get().(*[]float32)
		need := (len(p.steps) - 1) * tile
		if cap(*sp) < need {
			*sp = make([]float32, need)
		}
		scratch := (*sp)[:need]
		for t := lo; t < hi; t++ {
			i0 := t * tile
			m := min(tile, p.n-i0)
			for si := range p.steps {
				st := &p.steps[si]
				var dst []float32
				if si == len(p.steps)-1 {
					dst = out[i0 : i0+m]
				} else {
					dst = scratch[si*tile : si*tile+m]
				}
				var in [2][]float32
				for j := range st.nd.nargs {
					if k := st.src[j]; k >= 0 {
						in[j] = scratch[k*tile : k*tile+m]
					} else {
						in[j] = st.leaf[j][i0 : i0+m]
					}
				}
				st.nd.compute(dst, in[0], in[1])
			}
		}
		deferScratch.Put(sp)
	})
}

// compute runs the node's op on one tile, with the code the op runs at its call
// (unaryDef.run32, binaryRow), so that each element gets the same bits. a is the first
// argument's tile and b the second's (nil for a unary op or a binary op with a scalar).
func (nd *deferNode) compute(dst, a, b []float32) {
	if nd.unary != nil {
		nd.unary.run32(dst, a)
		return
	}
	x, y := a, b
	switch {
	case nd.sa == 0: // the scalar on the left; the argument is the right operand
		x, y = nd.s[:], a
	case nd.sb == 0:
		y = nd.s[:]
	}
	k := nd.k
	binaryRow(dst, x, 0, nd.sa, y, 0, nd.sb, k.f32, k.vv32, k.vs32, k.sv32)
}
