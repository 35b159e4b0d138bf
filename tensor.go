package eager

import (
	"sync/atomic"
	"unsafe"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// Tensor is an n-dimensional array of one dtype with an optional autograd history.
//
// A Tensor is a view (offset, shape, strides) onto a flat storage that other views may share:
// Reshape, Transpose, Slice and friends return new Tensors over the same storage without
// copying. Every op runs eagerly, the moment it is called. When grad mode is on and an input
// requires grad, the op also records a node so that Backward can compute gradients.
//
// Concurrency: reading a tensor (ops that take it as input) from many goroutines at once is
// safe, so a model can serve inference from many goroutines. Writing it (in-place ops,
// SetRequiresGrad, ZeroGrad) while another goroutine reads it is a data race, as with a Go slice.
// Gradient accumulation into a leaf's Grad is locked, so goroutines may run Backward on
// separate graphs that share parameters.
type Tensor struct {
	st     *storage
	offset int
	shape  []int // followed in memory by the strides (see strides)
	dtype  DType

	requiresGrad bool
	retainGrad   bool
	node         *node                     // the op that produced this tensor; nil for leaves
	gs           atomic.Pointer[gradState] // gradient and hooks, allocated on first use

	dims [6]int // shape then strides of tensors up to rank 3
}

// Shape returns a copy of the tensor's shape.
func (x *Tensor) Shape() []int { return append([]int(nil), x.shape...) }

// Strides returns a copy of the tensor's strides, in elements.
func (x *Tensor) Strides() []int { return append([]int(nil), x.strides()...) }

// Dim returns the number of dimensions (the rank).
func (x *Tensor) Dim() int { return len(x.shape) }

// Size returns the size of dimension d; negative d counts from the end.
func (x *Tensor) Size(d int) int {
	noDims("Size", x)
	return x.shape[normDim("Size", d, len(x.shape))]
}

// Numel returns the number of elements.
func (x *Tensor) Numel() int { return numel(x.shape) }

// DType returns the element type.
func (x *Tensor) DType() DType { return x.dtype }

// RequiresGrad reports whether gradients flow to or through this tensor.
func (x *Tensor) RequiresGrad() bool { return x.requiresGrad }

// IsLeaf reports whether x was not produced by a recorded op: a user-created tensor, or any
// tensor that does not require grad.
func (x *Tensor) IsLeaf() bool { return x.node == nil }

// IsContiguous reports whether the elements are laid out row-major with no gaps.
func (x *Tensor) IsContiguous() bool { return isContiguous(x.shape, x.strides()) }

// Version returns the in-place modification counter of the tensor's storage.
func (x *Tensor) Version() uint64 { return x.st.ver() }

// newTensor allocates a contiguous tensor of the given dtype and shape, zero-filled.
func newTensor(dt DType, shape []int) *Tensor { return allocTensor(dt, shape, true) }

// newTensorUninit is newTensor for ops that write every element of the result: the buffer
// is not cleared first (see allocStorage).
func newTensorUninit(dt DType, shape []int) *Tensor { return allocTensor(dt, shape, false) }

func allocTensor(dt DType, shape []int, zero bool) *Tensor {
	n := numel(shape)
	var t *Tensor
	if n*dt.Size() <= smallBytes && !memTracking.Load() {
		t = newSmallTensor(dt, shape, n)
		if !zero && poisonUninit {
			poison(t.st)
		}
	} else {
		t = &Tensor{dtype: dt}
		t.setContiguousShape(shape)
		t.st = allocStorage(dt, n, zero)
	}
	if slowPath.Load() != 0 {
		event(evAlloc, t, nil)
	}
	return t
}

// poisonUninit makes every uninitialised buffer start as all-ones bytes (NaN for floats),
// so that tests catch an op that does not write all of its output (SetFillUninitialized).
var poisonUninit bool

// SetFillUninitialized turns on (or off) filling every buffer that eager hands out without
// clearing it (EmptyOf, the outputs of ops that write every element, buffers reused from the
// cache) with NaN (all-ones bytes; true for Bool), as PyTorch's
// torch.utils.deterministic.fill_uninitialized_memory does, and returns the previous
// setting. It is a debugging aid for code that writes into such buffers, jit's kernels
// included: an element read before it is written then shows as NaN instead of a stale
// value. It costs a pass over each such buffer. Set it before starting work, not while
// other goroutines run ops.
func SetFillUninitialized(on bool) (previous bool) {
	previous, poisonUninit = poisonUninit, on
	return previous
}

func poison(s *storage) {
	b := unsafe.Slice((*byte)(s.ptr), s.n*s.dtype.Size())
	for i := range b {
		b[i] = 0xff
	}
	if s.dtype == Bool { // a Go bool must be 0 or 1
		for i := range b {
			b[i] = 1
		}
	}
}

// smallBytes is the largest buffer newTensor places inline, beside the tensor and its storage
// header in one allocation: one float64, int64 or two float32 (scalars: losses, step counts,
// the one-element tensors whose ops are all overhead). With the inline geometry of rank 3
// (Tensor.dims) that allocation is 160 bytes; at 32 inline bytes and rank 4 it was 192, and
// a one-element Add took 13% longer (BenchmarkAddScalar1, 167-179 against 140-159 ns under
// go test's collector settings). Larger buffers and higher ranks take a second allocation,
// which is small beside the work of their ops.
const smallBytes = 8

// smallTensor is a tensor, its storage and its data in one allocation.
type smallTensor struct {
	t   Tensor
	s   storage
	buf [smallBytes / 8]uint64
}

func newSmallTensor(dt DType, shape []int, n int) *Tensor {
	b := &smallTensor{}
	t := &b.t
	t.dtype = dt
	t.setContiguousShape(shape)
	b.s.ptr, b.s.n, b.s.dtype = unsafe.Pointer(&b.buf[0]), n, dt
	t.st = &b.s
	return t
}

// Shape and strides live in one array, strides right after the shape (the inline dims for
// tensors up to rank 3), so that a tensor carries one slice header for both.

// geometry returns a shape slice of rank n whose strides follow it, in t's inline array
// when it fits.
func (t *Tensor) geometry(n int) []int {
	buf := t.dims[:]
	if 2*n > len(buf) {
		buf = make([]int, 2*n)
	}
	return buf[:n:n]
}

// strides returns x's strides, in elements (stored after the shape; see geometry).
func (x *Tensor) strides() []int {
	n := len(x.shape)
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*int)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(x.shape)), n*int(unsafe.Sizeof(0)))), n)
}

