package eager

import (
	"math"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

var (
	opSum    = defOp("Sum", true)
	opAmax   = defOp("Amax", true)
	opAmin   = defOp("Amin", true)
	opMaxDim = defOp("MaxDim", true)
	opMinDim = defOp("MinDim", true)
	opProd   = defOp("Prod", true)
	opNorm   = defOp("Norm", true)
)

// reduction describes reducing x over dims: the input is viewed as [outer, inner] rows after
// moving the reduced dims last.
type reduction struct {
	rows    *Tensor // contiguous, reduced dims last
	outer   int     // number of output elements
	inner   int     // elements reduced into each output
	keep    []int   // output shape with reduced dims kept as 1
	dropped []int   // output shape with reduced dims removed
	dims    []int   // normalised reduced dims, ascending
}

func planReduction(op string, x *Tensor, dims []int) reduction {
	r, perm := planShape(op, x, dims)
	r.rows = x.Detach().Permute(perm...).contig()
	return r
}

// planShape is planReduction without the rows: the shapes, sizes and the permutation that
// moves the reduced dims last.
func planShape(op string, x *Tensor, dims []int) (reduction, []int) {
	r := reduction{dims: normDims(op, dims, len(x.shape))}
	red := make([]bool, len(x.shape))
	for _, d := range r.dims {
		red[d] = true
	}
	perm := make([]int, 0, len(x.shape))
	r.keep = make([]int, len(x.shape))
	r.outer, r.inner = 1, 1
	for i, s := range x.shape {
		if !red[i] {
			perm = append(perm, i)
			r.dropped = append(r.dropped, s)
			r.keep[i] = s
			r.outer *= s
		} else {
			r.keep[i] = 1
			r.inner *= s
		}
	}
	if r.dropped == nil {
		r.dropped = []int{}
	}
	for i := range x.shape {
		if red[i] {
			perm = append(perm, i)
		}
	}
	sortInts(r.dims)
	return r, perm
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// reduceRows applies f to each row of r and writes one value per row into out.
func reduceRows[T float32 | float64 | int64](r reduction, out *Tensor, f func(row []T) T) {
	reduceRowsOf(data[T](r.rows.st)[r.rows.offset:], r, out, f)
}

// reduceRowsOf is reduceRows reading the [outer, inner] rows from src.
// Each row is reduced by f on its own, so many short rows are split across cores (f's
// result for a row does not depend on which goroutine computes it).
func reduceRowsOf[T float32 | float64 | int64](src []T, r reduction, out *Tensor, f func(row []T) T) {
	dst := data[T](out.st)
	splitRows(r, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst[i] = f(src[i*r.inner : (i+1)*r.inner])
		}
	})
}

// splitRows calls rows over r's rows [0, r.outer): split across cores when there are many
// short rows (each row's result must not depend on the split), in one call otherwise.
func splitRows(r reduction, rows func(lo, hi int)) {
	if r.outer > 1 && r.outer*r.inner >= 2*reduceRowsGrain && r.inner < reduceRowsGrain {
		parallel.For(r.outer, reduceRowsGrain/max(r.inner, 1), rows)
		return
	}
	rows(0, r.outer)
}

// reduceRowsGrain is the least number of elements per goroutine when reduceRowsOf splits
// rows; longer rows stay on one goroutine each (their kernels may split them themselves).
const reduceRowsGrain = 1 << 15

// sumRowsPermuted sums each row of in viewed with the reduced dims last (perm): in place when
// that view is contiguous, else from a copy gathered into a pooled scratch buffer (a large
// permuted reduction would otherwise allocate and fault in a fresh tensor every call). The
// rows and the summation order are those of the contiguous copy either way.
func sumRowsPermuted[T float32 | float64](in *Tensor, perm []int, r reduction, out *Tensor) {
	v := in.Detach().Permute(perm...)
	if v.IsContiguous() {
		r.rows = v
		reduceRows(r, out, kernels.Sum[T])
		return
	}
	n := v.Numel()
	buf := getScratch[T](n)
	src := scratchSlice[T](buf, n)
	gatherStrided(src, data[T](v.st), v.offset, v.shape, v.strides())
	reduceRowsOf(src, r, out, kernels.Sum[T])
	putScratch(buf)
}

