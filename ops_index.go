package eager

import "github.com/eagerml/eager/internal/kernels"

// Indexing ops: select, gather and scatter along a dim, masked fill, one-hot and embedding
// lookup; padding, built on the same primitives, is in ops_pad.go. The primitives come in
// adjoint pairs so that every backward is itself a differentiable op and gradients of any
// order work:
//
//	IndexSelect  <->  IndexAdd     (backward of one is the other)
//	Gather       <->  ScatterAdd
//	Scatter      ->   Scatter (of zeros) and Gather
//	ConstantPad  <->  ConstantPad  (with the pads negated)
//
// Indices are int64 tensors and must lie in [0, size): as in PyTorch, negative indices are
// an error rather than counting from the end.

var (
	opIndexSelect = defOp("IndexSelect", true)
	opIndexAdd    = defOp("IndexAdd", true)
	opGather      = defOp("Gather", true)
	opScatter     = defOp("Scatter", true)
	opScatterAdd  = defOp("ScatterAdd", true)
	opConstantPad = defOp("ConstantPad", true)
	opOneHot      = defOp("OneHot", false)
)

// checkIndex panics for op unless index is a non-nil int64 tensor.
func checkIndex(op string, index *Tensor) {
	if index == nil {
		failf(op, "nil index tensor")
	}
	if index.dtype != Int64 {
		failf(op, "index must be an int64 tensor, got %v (shape %v)", index.dtype, index.shape)
	}
}

func checkNotNil(op string, ts ...*Tensor) {
	for _, t := range ts {
		if t == nil {
			failf(op, "nil tensor argument")
		}
	}
}

func indexOutOfRange(op string, v int64, d, size int) {
	failf(op, "index %d is out of bounds for dim %d with size %d", v, d, size)
}

// atLeast1D returns t's shape and strides, a 0-d tensor seen as shape [1] (as PyTorch's
// indexing ops treat scalars).
func atLeast1D(t *Tensor) ([]int, []int) {
	if len(t.shape) == 0 {
		return []int{1}, []int{1}
	}
	return t.shape, t.strides()
}

// splitAt returns the sizes before dim d, at it and after it: the [outer, n, inner] view of a
// contiguous tensor of shape.
func splitAt(shape []int, d int) (outer, n, inner int) {
	return numel(shape[:d]), shape[d], numel(shape[d+1:])
}

// IndexSelect returns the entries of x at the given positions along dim, as PyTorch's
// index_select: the result has x's shape with dim resized to len(index). index is a 1-D (or
// 0-d) int64 tensor whose values must lie in [0, size of dim); duplicates are allowed. The
// gradient of x accumulates the output gradient at the selected positions (IndexAdd).
func (x *Tensor) IndexSelect(dim int, index *Tensor) *Tensor {
	return indexSelect("IndexSelect", x, dim, index)
}

func indexSelect(name string, x *Tensor, dim int, index *Tensor) *Tensor {
	t0 := opStart()
	checkNotNil(name, x)
	checkIndex(name, index)
	if len(index.shape) > 1 {
		failf(name, "index must be a vector (1-D or 0-d), got shape %v", index.shape)
	}
	d := normDim(name, dim, max(len(x.shape), 1)) // a 0-d tensor takes dim 0 or -1
	xs, _ := atLeast1D(x)
	idx := index.contig().i64()
	if len(x.shape) == 0 && len(idx) != 1 {
		failf(name, "a 0-d tensor needs exactly one index, got %d", len(idx))
	}
	outer, n, inner := splitAt(xs, d)
	for _, v := range idx {
		if v < 0 || v >= int64(n) {
			indexOutOfRange(name, v, d, n)
		}
	}
	outShape := copyInts(x.shape)
	if len(outShape) > 0 {
		outShape[d] = len(idx)
	}
	out := newTensorUninit(x.dtype, outShape) // the kernel writes every element
	c := x.contig()
	switch x.dtype {
	case Float32:
		indexSelectKernel(out.f32(), c.f32(), idx, outer, n, inner)
	case Float64:
		indexSelectKernel(out.f64(), c.f64(), idx, outer, n, inner)
	case Int64:
		indexSelectKernel(out.i64(), c.i64(), idx, outer, n, inner)
	case Bool:
		indexSelectKernel(out.bools(), c.bools(), idx, outer, n, inner)
	}
	if needsGrad(x, nil) {
		shape := x.shape
		nd := record(opIndexSelect, out, func(g *Tensor) []*Tensor {
			return []*Tensor{indexAdd("IndexSelect", nil, shape, d, index, g)}
		}, x)
		nd.save(index)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opIndexSelect, t0, out, []Attr{{"dim", d}}, x, index)
	}
	return out
}

