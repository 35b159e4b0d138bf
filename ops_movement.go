package eager

var (
	opView         = defOp("View", true) // Reshape/View/Flatten/Squeeze/Unsqueeze that keep storage
	opPermute      = defOp("Permute", true)
	opExpand       = defOp("Expand", true)
	opSlice        = defOp("Slice", true) // Narrow/Slice/Select/Chunk/Split
	opSliceScatter = defOp("SliceScatter", true)
	opCat          = defOp("Cat", true)
)

// view returns a view of x with new geometry, recording op with backward bw.
func view(op *OpInfo, x *Tensor, offset int, shape, strides []int, bw backwardFn, attrs []Attr) *Tensor {
	t0 := opStart()
	out := newView(x, offset, shape, strides)
	if needsGrad(x, nil) {
		record(op, out, bw, x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(op, t0, out, attrs, x)
	}
	return out
}

// inferShape resolves one -1 in shape for n elements.
func inferShape(op string, shape []int, n int, from []int) []int {
	out := copyInts(shape)
	neg := -1
	p := 1
	for i, s := range shape {
		switch {
		case s == -1 && neg < 0:
			neg = i
		case s == -1:
			failf(op, "only one dimension can be -1, got %v", shape)
		case s < 0:
			failf(op, "invalid shape %v", shape)
		default:
			p *= s
		}
	}
	if neg >= 0 {
		if p == 0 || n%p != 0 {
			failf(op, "shape %v is invalid for input of shape %v (%d elements)", shape, from, n)
		}
		out[neg] = n / p
		p *= out[neg]
	}
	if p != n {
		failf(op, "shape %v is invalid for input of shape %v (%d elements)", shape, from, n)
	}
	return out
}

// viewStrides returns strides that let x's storage be seen with shape (same element order),
// or nil when no such strides exist and a copy is needed. This is PyTorch's view rule: old
// dims are grouped into chunks that are contiguous with each other, and each chunk must be
// covered exactly by a run of new dims.
func viewStrides(oldShape, oldStrides, shape []int) []int {
	st := make([]int, len(shape))
	if numel(oldShape) == 0 || len(oldShape) == 0 {
		return contiguousStrides(shape)
	}
	vd := len(shape) - 1
	base := oldStrides[len(oldStrides)-1]
	tensorNumel, viewNumel := 1, 1
	for td := len(oldShape) - 1; td >= 0; td-- {
		tensorNumel *= oldShape[td]
		if td == 0 || (oldShape[td-1] != 1 && oldStrides[td-1] != tensorNumel*base) {
			for vd >= 0 && (viewNumel < tensorNumel || shape[vd] == 1) {
				st[vd] = viewNumel * base
				viewNumel *= shape[vd]
				vd--
			}
			if viewNumel != tensorNumel {
				return nil
			}
			if td > 0 {
				base = oldStrides[td-1]
				tensorNumel, viewNumel = 1, 1
			}
		}
	}
	if vd != -1 {
		return nil
	}
	return st
}

// Reshape returns x with a new shape holding the same elements in row-major order; one dim
// may be -1 (inferred). It is a view when the strides allow, a copy otherwise.
func (x *Tensor) Reshape(shape ...int) *Tensor {
	shape = inferShape("Reshape", shape, x.Numel(), x.shape)
	if sameShape(shape, x.shape) {
		return x
	}
	src := x
	var st []int
	if isContiguous(x.shape, x.strides()) {
		st = contiguousStrides(shape)
	} else if st = viewStrides(x.shape, x.strides(), shape); st == nil {
		src = x.Contiguous()
		st = contiguousStrides(shape)
	}
	from := src.shape
	return view(opView, src, src.offset, shape, st, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Reshape(from...)}
	}, viewAttrs(shape))
}

func viewAttrs(shape []int) []Attr {
	if slowPath.Load() == 0 {
		return nil
	}
	return []Attr{{"shape", copyInts(shape)}}
}