// Sum returns the sum over dims (all dims when none are given); reduced dims are removed.
func (x *Tensor) Sum(dims ...int) *Tensor { return x.sum(dims, false) }

// SumKeepDim is Sum keeping reduced dims with size 1.
func (x *Tensor) SumKeepDim(dims ...int) *Tensor { return x.sum(dims, true) }

func (x *Tensor) sum(dims []int, keep bool) *Tensor {
	t0 := opStart()
	if len(dims) == 0 && (x.dtype == Float32 || x.dtype == Float64) && x.IsContiguous() {
		return x.sumAll(keep, t0)
	}
	in := x
	if x.dtype == Bool {
		in = x.To(Int64)
	}
	r, perm := planShape("Sum", in, dims)
	out := newTensor(in.dtype, r.keep)
	if !sumMiddle(in, r, out) && !sumAroundMiddle(in, r, out) { // else reduced in place, without a transposed copy
		switch in.dtype {
		case Float32:
			sumRowsPermuted[float32](in, perm, r, out)
		case Float64:
			sumRowsPermuted[float64](in, perm, r, out)
		case Int64:
			r.rows = in.Detach().Permute(perm...).contig()
			reduceRows(r, out, func(row []int64) int64 {
				var s int64
				for _, v := range row {
					s += v
				}
				return s
			})
		}
	}
	if !keep {
		out.setContiguousShape(r.dropped)
	}
	if needsGrad(in, nil) {
		shape, keepShape := in.shape, r.keep
		record(opSum, out, func(g *Tensor) []*Tensor {
			return []*Tensor{g.Reshape(keepShape...).Expand(shape...)}
		}, in)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opSum, t0, out, []Attr{{"dims", r.dims}, {"keepdim", keep}}, x)
	}
	return out
}

// sumAll is sum over every dim of a contiguous float tensor (a loss, a Go loop's scalars):
// the one row the general path would reduce, by the same kernel, without planning it.
func (x *Tensor) sumAll(keep bool, t0 int64) *Tensor {
	var shape []int
	if keep {
		shape = onesShape(len(x.shape))
	}
	out := newTensorUninit(x.dtype, shape)
	n := x.Numel()
	switch x.dtype {
	case Float32:
		data[float32](out.st)[0] = kernels.Sum(data[float32](x.st)[x.offset : x.offset+n])
	case Float64:
		data[float64](out.st)[0] = kernels.Sum(data[float64](x.st)[x.offset : x.offset+n])
	}
	if needsGrad(x, nil) {
		in := x.shape
		record(opSum, out, func(g *Tensor) []*Tensor {
			if slowPath.Load() == 0 && !IsGradEnabled() && g.Numel() == 1 {
				return []*Tensor{broadcastOne(g, in)} // what Reshape then Expand make, in one view
			}
			return []*Tensor{g.Reshape(onesShape(len(in))...).Expand(in...)}
		}, x)
	}
	if slowPath.Load() != 0 {
		all := make([]int, len(x.shape))
		for i := range all {
			all[i] = i
		}
		notifyTimed(opSum, t0, out, []Attr{{"dims", all}, {"keepdim", keep}}, x)
	}
	return out
}

// broadcastOne views the one element of g as a tensor of the given shape (all strides 0),
// without autograd: Sum's gradient while the backward is not recorded.
func broadcastOne(g *Tensor, shape []int) *Tensor {
	t := &Tensor{st: g.st, offset: g.offset, dtype: g.dtype}
	t.shape = t.geometry(len(shape))
	copy(t.shape, shape)
	clear(t.strides())
	return t
}

// onesShape is the shape of rank r whose dims are all 1.
func onesShape(r int) []int {
	s := make([]int, r)
	for i := range s {
		s[i] = 1
	}
	return s
}

// Mean returns the mean over dims (all dims when none are given); reduced dims are removed.
func (x *Tensor) Mean(dims ...int) *Tensor { return x.mean(dims, false) }

// MeanKeepDim is Mean keeping reduced dims with size 1.
func (x *Tensor) MeanKeepDim(dims ...int) *Tensor { return x.mean(dims, true) }