// indexSelectKernel copies dst[o, i, :] = src[o, idx[i], :] for src of shape [outer, n, inner].
func indexSelectKernel[T elem](dst, src []T, idx []int64, outer, n, inner int) {
	k := len(idx)
	for o := 0; o < outer; o++ {
		s, dd := src[o*n*inner:], dst[o*k*inner:]
		for i, j := range idx {
			copy(dd[i*inner:(i+1)*inner], s[int(j)*inner:(int(j)+1)*inner])
		}
	}
}

// IndexAdd returns a copy of x with the slices of source added at the given positions along
// dim, as PyTorch's out-of-place index_add: out[..., index[i], ...] += source[..., i, ...].
// source has x's shape except along dim, where its size is len(index); duplicate indices
// accumulate. x and source must have the same dtype (bool accumulates with OR).
func (x *Tensor) IndexAdd(dim int, index, source *Tensor) *Tensor {
	checkNotNil("IndexAdd", x, source)
	return indexAdd("IndexAdd", x, x.shape, dim, index, source)
}

// indexAdd computes IndexAdd onto x, or onto zeros of shape (with source's dtype) when x is
// nil: the backward of IndexSelect, which needs no copy of a zero tensor.
func indexAdd(name string, x *Tensor, shape []int, dim int, index, src *Tensor) *Tensor {
	t0 := opStart()
	checkIndex(name, index)
	if len(index.shape) > 1 {
		failf(name, "index must be a vector (1-D or 0-d), got shape %v", index.shape)
	}
	dt := src.dtype
	if x != nil && x.dtype != src.dtype {
		failf(name, "self (%v) and source (%v) must have the same dtype", x.dtype, src.dtype)
	}
	d := normDim(name, dim, max(len(shape), 1))
	xs := shape
	if len(xs) == 0 {
		xs = []int{1}
	}
	ss, _ := atLeast1D(src)
	idx := index.contig().i64()
	if len(ss) != len(xs) {
		failf(name, "source of shape %v must have the same number of dims as self of shape %v", src.shape, shape)
	}
	for i := range xs {
		if i != d && ss[i] != xs[i] {
			failf(name, "source of shape %v must match self of shape %v except in dim %d", src.shape, shape, d)
		}
	}
	if ss[d] != len(idx) {
		failf(name, "number of indices (%d) must equal the size %d of source (shape %v) in dim %d", len(idx), ss[d], src.shape, d)
	}
	outer, n, inner := splitAt(xs, d)
	for _, v := range idx {
		if v < 0 || v >= int64(n) {
			indexOutOfRange(name, v, d, n)
		}
	}
	var out *Tensor
	if x == nil {
		out = newTensor(dt, shape)
	} else {
		out = copyContiguous(x)
	}
	c := src.contig()
	switch dt {
	case Float32:
		indexAddKernel(out.f32(), c.f32(), idx, outer, n, inner, kernels.Add[float32])
	case Float64:
		indexAddKernel(out.f64(), c.f64(), idx, outer, n, inner, kernels.Add[float64])
	case Int64:
		indexAddKernel(out.i64(), c.i64(), idx, outer, n, inner, kernels.Add[int64])
	case Bool:
		indexAddKernel(out.bools(), c.bools(), idx, outer, n, inner, orInto)
	}
	if needsGradN(x, src) {
		srcShape := src.shape
		xg := x != nil && x.requiresGrad
		nd := record(opIndexAdd, out, func(g *Tensor) []*Tensor {
			var gx, gs *Tensor
			if xg {
				gx = g
			}
			if src.requiresGrad {
				gs = g.IndexSelect(d, index).Reshape(srcShape...)
			}
			return []*Tensor{gx, gs}
		}, x, src)
		nd.save(index)
	}
	if slowPath.Load() != 0 {
		base := x
		if base == nil {
			base = ZerosOf(dt, shape...)
		}
		notifyTimed(opIndexAdd, t0, out, []Attr{{"dim", d}}, base, index, src)
	}
	return out
}