// View is Reshape that panics instead of copying when x's strides do not allow a view.
func (x *Tensor) View(shape ...int) *Tensor {
	shape = inferShape("View", shape, x.Numel(), x.shape)
	st := viewStrides(x.shape, x.strides(), shape)
	if isContiguous(x.shape, x.strides()) {
		st = contiguousStrides(shape)
	}
	if st == nil {
		failf("View", "view shape %v is not compatible with input of shape %v and strides %v; use Reshape (which copies) or Contiguous first", shape, x.shape, x.strides())
	}
	from := x.shape
	return view(opView, x, x.offset, shape, st, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Reshape(from...)}
	}, viewAttrs(shape))
}

// Flatten merges dims start..end (inclusive; negative counts from the end) into one.
func (x *Tensor) Flatten(start, end int) *Tensor {
	if len(x.shape) == 0 {
		return x.Reshape(1)
	}
	s, e := normDim("Flatten", start, len(x.shape)), normDim("Flatten", end, len(x.shape))
	if s > e {
		failf("Flatten", "start dim %d comes after end dim %d for shape %v", start, end, x.shape)
	}
	shape := append([]int(nil), x.shape[:s]...)
	shape = append(shape, numel(x.shape[s:e+1]))
	shape = append(shape, x.shape[e+1:]...)
	return x.Reshape(shape...)
}

// Permute returns a view of x with its dims reordered: dim i of the result is dim dims[i] of x.
func (x *Tensor) Permute(dims ...int) *Tensor {
	if len(dims) != len(x.shape) {
		failf("Permute", "got %d dims %v for a tensor of rank %d (shape %v)", len(dims), dims, len(x.shape), x.shape)
	}
	nd := normDims("Permute", dims, len(x.shape))
	shape := make([]int, len(nd))
	st := make([]int, len(nd))
	inv := make([]int, len(nd))
	identity := true
	for i, d := range nd {
		shape[i], st[i] = x.shape[d], x.strides()[d]
		inv[d] = i
		identity = identity && d == i
	}
	if identity {
		return x
	}
	var attrs []Attr
	if slowPath.Load() != 0 {
		attrs = []Attr{{"dims", nd}}
	}
	return view(opPermute, x, x.offset, shape, st, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Permute(inv...)}
	}, attrs)
}

// Transpose returns a view of x with dims d0 and d1 swapped.
func (x *Tensor) Transpose(d0, d1 int) *Tensor {
	r := len(x.shape)
	a, b := normDim("Transpose", d0, r), normDim("Transpose", d1, r)
	if r == 0 || a == b {
		return x
	}
	perm := make([]int, r)
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = b, a
	return x.Permute(perm...)
}

// T returns the transpose of a 2-D tensor (a 0-D or 1-D tensor is returned as is).
func (x *Tensor) T() *Tensor {
	if len(x.shape) > 2 {
		failf("T", "expects a tensor with <= 2 dims, got shape %v; use Transpose or Permute", x.shape)
	}
	if len(x.shape) < 2 {
		return x
	}
	return x.Transpose(0, 1)
}

// Squeeze removes the given size-1 dims (all size-1 dims when none are given); dims whose
// size is not 1 are left alone, as in PyTorch.
func (x *Tensor) Squeeze(dims ...int) *Tensor {
	nd := normDims("Squeeze", dims, len(x.shape))
	drop := make([]bool, len(x.shape))
	for _, d := range nd {
		drop[d] = x.shape[d] == 1
	}
	var shape, st []int
	for i, s := range x.shape {
		if !drop[i] {
			shape = append(shape, s)
			st = append(st, x.strides()[i])
		}
	}
	if len(shape) == len(x.shape) {
		return x
	}
	from := x.shape
	return view(opView, x, x.offset, shape, st, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Reshape(from...)}
	}, viewAttrs(shape))
}