func (x *Tensor) mean(dims []int, keep bool) *Tensor {
	if !x.dtype.IsFloat() {
		failf("Mean", "needs a floating-point tensor, got %v (shape %v); convert with To", x.dtype, x.shape)
	}
	n := 1
	for _, d := range normDims("Mean", dims, len(x.shape)) {
		n *= x.shape[d]
	}
	return x.sum(dims, keep).DivScalar(float64(n))
}

// Var returns the unbiased variance (correction 1, as PyTorch's default) over dims.
func (x *Tensor) Var(dims ...int) *Tensor { return x.VarCorrection(1, false, dims...) }

// VarCorrection returns the variance over dims dividing by N-correction (0 for the biased
// population variance), optionally keeping reduced dims.
func (x *Tensor) VarCorrection(correction int, keepDim bool, dims ...int) *Tensor {
	n := 1
	for _, d := range normDims("Var", dims, len(x.shape)) {
		n *= x.shape[d]
	}
	d := x.Sub(x.MeanKeepDim(dims...))
	return d.Mul(d).sum(dims, keepDim).DivScalar(float64(max(n-correction, 0)))
}

// Std returns the unbiased standard deviation over dims.
func (x *Tensor) Std(dims ...int) *Tensor { return x.Var(dims...).Sqrt() }

// StdCorrection is the square root of VarCorrection.
func (x *Tensor) StdCorrection(correction int, keepDim bool, dims ...int) *Tensor {
	return x.VarCorrection(correction, keepDim, dims...).Sqrt()
}

// Max returns the maximum over dims (all when none are given), reduced dims removed. The
// gradient is shared evenly among tied maxima, as PyTorch's amax. For the indices use MaxDim.
func (x *Tensor) Max(dims ...int) *Tensor { return x.extreme(opAmax, dims, false, true) }

// MaxKeepDim is Max keeping reduced dims with size 1.
func (x *Tensor) MaxKeepDim(dims ...int) *Tensor { return x.extreme(opAmax, dims, true, true) }

// Min returns the minimum over dims (all when none are given), reduced dims removed.
func (x *Tensor) Min(dims ...int) *Tensor { return x.extreme(opAmin, dims, false, false) }

// MinKeepDim is Min keeping reduced dims with size 1.
func (x *Tensor) MinKeepDim(dims ...int) *Tensor { return x.extreme(opAmin, dims, true, false) }

func (x *Tensor) extreme(op *OpInfo, dims []int, keep, isMax bool) *Tensor {
	t0 := opStart()
	if x.dtype == Bool {
		failf(op.Name, "not supported for bool tensors")
	}
	r := planReduction(op.Name, x, dims)
	if r.inner == 0 {
		failf(op.Name, "cannot reduce over a zero-size dim of shape %v", x.shape)
	}
	out := newTensor(x.dtype, r.keep)
	switch x.dtype {
	case Float32:
		reduceRows(r, out, func(row []float32) float32 { return extremeValue(row, isMax) })
	case Float64:
		reduceRows(r, out, func(row []float64) float64 { return extremeValue(row, isMax) })
	case Int64:
		reduceRows(r, out, func(row []int64) int64 { return extremeValue(row, isMax) })
	}
	outKeep := out.Detach()
	if !keep {
		out.setContiguousShape(r.dropped)
	}
	if needsGrad(x, nil) {
		shape, keepShape := x.shape, r.keep
		dl := r.dims
		n := record(op, out, func(g *Tensor) []*Tensor {
			mask := x.Eq(outKeep).To(g.dtype)
			cnt := mask.SumKeepDim(dl...)
			return []*Tensor{g.Reshape(keepShape...).Expand(shape...).Mul(mask).Div(cnt)}
		}, x)
		n.save(x, outKeep)
	}
	if slowPath.Load() != 0 {
		notifyTimed(op, t0, out, []Attr{{"dims", r.dims}, {"keepdim", keep}}, x)
	}
	return out
}

// extremeOf returns the max (or min) of row and its first index; NaN wins, as in PyTorch.
func extremeOf[T float32 | float64 | int64](row []T, isMax bool) (T, int) {
	best, bi := row[0], 0
	if best != best {
		return best, 0
	}
	for i, v := range row {
		if v != v {
			return v, i
		}
		if (isMax && v > best) || (!isMax && v < best) {
			best, bi = v, i
		}
	}
	return best, bi
}