// orInto sets dst[i] = a[i] || b[i], the bool analogue of kernels.Add.
func orInto(dst, a, b []bool) {
	for i := range dst {
		dst[i] = a[i] || b[i]
	}
}

// indexAddKernel adds src[o, i, :] into dst[o, idx[i], :] for dst of shape [outer, n, inner].
func indexAddKernel[T elem](dst, src []T, idx []int64, outer, n, inner int, add func(dst, a, b []T)) {
	k := len(idx)
	for o := 0; o < outer; o++ {
		for i, j := range idx {
			row := dst[(o*n+int(j))*inner:][:inner]
			add(row, row, src[(o*k+i)*inner:][:inner])
		}
	}
}

// Gather collects values of x along dim at the positions index gives, as PyTorch's gather:
// out[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and so on for other dims). index is an
// int64 tensor with x's rank whose sizes are at most x's in every dim but dim; the output
// has index's shape. The gradient of x scatters the output gradient back with ScatterAdd.
func (x *Tensor) Gather(dim int, index *Tensor) *Tensor {
	t0 := opStart()
	const name = "Gather"
	checkNotNil(name, x)
	checkIndex(name, index)
	xs, xst := atLeast1D(x)
	is, ist := atLeast1D(index)
	if len(xs) != len(is) {
		failf(name, "index of shape %v must have the same number of dims as the input of shape %v", index.shape, x.shape)
	}
	d := normDim(name, dim, max(len(x.shape), 1)) // a 0-d tensor takes dim 0 or -1
	for i := range xs {
		if i != d && is[i] > xs[i] {
			failf(name, "index of shape %v must not be larger than the input of shape %v except in dim %d", index.shape, x.shape, d)
		}
	}
	out := newTensorUninit(x.dtype, index.shape) // one element per index element
	// Walk index; x's stride along dim is applied per element from the index value.
	xw := copyInts(xst)
	xw[d] = 0
	w := indexWalk{shape: is, strides: [][]int{contiguousStrides(is), ist, xw}, base: []int{0, index.offset, x.offset},
		ind: index.st.i64(), size: xs[d], step: xst[d], dim: d, op: name}
	switch x.dtype {
	case Float32:
		gatherKernel(&w, out.st.f32(), x.st.f32())
	case Float64:
		gatherKernel(&w, out.st.f64(), x.st.f64())
	case Int64:
		gatherKernel(&w, out.st.i64(), x.st.i64())
	case Bool:
		gatherKernel(&w, out.st.b(), x.st.b())
	}
	if needsGrad(x, nil) {
		shape := x.shape
		nd := record(opGather, out, func(g *Tensor) []*Tensor {
			return []*Tensor{scatter("Gather", opScatterAdd, nil, shape, d, index, g, true)}
		}, x)
		nd.save(index)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opGather, t0, out, []Attr{{"dim", d}}, x, index)
	}
	return out
}