// setContiguousShape sets shape and row-major strides.
func (t *Tensor) setContiguousShape(shape []int) {
	n := len(shape)
	var tmp [4]int
	if n <= len(tmp) { // shape may be t's own
		shape = tmp[:copy(tmp[:], shape)]
	}
	t.shape = t.geometry(n)
	copy(t.shape, shape)
	st := t.strides()
	s := 1
	for i := n - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
}

// newView returns a tensor over x's storage with the given geometry.
func newView(x *Tensor, offset int, shape, strides []int) *Tensor {
	t := &Tensor{st: x.st, offset: offset, dtype: x.dtype}
	t.shape = t.geometry(len(shape))
	copy(t.shape, shape)
	copy(t.strides(), strides)
	return t
}

// f32 returns the contiguous float32 data of x; x must be contiguous.
func (x *Tensor) f32() []float32 { return x.st.f32()[x.offset : x.offset+x.Numel()] }
func (x *Tensor) f64() []float64 { return x.st.f64()[x.offset : x.offset+x.Numel()] }
func (x *Tensor) i64() []int64   { return x.st.i64()[x.offset : x.offset+x.Numel()] }
func (x *Tensor) bools() []bool  { return x.st.b()[x.offset : x.offset+x.Numel()] }

// contig returns x if it is contiguous, else a contiguous copy (no autograd).
func (x *Tensor) contig() *Tensor {
	if x.IsContiguous() {
		return x
	}
	return copyContiguous(x)
}

// copyContiguous copies x's elements, in row-major order, into a new contiguous tensor.
func copyContiguous(x *Tensor) *Tensor {
	out := newTensorUninit(x.dtype, x.shape)
	switch x.dtype {
	case Float32:
		gatherStrided(out.st.f32(), x.st.f32(), x.offset, x.shape, x.strides())
	case Float64:
		gatherStrided(out.st.f64(), x.st.f64(), x.offset, x.shape, x.strides())
	case Int64:
		gatherStrided(out.st.i64(), x.st.i64(), x.offset, x.shape, x.strides())
	case Bool:
		gatherStrided(out.st.b(), x.st.b(), x.offset, x.shape, x.strides())
	}
	return out
}