// extremeValue is extremeOf's value: Go's max (or min) in four independent lanes, branch-free,
// where extremeOf compares one element at a time. Where the two could differ, it returns
// extremeOf's: a NaN result (extremeOf returns the row's first NaN) and a zero result
// (extremeOf keeps the first of equal zeros, whatever their signs).
func extremeValue[T float32 | float64 | int64](row []T, isMax bool) T {
	n := len(row)
	if n < 16 {
		v, _ := extremeOf(row, isMax)
		return v
	}
	m0, m1, m2, m3 := row[0], row[1], row[2], row[3]
	i := 4
	if isMax {
		for ; i+4 <= n; i += 4 {
			m0, m1, m2, m3 = max(m0, row[i]), max(m1, row[i+1]), max(m2, row[i+2]), max(m3, row[i+3])
		}
		for ; i < n; i++ {
			m0 = max(m0, row[i])
		}
		m0 = max(max(m0, m1), max(m2, m3))
	} else {
		for ; i+4 <= n; i += 4 {
			m0, m1, m2, m3 = min(m0, row[i]), min(m1, row[i+1]), min(m2, row[i+2]), min(m3, row[i+3])
		}
		for ; i < n; i++ {
			m0 = min(m0, row[i])
		}
		m0 = min(min(m0, m1), min(m2, m3))
	}
	if m0 != m0 || m0 == 0 {
		v, _ := extremeOf(row, isMax)
		return v
	}
	return m0
}

// MaxDim returns the maximum along dim and the int64 index of the first maximum, as PyTorch's
// torch.max(x, dim). The gradient flows to the selected elements.
func (x *Tensor) MaxDim(dim int, keepDim bool) (values, indices *Tensor) {
	return x.extremeDim(opMaxDim, dim, keepDim, true)
}

// MinDim returns the minimum along dim and the int64 index of the first minimum.
func (x *Tensor) MinDim(dim int, keepDim bool) (values, indices *Tensor) {
	return x.extremeDim(opMinDim, dim, keepDim, false)
}

func (x *Tensor) extremeDim(op *OpInfo, dim int, keep, isMax bool) (*Tensor, *Tensor) {
	t0 := opStart()
	if x.dtype == Bool {
		failf(op.Name, "not supported for bool tensors")
	}
	d := normDim(op.Name, dim, len(x.shape))
	r := planReduction(op.Name, x, []int{dim})
	if r.inner == 0 {
		failf(op.Name, "cannot reduce over a zero-size dim of shape %v", x.shape)
	}
	vals := newTensorUninit(x.dtype, r.keep) // extremeRows writes every row
	idx := newTensorUninit(Int64, r.keep)
	id := idx.i64()
	switch x.dtype {
	case Float32:
		extremeRows(r, vals.f32(), id, isMax)
	case Float64:
		extremeRows(r, vals.f64(), id, isMax)
	case Int64:
		extremeRows(r, vals.i64(), id, isMax)
	}
	idxKeep := idx.Detach()
	if !keep {
		vals.setContiguousShape(r.dropped)
		idx.setContiguousShape(r.dropped)
	}
	if needsGrad(x, nil) {
		shape, keepShape := x.shape, r.keep
		record(op, vals, func(g *Tensor) []*Tensor {
			if len(shape) == 0 {
				return []*Tensor{g}
			}
			pos := ArangeOf(Int64, 0, float64(shape[d]), 1)
			ps := make([]int, len(shape))
			for i := range ps {
				ps[i] = 1
			}
			ps[d] = shape[d]
			mask := pos.Reshape(ps...).Eq(idxKeep).To(g.dtype)
			return []*Tensor{g.Reshape(keepShape...).Mul(mask)}
		}, x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(op, t0, vals, []Attr{{"dim", d}, {"keepdim", keep}, {"indices", idx}}, x)
	}
	return vals, idx
}

// extremeRows writes each row's extremeOf into vals and idx (splitRows).
func extremeRows[T float32 | float64 | int64](r reduction, vals []T, idx []int64, isMax bool) {
	src := data[T](r.rows.st)[r.rows.offset:]
	splitRows(r, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v, j := extremeOf(src[i*r.inner:(i+1)*r.inner], isMax)
			vals[i], idx[i] = v, int64(j)
		}
	})
}