// indexWalk iterates over every element of an index tensor together with two other operands
// (for Gather: the output and x; for Scatter: src and the output). Operand 1 is the index
// itself; the operand that is indexed has stride 0 along dim, and each index value v moves it
// by v*step after checking 0 <= v < size.
type indexWalk struct {
	shape   []int
	strides [][]int // operands 0 (the plain one), 1 (index), 2 (the indexed one)
	base    []int
	ind     []int64
	size    int
	step    int
	dim     int
	op      string
}

// run calls fn(p0, p2) with the storage position of operand 0 and the resolved position of
// the indexed operand for each index element, in row-major order of the index.
func (w *indexWalk) run(fn func(p0, p2 int)) {
	inner, s0, s1, s2 := w.row()
	walkRows(w.shape, w.strides, w.base, func(_ int, offs []int) {
		p0, p1, p2 := offs[0], offs[1], offs[2]
		for range inner {
			fn(p0, p2+w.offset(p1))
			p0, p1, p2 = p0+s0, p1+s1, p2+s2
		}
	})
}

// row returns the length of the index's innermost rows and the three operands' strides
// along them.
func (w *indexWalk) row() (inner, s0, s1, s2 int) {
	last := len(w.shape) - 1
	return w.shape[last], w.strides[0][last], w.strides[1][last], w.strides[2][last]
}

// offset returns the indexed operand's offset for the index element at p1, after checking
// that the index is in range.
func (w *indexWalk) offset(p1 int) int {
	v := w.ind[p1]
	if uint64(v) >= uint64(w.size) { // negative too
		w.outOfRange(v)
	}
	return int(v) * w.step
}

// outOfRange panics for the index value v (kept out of offset, so that offset inlines).
func (w *indexWalk) outOfRange(v int64) { indexOutOfRange(w.op, v, w.dim, w.size) }

// gatherKernel is out[p0] = x[p2] over w: run with the copy written in its loop rather than
// called per element (the call cost more than the copy, 8x PyTorch's time). It stays on the
// calling goroutine, so that an index out of range panics with the caller's file:line.
func gatherKernel[T elem](w *indexWalk, out, x []T) {
	inner, s0, s1, s2 := w.row()
	walkRows(w.shape, w.strides, w.base, func(_ int, offs []int) {
		p0, p1, p2 := offs[0], offs[1], offs[2]
		for range inner {
			v := w.ind[p1] // offset, written out: it does not inline
			if uint64(v) >= uint64(w.size) {
				w.outOfRange(v)
			}
			out[p0] = x[p2+int(v)*w.step]
			p0, p1, p2 = p0+s0, p1+s1, p2+s2
		}
	})
}

// Scatter returns a copy of x with the values of src written at the positions index gives
// along dim, as PyTorch's out-of-place scatter: out[index[i][j]][j] = src[i][j] for dim 0.
// index has the rank of x and src, is no larger than src in any dim and no larger than x in
// any dim but dim. Where indices repeat, the last write in row-major order of index wins.
// x and src must have the same dtype. Gradients: x gets the output gradient with the written
// positions zeroed; src gets the output gradient gathered at index (zero where index does not
// reach).
func (x *Tensor) Scatter(dim int, index, src *Tensor) *Tensor {
	checkNotNil("Scatter", x, src)
	return scatter("Scatter", opScatter, x, x.shape, dim, index, src, false)
}

// ScatterValue is Scatter with every written value equal to value (converted to x's dtype),
// as PyTorch's scatter(dim, index, value).
func (x *Tensor) ScatterValue(dim int, index *Tensor, value float64) *Tensor {
	checkNotNil("ScatterValue", x)
	checkIndex("ScatterValue", index)
	src := FullOf(x.dtype, value).Expand(index.shape...)
	return scatter("ScatterValue", opScatter, x, x.shape, dim, index, src, false)
}

// ScatterAdd returns a copy of x with the values of src added at the positions index gives
// along dim, as PyTorch's out-of-place scatter_add: out[index[i][j]][j] += src[i][j] for dim
// 0; repeated indices accumulate. The shape rules are Scatter's. Gradients: x gets the output
// gradient unchanged, src gets it gathered at index.
func (x *Tensor) ScatterAdd(dim int, index, src *Tensor) *Tensor {
	checkNotNil("ScatterAdd", x, src)
	return scatter("ScatterAdd", opScatterAdd, x, x.shape, dim, index, src, true)
}