// Unsqueeze inserts a size-1 dim at position dim (which may be Dim() or -1 for the end).
func (x *Tensor) Unsqueeze(dim int) *Tensor {
	d := normDim("Unsqueeze", dim, len(x.shape)+1)
	shape := make([]int, 0, len(x.shape)+1)
	st := make([]int, 0, len(x.shape)+1)
	shape = append(shape, x.shape[:d]...)
	st = append(st, x.strides()[:d]...)
	inner := 1
	if d < len(x.shape) {
		inner = x.strides()[d] * x.shape[d]
	}
	shape = append(shape, 1)
	st = append(st, inner)
	shape = append(shape, x.shape[d:]...)
	st = append(st, x.strides()[d:]...)
	from := x.shape
	return view(opView, x, x.offset, shape, st, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Reshape(from...)}
	}, viewAttrs(shape))
}

// Expand returns a view of x broadcast to shape without copying (size-1 dims are repeated
// with stride 0; -1 keeps a dim's size). Gradients are summed back over the expanded dims.
func (x *Tensor) Expand(shape ...int) *Tensor {
	if len(shape) < len(x.shape) {
		failf("Expand", "cannot expand shape %v to fewer dims %v", x.shape, shape)
	}
	k := len(shape) - len(x.shape)
	out := make([]int, len(shape))
	st := make([]int, len(shape))
	for i, s := range shape {
		if i < k {
			if s < 0 {
				failf("Expand", "-1 is not allowed in a new leading dim: %v", shape)
			}
			out[i] = s
			continue
		}
		xs := x.shape[i-k]
		switch {
		case s == -1 || s == xs:
			out[i], st[i] = xs, x.strides()[i-k]
		case xs == 1 && s >= 0:
			out[i] = s
		default:
			failf("Expand", "cannot expand shape %v to %v (dim %d: %d vs %d)", x.shape, shape, i, xs, s)
		}
	}
	if sameShape(out, x.shape) {
		return x
	}
	from := x.shape
	return view(opExpand, x, x.offset, out, st, func(g *Tensor) []*Tensor {
		return []*Tensor{sumTo(g, from)}
	}, viewAttrs(out))
}

// ExpandAs expands x to y's shape.
func (x *Tensor) ExpandAs(y *Tensor) *Tensor { return x.Expand(y.shape...) }

// Slice returns a view of x along dim from start up to (not including) end in steps of step,
// with Python's rules: negative start and end count from the end, and both are clamped to
// the dim's size. step must be positive.
func (x *Tensor) Slice(dim, start, end, step int) *Tensor {
	d := normDim("Slice", dim, len(x.shape))
	if len(x.shape) == 0 {
		failf("Slice", "cannot slice a 0-d tensor")
	}
	if step <= 0 {
		failf("Slice", "step must be positive, got %d", step)
	}
	n := x.shape[d]
	clamp := func(i int) int {
		if i < 0 {
			i += n
		}
		return min(max(i, 0), n)
	}
	s, e := clamp(start), clamp(end)
	length := 0
	if e > s {
		length = (e - s + step - 1) / step
	}
	return x.slice(d, s, length, step)
}

func (x *Tensor) slice(d, start, length, step int) *Tensor {
	shape := copyInts(x.shape)
	st := copyInts(x.strides())
	shape[d] = length
	st[d] = x.strides()[d] * step
	if length == x.shape[d] && step == 1 {
		return x
	}
	from := x.shape
	var attrs []Attr
	if slowPath.Load() != 0 {
		attrs = []Attr{{"dim", d}, {"start", start}, {"length", length}, {"step", step}}
	}
	return view(opSlice, x, x.offset+start*x.strides()[d], shape, st, func(g *Tensor) []*Tensor {
		return []*Tensor{sliceScatter(g, from, d, start, step)}
	}, attrs)
}

// Narrow returns the view x[..., start:start+length, ...] along dim; start may be negative.
func (x *Tensor) Narrow(dim, start, length int) *Tensor {
	noDims("Narrow", x)
	d := normDim("Narrow", dim, len(x.shape))
	n := x.shape[d]
	if start < 0 {
		start += n
	}
	if start < 0 || length < 0 || start+length > n {
		failf("Narrow", "start %d and length %d out of range for dim %d of size %d (shape %v)", start, length, dim, n, x.shape)
	}
	return x.slice(d, start, length, 1)
}