// ArgMax returns the int64 index of the first maximum along dim.
func (x *Tensor) ArgMax(dim int) *Tensor {
	_, i := x.Detach().MaxDim(dim, false)
	return i
}

// ArgMin returns the int64 index of the first minimum along dim.
func (x *Tensor) ArgMin(dim int) *Tensor {
	_, i := x.Detach().MinDim(dim, false)
	return i
}

// ArgMaxAll returns the index of the first maximum of the flattened tensor, as a 0-d int64.
func (x *Tensor) ArgMaxAll() *Tensor { return x.Reshape(-1).ArgMax(0) }

// ArgMinAll returns the index of the first minimum of the flattened tensor, as a 0-d int64.
func (x *Tensor) ArgMinAll() *Tensor { return x.Reshape(-1).ArgMin(0) }

// Prod returns the product over dims (all when none are given), reduced dims removed.
func (x *Tensor) Prod(dims ...int) *Tensor { return x.prod(dims, false) }

// ProdKeepDim is Prod keeping reduced dims with size 1.
func (x *Tensor) ProdKeepDim(dims ...int) *Tensor { return x.prod(dims, true) }

func (x *Tensor) prod(dims []int, keep bool) *Tensor {
	t0 := opStart()
	in := x
	if x.dtype == Bool {
		in = x.To(Int64)
	}
	r := planReduction("Prod", in, dims)
	out := newTensor(in.dtype, r.keep)
	switch in.dtype {
	case Float32:
		reduceRows(r, out, func(row []float32) float32 {
			p := 1.0
			for _, v := range row {
				p *= float64(v)
			}
			return float32(p)
		})
	case Float64:
		reduceRows(r, out, func(row []float64) float64 {
			p := 1.0
			for _, v := range row {
				p *= v
			}
			return p
		})
	case Int64:
		reduceRows(r, out, func(row []int64) int64 {
			p := int64(1)
			for _, v := range row {
				p *= v
			}
			return p
		})
	}
	outKeep := out.Detach()
	if !keep {
		out.setContiguousShape(r.dropped)
	}
	if needsGrad(in, nil) {
		keepShape, dl := r.keep, r.dims
		n := record(opProd, out, func(g *Tensor) []*Tensor {
			// d prod / d x_i is the product of the other elements, computed without dividing
			// by zero: with no zero in the row it is prod/x_i; with exactly one zero, only that
			// element gets the product of the non-zeros; with more, every gradient is zero.
			// The output is used undetached and the zero case is written so that its
			// derivative is right too: with two zeros, element i gets pnz*(x_k) where x_k is
			// the other zero (written as the sum of the zeros minus x_i), whose derivative in
			// x_k is the product of the rest, as the true mixed second derivative.
			zero := in.EqScalar(0)
			safe := Where(zero, OnesLike(in), in)
			nz := zero.SumKeepDim(dl...)
			pnz := safe.ProdKeepDim(dl...)
			zsum := Where(zero, in, ZerosLike(in)).SumKeepDim(dl...)
			twoZeros := Where(nz.EqScalar(2), pnz.Mul(zsum.Sub(in)), ZerosLike(in))
			atZero := Where(nz.EqScalar(1), pnz, twoZeros)
			others := Where(zero, atZero, out.Reshape(keepShape...).Div(safe))
			return []*Tensor{g.Reshape(keepShape...).Mul(others)}
		}, in)
		n.save(in, outKeep)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opProd, t0, out, []Attr{{"dims", r.dims}, {"keepdim", keep}}, x)
	}
	return out
}

// LogSumExp returns log(sum(exp(x))) over dims, computed stably by subtracting the maximum.
func (x *Tensor) LogSumExp(dims ...int) *Tensor { return x.logSumExp(dims, false) }

// LogSumExpKeepDim is LogSumExp keeping reduced dims with size 1.
func (x *Tensor) LogSumExpKeepDim(dims ...int) *Tensor { return x.logSumExp(dims, true) }