// scatter implements Scatter and ScatterAdd onto x, or onto zeros of shape (src's dtype)
// when x is nil: the backward of Gather.
func scatter(name string, op *OpInfo, x *Tensor, shape []int, dim int, index, src *Tensor, add bool) *Tensor {
	t0 := opStart()
	checkIndex(name, index)
	if x != nil && x.dtype != src.dtype {
		failf(name, "self (%v) and src (%v) must have the same dtype", x.dtype, src.dtype)
	}
	xs := shape
	if len(xs) == 0 {
		xs = []int{1}
	}
	is, ist := atLeast1D(index)
	ss, sst := atLeast1D(src)
	if len(is) != len(xs) || len(ss) != len(xs) {
		failf(name, "self of shape %v, index of shape %v and src of shape %v must have the same number of dims", shape, index.shape, src.shape)
	}
	d := normDim(name, dim, max(len(shape), 1))
	for i := range xs {
		if is[i] > ss[i] || (i != d && is[i] > xs[i]) {
			failf(name, "index of shape %v must be no larger than src of shape %v, and no larger than self of shape %v except in dim %d", index.shape, src.shape, shape, d)
		}
	}
	var out *Tensor
	if x == nil {
		out = newTensor(src.dtype, shape)
	} else {
		out = copyContiguous(x)
	}
	ost := contiguousStrides(xs)
	ow := copyInts(ost)
	ow[d] = 0
	w := indexWalk{shape: is, strides: [][]int{sst, ist, ow}, base: []int{src.offset, index.offset, 0},
		ind: index.st.i64(), size: xs[d], step: ost[d], dim: d, op: name}
	switch src.dtype {
	case Float32:
		scatterKernel(&w, out.st.f32(), src.st.f32(), add, func(a, b float32) float32 { return a + b })
	case Float64:
		scatterKernel(&w, out.st.f64(), src.st.f64(), add, func(a, b float64) float64 { return a + b })
	case Int64:
		scatterKernel(&w, out.st.i64(), src.st.i64(), add, func(a, b int64) int64 { return a + b })
	case Bool:
		scatterKernel(&w, out.st.b(), src.st.b(), add, func(a, b bool) bool { return a || b })
	}
	if needsGradN(x, src) {
		srcShape := src.shape
		xg := x != nil && x.requiresGrad
		nd := record(op, out, func(g *Tensor) []*Tensor {
			var gx, gs *Tensor
			if xg {
				gx = g
				if !add {
					gx = g.ScatterValue(d, index, 0)
				}
			}
			if src.requiresGrad {
				gs = padTo(g.Gather(d, index), srcShape)
			}
			return []*Tensor{gx, gs}
		}, x, src)
		nd.save(index)
	}
	if slowPath.Load() != 0 {
		base := x
		if base == nil {
			base = ZerosOf(src.dtype, shape...)
		}
		notifyTimed(op, t0, out, []Attr{{"dim", d}}, base, index, src)
	}
	return out
}

func scatterKernel[T elem](w *indexWalk, out, src []T, add bool, plus func(a, b T) T) {
	if add {
		w.run(func(ps, po int) { out[po] = plus(out[po], src[ps]) })
	} else {
		w.run(func(ps, po int) { out[po] = src[ps] })
	}
}

// padTo zero-pads g at the end of each dim up to shape (g is no larger than shape in any dim).
// Scatter's src may be larger than its index; the elements index does not reach get a zero
// gradient. (PyTorch 1.13 fails in backward in that case.)
func padTo(g *Tensor, shape []int) *Tensor {
	if sameShape(g.shape, shape) {
		return g
	}
	if len(g.shape) == 0 || len(shape) == 0 {
		return g.Reshape(shape...)
	}
	pads := make([]int, 2*len(shape))
	for i := range shape {
		pads[2*(len(shape)-1-i)+1] = shape[i] - g.shape[i]
	}
	return g.constantPad("Scatter", pads, 0)
}