// Select returns the view of x at index along dim, with that dim removed; index may be negative.
func (x *Tensor) Select(dim, index int) *Tensor {
	noDims("Select", x)
	d := normDim("Select", dim, len(x.shape))
	n := x.shape[d]
	i := index
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		failf("Select", "index %d out of range for dim %d of size %d (shape %v)", index, dim, n, x.shape)
	}
	return x.slice(d, i, 1, 1).Squeeze(d)
}

// Chunk splits x into n views along dim, each of size ceil(size/n) but the last, as PyTorch.
func (x *Tensor) Chunk(n, dim int) []*Tensor {
	if n <= 0 {
		failf("Chunk", "number of chunks must be positive, got %d", n)
	}
	noDims("Chunk", x)
	d := normDim("Chunk", dim, len(x.shape))
	size := (x.shape[d] + n - 1) / n
	if size == 0 {
		size = 1
	}
	return x.Split(size, d)
}

// Split splits x along dim into views of size each (the last may be smaller).
func (x *Tensor) Split(size, dim int) []*Tensor {
	if size <= 0 {
		failf("Split", "split size must be positive, got %d", size)
	}
	noDims("Split", x)
	d := normDim("Split", dim, len(x.shape))
	var out []*Tensor
	for s := 0; s < x.shape[d]; s += size {
		out = append(out, x.Narrow(d, s, min(size, x.shape[d]-s)))
	}
	return out
}

// SplitSizes splits x along dim into views with the given sizes, which must sum to its size.
func (x *Tensor) SplitSizes(sizes []int, dim int) []*Tensor {
	noDims("SplitSizes", x)
	d := normDim("SplitSizes", dim, len(x.shape))
	total := 0
	for _, s := range sizes {
		total += s
	}
	if total != x.shape[d] {
		failf("SplitSizes", "sizes %v do not sum to dim %d of size %d (shape %v)", sizes, dim, x.shape[d], x.shape)
	}
	out := make([]*Tensor, len(sizes))
	s := 0
	for i, n := range sizes {
		out[i] = x.Narrow(d, s, n)
		s += n
	}
	return out
}

// sliceScatter returns zeros of shape with src written into the slice start::step along dim:
// the backward of Slice, and itself differentiable (its backward is Slice).
func sliceScatter(src *Tensor, shape []int, d, start, step int) *Tensor {
	t0 := opStart()
	out := newTensor(src.dtype, shape)
	st := copyInts(out.strides())
	st[d] *= step
	off := start * out.strides()[d]
	c := src.contig()
	switch src.dtype {
	case Float32:
		scatterStrided(out.st.f32(), off, src.shape, st, c.f32())
	case Float64:
		scatterStrided(out.st.f64(), off, src.shape, st, c.f64())
	case Int64:
		scatterStrided(out.st.i64(), off, src.shape, st, c.i64())
	case Bool:
		scatterStrided(out.st.b(), off, src.shape, st, c.bools())
	}
	if needsGrad(src, nil) {
		length := src.shape[d]
		record(opSliceScatter, out, func(g *Tensor) []*Tensor {
			return []*Tensor{g.slice(d, start, length, step)}
		}, src)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opSliceScatter, t0, out, []Attr{{"dim", d}, {"start", start}, {"step", step}, {"shape", copyInts(shape)}}, src)
	}
	return out
}