func (x *Tensor) logSumExp(dims []int, keep bool) *Tensor {
	m := x.Detach().MaxKeepDim(dims...)
	m = Where(m.Abs().EqScalar(math.Inf(1)), ZerosLike(m), m)
	s := x.Sub(m).Exp().SumKeepDim(dims...).Log().Add(m)
	if keep {
		return s
	}
	r := planReductionShape(x.shape, normDims("LogSumExp", dims, len(x.shape)))
	return s.Reshape(r...)
}

// planReductionShape returns shape with dims removed.
func planReductionShape(shape []int, dims []int) []int {
	out := []int{}
	for i, s := range shape {
		red := false
		for _, d := range dims {
			if d == i {
				red = true
			}
		}
		if !red {
			out = append(out, s)
		}
	}
	return out
}

// Norm returns the p-norm over dims (all when none are given): (sum |x|^p)^(1/p), with
// p = math.Inf(1) for the max norm. The gradient at a zero norm is 0, as in PyTorch.
func (x *Tensor) Norm(p float64, dims ...int) *Tensor {
	switch {
	case math.IsInf(p, 1):
		return x.Abs().Max(dims...)
	case p == 1:
		return x.Abs().Sum(dims...)
	case !(p > 0):
		failf("Norm", "p must be positive, got %v", p)
	}
	return x.normP(p, dims)
}

// normP is the p-norm for finite p > 1 as one primitive, so that its gradient can be masked
// at a zero norm (composed from Pow, it would be 0 * inf = NaN there).
func (x *Tensor) normP(p float64, dims []int) *Tensor {
	t0 := opStart()
	if !x.dtype.IsFloat() {
		failf("Norm", "needs a floating-point tensor, got %v", x.dtype)
	}
	var out *Tensor
	NoGrad(func() {
		if p == 2 {
			out = x.Mul(x).Sum(dims...).Sqrt()
		} else {
			out = x.Abs().PowScalar(p).Sum(dims...).PowScalar(1 / p)
		}
	})
	if needsGrad(x, nil) {
		keepShape := keptShape(x.shape, normDims("Norm", dims, len(x.shape)))
		n := record(opNorm, out, func(g *Tensor) []*Tensor {
			// d|x|_p/dx = sign(x) |x|^(p-1) / |x|_p^(p-1); for p = 2 simply x / |x|_2. The
			// output itself (not a detached copy) is used so that double backward sees it.
			yk := out.Reshape(keepShape...)
			zero := yk.EqScalar(0)
			safe := Where(zero, OnesLike(yk), yk)
			dir := x
			if p != 2 {
				dir = x.Sign().Mul(x.Abs().PowScalar(p - 1))
				safe = safe.PowScalar(p - 1)
			}
			scale := g.Reshape(keepShape...).Div(safe)
			scale = Where(zero, ZerosLike(scale), scale)
			return []*Tensor{dir.Mul(scale)}
		}, x)
		n.save(x, out)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opNorm, t0, out, []Attr{{"p", p}, {"dims", dims}}, x)
	}
	return out
}

// keptShape returns shape with the (normalised) dims set to 1.
func keptShape(shape, dims []int) []int {
	out := copyInts(shape)
	for _, d := range dims {
		out[d] = 1
	}
	return out
}

// sumMiddle computes the float Sum r of a contiguous x whose reduced dims form one block
// followed by kept dims (x viewed as [outer, red, inner] with inner > 1, as when a
// broadcast gradient is summed over its leading dims), writing out[o, j] = Σr x[o, r, j]
// without first copying x into reduced-dims-last order. Each output element is accumulated
// exactly as kernels.Sum accumulates a row (16 float64 lanes by index mod 16, a sequential
// tail, the lanes combined in a fixed order), so the result is bit-identical to the copying
// path. It reports false, doing nothing, when the layout does not fit.
func sumMiddle(x *Tensor, r reduction, out *Tensor) bool {
	if !x.dtype.IsFloat() || len(r.dims) == 0 || !x.IsContiguous() {
		return false
	}
	first, last := r.dims[0], r.dims[len(r.dims)-1]
	if last-first+1 != len(r.dims) || last == len(x.shape)-1 {
		return false
	}
	outer, inner := numel(x.shape[:first]), numel(x.shape[last+1:])
	if inner < 2 || r.inner == 0 {
		return false
	}
	switch x.dtype {
	case Float32:
		sumCols(out.st.f32(), x.f32(), outer, r.inner, inner)
	case Float64:
		sumCols(out.st.f64(), x.f64(), outer, r.inner, inner)
	}
	return true
}