// MaskedFill returns x with value written where mask is true, as PyTorch's out-of-place
// masked_fill. mask is a bool tensor; x and mask broadcast together and the result has the
// broadcast shape. value is converted to x's dtype. The gradient is zero where filled.
func (x *Tensor) MaskedFill(mask *Tensor, value float64) *Tensor {
	const name = "MaskedFill"
	checkNotNil(name, x, mask)
	if mask.dtype != Bool {
		failf(name, "mask must be a bool tensor, got %v (shape %v)", mask.dtype, mask.shape)
	}
	broadcastShapes(name, x.shape, mask.shape)
	return Where(mask, FullOf(x.dtype, value), x)
}

// OneHot returns the int64 one-hot encoding of the int64 class indices: the result has shape
// indices.shape + [numClasses] with a 1 at each index, as PyTorch's one_hot. numClasses -1
// means one more than the largest index. Indices must lie in [0, numClasses).
func OneHot(indices *Tensor, numClasses int) *Tensor {
	t0 := opStart()
	const name = "OneHot"
	checkIndex(name, indices)
	idx := indices.contig().i64()
	var hi int64 = -1
	for _, v := range idx {
		if v < 0 {
			failf(name, "class values must be non-negative, got %d", v)
		}
		hi = max(hi, v)
	}
	switch {
	case numClasses == -1 && len(idx) == 0:
		failf(name, "cannot infer the number of classes from an empty tensor (shape %v); pass numClasses", indices.shape)
	case numClasses == -1:
		numClasses = int(hi) + 1
	case numClasses < 0:
		failf(name, "numClasses must be -1 or non-negative, got %d", numClasses)
	case hi >= int64(numClasses):
		failf(name, "class value %d must be smaller than numClasses %d", hi, numClasses)
	}
	out := newTensor(Int64, append(copyInts(indices.shape), numClasses))
	o := out.i64()
	for i, v := range idx {
		o[i*numClasses+int(v)] = 1
	}
	if slowPath.Load() != 0 {
		notifyTimed(opOneHot, t0, out, []Attr{{"num_classes", numClasses}}, indices)
	}
	return out
}

// Embedding looks up rows of weight, a [numEmbeddings, embeddingDim] matrix, for int64
// indices of any shape, as torch.nn.functional.embedding: the result has shape
// indices.shape + [embeddingDim]. The gradient of weight accumulates the output gradient of
// every lookup of a row. If paddingIdx >= 0, lookups of that row give no gradient to it (its
// entry in weight.Grad() stays zero); paddingIdx < 0 means no padding row (PyTorch's None).
func Embedding(indices, weight *Tensor, paddingIdx int) *Tensor {
	const name = "Embedding"
	checkNotNil(name, weight)
	checkIndex(name, indices)
	if len(weight.shape) != 2 {
		failf(name, "weight must be 2-D [numEmbeddings, embeddingDim], got shape %v", weight.shape)
	}
	if paddingIdx >= weight.shape[0] {
		failf(name, "paddingIdx %d must be within the %d embeddings", paddingIdx, weight.shape[0])
	}
	flat := indices.Reshape(-1)
	out := indexSelect(name, weight, 0, flat)
	if paddingIdx >= 0 && out.requiresGrad {
		// Rows looked up at the padding index come from a detached copy: same values, no
		// gradient path back to weight. (No data-dependent shortcut when no index is the
		// padding one, so that a jit trace stays valid for any indices.)
		isPad := flat.EqScalar(float64(paddingIdx)).Unsqueeze(1)
		out = Where(isPad, out.Detach(), out)
	}
	return out.Reshape(append(copyInts(indices.shape), weight.shape[1])...)
}