// gatherStrided copies the strided view (off, shape, strides) of src into dst in row-major order.
func gatherStrided[T any](dst, src []T, off int, shape, strides []int) {
	n := len(shape)
	if n == 0 {
		dst[0] = src[off]
		return
	}
	if numel(shape) == 0 {
		return
	}
	if gatherTransposed(dst, src, off, shape, strides) {
		return
	}
	if numel(shape) >= minGatherRows {
		gatherRows(dst, src, off, shape, strides)
		return
	}
	inner, is := shape[n-1], strides[n-1]
	idx := make([]int, n-1)
	pos := off
	for d := 0; ; {
		if is == 1 {
			copy(dst[d:d+inner], src[pos:pos+inner])
		} else {
			p := pos
			for i := 0; i < inner; i++ {
				dst[d+i] = src[p]
				p += is
			}
		}
		d += inner
		// advance the outer index
		k := n - 2
		for ; k >= 0; k-- {
			idx[k]++
			pos += strides[k]
			if idx[k] < shape[k] {
				break
			}
			pos -= strides[k] * shape[k]
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// gatherTransposed is gatherStrided for a view whose last dim is not the one stored with unit
// stride (x.T(), a Permute that moves the last dim): it copies it as transposed matrices,
// dim k (the unit-stride one) against the last, with kernels.Transpose, instead of reading
// one element per cache line. It reports false, copying nothing, for other views and for
// small matrices.
func gatherTransposed[T any](dst, src []T, off int, shape, strides []int) bool {
	n := len(shape)
	last := n - 1
	k := transposedDim(shape, strides)
	if k < 0 || shape[k]*shape[last] < minTransposeElems {
		return false
	}
	// The other dims, and the strides of dst (row-major).
	var outerBuf, srcStrideBuf, dstStrideBuf [maxStackDims]int
	outer, srcStride, dstStride := outerBuf[:0], srcStrideBuf[:0], dstStrideBuf[:0]
	ds := 1
	ldd := 0
	for d := last; d >= 0; d-- {
		switch d {
		case k:
			ldd = ds
		case last:
		default:
			outer = append(outer, shape[d])
			srcStride = append(srcStride, strides[d])
			dstStride = append(dstStride, ds)
		}
		ds *= shape[d]
	}
	rows, cols, lds := shape[k], shape[last], strides[last]
	count := 1
	for _, s := range outer {
		count *= s
	}
	// one copies the matrix number o (in row-major order of the other dims).
	one := func(o int, transpose func(dst []T, ldd int, src []T, lds int, rows, cols int)) {
		so, do := off, 0
		for d := range outer { // outer holds the dims innermost first
			i := o % outer[d]
			o /= outer[d]
			so += i * srcStride[d]
			do += i * dstStride[d]
		}
		transpose(dst[do:], ldd, src[so:], lds, rows, cols)
	}
	if count == 1 {
		one(0, kernels.TransposeParallel[T])
		return true
	}
	grain := max(1, transposeGrain/(rows*cols))
	parallel.For(count, grain, func(lo, hi int) {
		for o := lo; o < hi; o++ {
			one(o, kernels.Transpose[T])
		}
	})
	return true
}

// gatherRows is gatherStrided for larger views: dims that the view and dst both walk with
// one stride are merged (a head split's Permute(0, 2, 1, 3) copies rows of head-size values;
// merged, an expanded or sliced view copies longer ones), and the rows are split across
// cores.
func gatherRows[T any](dst, src []T, off int, shape, strides []int) {
	cs, cst := coalesce(shape, contiguousStrides(shape), strides)
	if len(cs) == 0 { // every dim has size 1
		dst[0] = src[off]
		return
	}
	last := len(cs) - 1
	inner, is := cs[last], cst[1][last]
	rows := numel(cs) / inner
	parallel.For(rows, max(1, transposeGrain/inner), func(lo, hi int) {
		walkRowRange(cs, cst, []int{0, off}, lo, hi, func(_ int, offs []int) {
			d := dst[offs[0] : offs[0]+inner]
			if is == 1 {
				copy(d, src[offs[1]:offs[1]+inner])
				return
			}
			p := offs[1]
			for i := range d {
				d[i] = src[p]
				p += is
			}
		})
	})
}

// minGatherRows is the least number of elements gatherStrided copies with gatherRows.
const minGatherRows = 1 << 12

// transposedDim returns the dim of a view (shape, strides) that is stored with unit stride
// when that is not the last dim, which is then stored with a larger stride: a transposed
// matrix, or a permutation that moved the last dim. It returns -1 for other views.
func transposedDim(shape, strides []int) int {
	last := len(shape) - 1
	if last < 1 || shape[last] < 2 || strides[last] <= 1 {
		return -1
	}
	k := -1
	for d := 0; d < last; d++ {
		if shape[d] > 1 && strides[d] == 1 {
			k = d
		}
	}
	return k
}

// minTransposeElems is the smallest matrix gatherTransposed copies with kernels.Transpose.
const minTransposeElems = 64

// transposeGrain is the least work (elements) a goroutine takes in gatherTransposed.
const transposeGrain = 1 << 15

// maxStackDims is how many dims gatherTransposed keeps on the stack.
const maxStackDims = 8

// scatterStrided copies row-major src into the strided view (off, shape, strides) of dst.
func scatterStrided[T any](dst []T, off int, shape, strides []int, src []T) {
	n := len(shape)
	if n == 0 {
		dst[off] = src[0]
		return
	}
	if numel(shape) == 0 {
		return
	}
	inner, is := shape[n-1], strides[n-1]
	idx := make([]int, n-1)
	pos := off
	for s := 0; ; {
		if is == 1 {
			copy(dst[pos:pos+inner], src[s:s+inner])
		} else {
			p := pos
			for i := 0; i < inner; i++ {
				dst[p] = src[s+i]
				p += is
			}
		}
		s += inner
		k := n - 2
		for ; k >= 0; k-- {
			idx[k]++
			pos += strides[k]
			if idx[k] < shape[k] {
				break
			}
			pos -= strides[k] * shape[k]
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// Item returns the value of a one-element tensor as a float64.
func (x *Tensor) Item() float64 {
	if slowPath.Load() != 0 {
		x.onRead()
	}
	if x.Numel() != 1 {
		failf("Item", "tensor of shape %v has %d elements, want 1", x.shape, x.Numel())
	}
	return x.at(x.offset)
}

// at returns storage element i as a float64.
func (x *Tensor) at(i int) float64 {
	switch x.dtype {
	case Float32:
		return float64(x.st.f32()[i])
	case Float64:
		return x.st.f64()[i]
	case Int64:
		return float64(x.st.i64()[i])
	default:
		if x.st.b()[i] {
			return 1
		}
		return 0
	}
}

// Float32s returns the elements in row-major order as a new []float32, converting from any dtype.
func (x *Tensor) Float32s() []float32 {
	if slowPath.Load() != 0 {
		x.onRead()
	}
	if x.dtype == Float32 {
		return append([]float32(nil), x.contig().f32()...)
	}
	return x.Detach().To(Float32).f32() // Detach: reading values must not record a To node
}

// Float64s returns the elements in row-major order as a new []float64, converting from any dtype.
func (x *Tensor) Float64s() []float64 {
	if slowPath.Load() != 0 {
		x.onRead()
	}
	if x.dtype == Float64 {
		return append([]float64(nil), x.contig().f64()...)
	}
	return x.Detach().To(Float64).f64()
}

// Int64s returns the elements in row-major order as a new []int64, converting from any dtype
// (floats are truncated toward zero).
func (x *Tensor) Int64s() []int64 {
	if slowPath.Load() != 0 {
		x.onRead()
	}
	if x.dtype == Int64 {
		return append([]int64(nil), x.contig().i64()...)
	}
	return x.To(Int64).i64()
}

// Bools returns the elements in row-major order as a new []bool (non-zero is true).
func (x *Tensor) Bools() []bool {
	if slowPath.Load() != 0 {
		x.onRead()
	}
	if x.dtype == Bool {
		return append([]bool(nil), x.contig().bools()...)
	}
	return x.To(Bool).bools()
}