// sumAroundMiddle computes the float Sum r of a contiguous x whose kept dims form one block
// with reduced dims on both sides (x viewed as [outer, mid, inner], summed over outer and
// inner: the conv bias gradient's Sum(0, 2, 3) of an NCHW gradient), without first copying x
// into reduced-dims-last order. Output k is Σ_o SumF64(x[o, k, :]), the inner rows' float64
// totals (kernels.Sum's order within a row) added in order of o and rounded once. The
// outputs are independent, so they are split across cores with any partition, and each is
// computed the same way whichever core runs it. It reports false, doing nothing, when the
// layout does not fit or the inner rows are too short for row sums to pay.
func sumAroundMiddle(x *Tensor, r reduction, out *Tensor) bool {
	if !x.dtype.IsFloat() || len(r.dims) == 0 || !x.IsContiguous() {
		return false
	}
	rank := len(x.shape)
	first, last := -1, -1 // the kept block
	for d := 0; d < rank; d++ {
		if !isReducedDim(r.dims, d) {
			if first < 0 {
				first = d
			} else if last != d-1 {
				return false // two kept blocks
			}
			last = d
		}
	}
	if first <= 0 || last == rank-1 { // no reduced dims before the kept block, or none after
		return false
	}
	outer, mid, inner := numel(x.shape[:first]), numel(x.shape[first:last+1]), numel(x.shape[last+1:])
	if inner < 16 || inner > kernels.SumChunk || mid == 0 {
		return false
	}
	switch x.dtype {
	case Float32:
		sumAround(out.st.f32(), x.f32(), outer, mid, inner)
	case Float64:
		sumAround(out.st.f64(), x.f64(), outer, mid, inner)
	}
	return true
}

// isReducedDim reports whether d is among the reduced dims.
func isReducedDim(dims []int, d int) bool {
	for _, r := range dims {
		if r == d {
			return true
		}
	}
	return false
}

// sumAround sets dst[k] = Σ_o Σ_i src[(o*mid+k)*inner+i] (see sumAroundMiddle).
func sumAround[T float32 | float64](dst, src []T, outer, mid, inner int) {
	grain := max(1, (1<<16)/max(outer*inner, 1))
	parallel.For(mid, grain, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			var t float64
			for o := 0; o < outer; o++ {
				base := (o*mid + k) * inner
				t += kernels.SumF64(src[base : base+inner])
			}
			dst[k] = T(t)
		}
	})
}

// sumColsBlock is the number of columns sumCols hands to kernels.SumCols at once, the unit
// of its split across cores, unless kernels.SumColsWidth asks for wider blocks.
const sumColsBlock = 64

// sumCols sets dst[o*inner+j] = Σ_{p<red} src[(o*red+p)*inner+j], each sum in kernels.Sum's
// order (see kernels.SumCols). Column blocks are independent, so they are split across cores
// with any partition. Where the kernel reads rows whole (kernels.SumColsWidth above 64), the
// columns are split evenly across the cores in blocks of 16, so that each reads long rows.
func sumCols[T float32 | float64](dst, src []T, outer, red, inner int) {
	bw := sumColsBlock
	if wide := kernels.SumColsWidth[T](red, inner); wide > bw {
		w := parallel.Workers()
		bw = min(wide, max(bw, ((inner+w-1)/w+15)/16*16))
	}
	blocks := (inner + bw - 1) / bw
	grain := max(1, (1<<16)/max(red*bw, 1))
	parallel.For(outer*blocks, grain, func(lo, hi int) {
		var buf [sumColsBlock]float64
		tot := buf[:]
		if bw > sumColsBlock {
			tot = make([]float64, bw)
		}
		for t := lo; t < hi; t++ {
			o, j0 := t/blocks, t%blocks*bw
			w := min(bw, inner-j0)
			base := o*red*inner + j0
			kernels.SumCols(tot[:w], src[base:base+(red-1)*inner+w], inner, red)
			d := dst[o*inner+j0 : o*inner+j0+w]
			for j := range d {
				d[j] = T(tot[j])
			}
		}
	})
}