// Cat concatenates tensors along dim; all must have the same shape except along dim.
func Cat(tensors []*Tensor, dim int) *Tensor {
	t0 := opStart()
	if len(tensors) == 0 {
		failf("Cat", "expects at least one tensor")
	}
	first := tensors[0]
	d := normDim("Cat", dim, len(first.shape))
	if len(first.shape) == 0 {
		failf("Cat", "zero-dimensional tensors cannot be concatenated; use Stack")
	}
	dt := first.dtype
	for _, t := range tensors[1:] {
		dt = promote(dt, t.dtype)
	}
	shape := copyInts(first.shape)
	shape[d] = 0
	for i, t := range tensors {
		if len(t.shape) != len(first.shape) {
			failf("Cat", "tensor %d has shape %v, expected rank %d like tensor 0 (shape %v)", i, t.shape, len(first.shape), first.shape)
		}
		for k := range t.shape {
			if k != d && t.shape[k] != first.shape[k] {
				failf("Cat", "tensor %d has shape %v, which does not match tensor 0's shape %v except in dim %d", i, t.shape, first.shape, d)
			}
		}
		shape[d] += t.shape[d]
	}
	out := newTensorUninit(dt, shape) // the inputs' blocks cover it
	pos := 0
	sizes := make([]int, len(tensors))
	ins := make([]*Tensor, len(tensors))
	for i, t := range tensors {
		t = t.To(dt)
		ins[i] = t
		sizes[i] = t.shape[d]
		c := t.contig()
		off := pos * out.strides()[d]
		switch dt {
		case Float32:
			scatterStrided(out.st.f32(), off, t.shape, out.strides(), c.f32())
		case Float64:
			scatterStrided(out.st.f64(), off, t.shape, out.strides(), c.f64())
		case Int64:
			scatterStrided(out.st.i64(), off, t.shape, out.strides(), c.i64())
		case Bool:
			scatterStrided(out.st.b(), off, t.shape, out.strides(), c.bools())
		}
		pos += t.shape[d]
	}
	if needsGradN(ins...) {
		record(opCat, out, func(g *Tensor) []*Tensor {
			return g.SplitSizes(sizes, d)
		}, ins...)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opCat, t0, out, []Attr{{"dim", d}}, tensors...)
	}
	return out
}

// Stack joins tensors of equal shape along a new dim.
func Stack(tensors []*Tensor, dim int) *Tensor {
	if len(tensors) == 0 {
		failf("Stack", "expects at least one tensor")
	}
	d := normDim("Stack", dim, len(tensors[0].shape)+1)
	us := make([]*Tensor, len(tensors))
	for i, t := range tensors {
		if !sameShape(t.shape, tensors[0].shape) {
			failf("Stack", "tensor %d has shape %v, expected %v like tensor 0", i, t.shape, tensors[0].shape)
		}
		us[i] = t.Unsqueeze(d)
	}
	return Cat(us, d)
}

var opFlip = defOp("Flip", true)

// Flip returns a copy of x with the order of its elements reversed along dims, as
// torch.flip (no dims: every dim, as numpy.flip). The gradient is the output gradient
// flipped back.
func (x *Tensor) Flip(dims ...int) *Tensor {
	t0 := opStart()
	checkNotNil("Flip", x)
	nd := normDims("Flip", dims, len(x.shape))
	// The flipped view: each flipped dim starts at its last element and steps backwards.
	strides := append([]int(nil), x.strides()...)
	off := x.offset
	for _, d := range nd {
		if x.shape[d] > 0 {
			off += (x.shape[d] - 1) * strides[d]
		}
		strides[d] = -strides[d]
	}
	out := newTensorUninit(x.dtype, x.shape) // gatherStrided writes every element
	switch x.dtype {
	case Float32:
		gatherStrided(out.st.f32(), x.st.f32(), off, x.shape, strides)
	case Float64:
		gatherStrided(out.st.f64(), x.st.f64(), off, x.shape, strides)
	case Int64:
		gatherStrided(out.st.i64(), x.st.i64(), off, x.shape, strides)
	case Bool:
		gatherStrided(out.st.b(), x.st.b(), off, x.shape, strides)
	}
	if needsGrad(x, nil) {
		record(opFlip, out, func(g *Tensor) []*Tensor { return []*Tensor{g.Flip(nd...)} }, x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opFlip, t0, out, []Attr{{"dims", nd}}, x)
	}
	return out
}
