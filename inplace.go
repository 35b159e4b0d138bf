package eager

import "github.com/eagerml/eager/internal/kernels"

// In-place ops modify a tensor's storage and bump its version counter, so that a tensor
// saved for backward and changed afterwards is reported at Backward. They are meant for
// optimizers and initialisation, inside NoGrad: on a tensor that requires grad while grad
// mode is on they panic, as PyTorch does for leaves.

// checkInPlace panics when x may not be modified in place now; the op's name is op+suffix,
// joined only then, so that the update's own path builds no string.
// It also prepares x's storage for the write (storage.beforeWrite).
func (x *Tensor) checkInPlace(op, suffix string) {
	if x.requiresGrad && IsGradEnabled() {
		failf(op+suffix, "a tensor of shape %v that requires grad is being modified in place; do it inside NoGrad (as optimizers do) or on a Detach()ed copy", x.shape)
	}
	x.st.beforeWrite()
}

// checkOverlap panics when an operand of an in-place update shares memory with x without
// being x itself (the same elements in the same order): the update would read elements it
// has already written, in an order that depends on how the work is split across cores.
// PyTorch refuses such updates too. Views of disjoint parts of one storage are fine. The op's
// name is op+suffix, as for checkInPlace.
func (x *Tensor) checkOverlap(op, suffix string, ys ...*Tensor) {
	for _, y := range ys {
		if y.st != x.st || x.Numel() == 0 || y.Numel() == 0 {
			continue
		}
		if y.offset == x.offset && sameShape(y.shape, x.shape) && sameShape(y.strides(), x.strides()) {
			continue
		}
		xlo, xhi := x.extent()
		ylo, yhi := y.extent()
		if xlo < yhi && ylo < xhi {
			failf(op+suffix, "an operand of shape %v overlaps in memory the tensor of shape %v being modified (elements %d-%d and %d-%d of one storage); Clone() it first",
				y.shape, x.shape, ylo, yhi-1, xlo, xhi-1)
		}
	}
}

// extent returns the range [lo, hi) of storage elements a non-empty x spans.
func (x *Tensor) extent() (lo, hi int) {
	lo, hi = x.offset, x.offset+1
	for i, st := range x.strides() {
		hi += (x.shape[i] - 1) * st
	}
	return lo, hi
}

// inPlaceBinary writes op(x, y) into x; y must broadcast to x's shape.
func (x *Tensor) inPlaceBinary(op *OpInfo, k *binaryKernels, y *Tensor) *Tensor {
	x.checkInPlace(op.Name, "InPlace")
	x.checkOverlap(op.Name, "InPlace", y)
	if !sameShape(x.shape, y.shape) {
		shape := broadcastShapes(op.Name+"InPlace", x.shape, y.shape)
		if !sameShape(shape, x.shape) {
			failf(op.Name+"InPlace", "cannot broadcast shape %v into the shape %v of the tensor being modified", y.shape, x.shape)
		}
	}
	// The kernels below read y's elements and record nothing, so y itself serves when it
	// has x's dtype (a conversion is taken detached).
	yc := y
	if y.dtype != x.dtype {
		yc = y.Detach().To(x.dtype)
	}
	inPlaceEvent(x, op.Name, y)
	if x.IsContiguous() {
		switch x.dtype {
		case Float32:
			runBinary(x, x, yc, k.f32, k.vv32, k.vs32, k.sv32)
		case Float64:
			runBinary(x, x, yc, k.f64, k.vv64, k.vs64, k.sv64)
		case Int64:
			if k.i64 == nil {
				failf(op.Name+"InPlace", "not supported for dtype %v", x.dtype)
			}
			runBinary[int64, int64](x, x, yc, k.i64, nil, nil, nil)
		default:
			failf(op.Name+"InPlace", "not supported for dtype %v", x.dtype)
		}
	} else {
		var r *Tensor
		NoGrad(func() { _, _, r = binaryForward(op, k, x.Detach(), yc, false) })
		x.copyFromContiguous(r.To(x.dtype))
	}
	x.st.bump()
	return x
}

// copyFromContiguous writes the row-major elements of src (same dtype, same numel) into x.
func (x *Tensor) copyFromContiguous(src *Tensor) {
	c := src.contig()
	x.st.beforeWrite()
	switch x.dtype {
	case Float32:
		scatterStrided(x.st.f32(), x.offset, x.shape, x.strides(), c.f32())
	case Float64:
		scatterStrided(x.st.f64(), x.offset, x.shape, x.strides(), c.f64())
	case Int64:
		scatterStrided(x.st.i64(), x.offset, x.shape, x.strides(), c.i64())
	case Bool:
		scatterStrided(x.st.b(), x.offset, x.shape, x.strides(), c.bools())
	}
}

// AddInPlace adds y (broadcast to x's shape) into x and returns x.
func (x *Tensor) AddInPlace(y *Tensor) *Tensor { return x.inPlaceBinary(opAdd, &addK, y) }

// SubInPlace subtracts y from x in place and returns x.
func (x *Tensor) SubInPlace(y *Tensor) *Tensor { return x.inPlaceBinary(opSub, &subK, y) }

// MulInPlace multiplies x by y in place and returns x.
func (x *Tensor) MulInPlace(y *Tensor) *Tensor { return x.inPlaceBinary(opMul, &mulK, y) }

// DivInPlace divides x by y in place and returns x (x must be floating-point).
func (x *Tensor) DivInPlace(y *Tensor) *Tensor {
	if !x.dtype.IsFloat() {
		failf("DivInPlace", "needs a floating-point tensor, got %v", x.dtype)
	}
	return x.inPlaceBinary(opDiv, &divK, y)
}

// AddScalarInPlace adds s to every element of x and returns x.
func (x *Tensor) AddScalarInPlace(s float64) *Tensor {
	if x.IsContiguous() && x.dtype.IsFloat() {
		x.checkInPlace("AddScalarInPlace", "")
		inPlaceScalarEvent(x, "AddScalar", nil, "value", s)
		switch x.dtype {
		case Float32:
			kernels.AddScalar(x.f32(), x.f32(), float32(s))
		case Float64:
			kernels.AddScalar(x.f64(), x.f64(), s)
		}
		x.st.bump()
		return x
	}
	return x.inPlaceBinary(opAdd, &addK, FullOf(x.dtype, s))
}

// MulScalarInPlace multiplies every element of x by s and returns x.
func (x *Tensor) MulScalarInPlace(s float64) *Tensor {
	if x.IsContiguous() && x.dtype.IsFloat() {
		x.checkInPlace("MulScalarInPlace", "")
		inPlaceScalarEvent(x, "MulScalar", nil, "value", s)
		switch x.dtype {
		case Float32:
			kernels.MulScalar(x.f32(), x.f32(), float32(s))
		case Float64:
			kernels.MulScalar(x.f64(), x.f64(), s)
		}
		x.st.bump()
		return x
	}
	return x.inPlaceBinary(opMul, &mulK, FullOf(x.dtype, s))
}

// DivScalarInPlace divides every element of x by s and returns x (x must be floating-point).
func (x *Tensor) DivScalarInPlace(s float64) *Tensor {
	if x.IsContiguous() && x.dtype.IsFloat() {
		x.checkInPlace("DivScalarInPlace", "")
		inPlaceScalarEvent(x, "DivScalar", nil, "value", s)
		switch x.dtype {
		case Float32:
			kernels.DivScalar(x.f32(), x.f32(), float32(s))
		case Float64:
			kernels.DivScalar(x.f64(), x.f64(), s)
		}
		x.st.bump()
		return x
	}
	return x.DivInPlace(FullOf(x.dtype, s))
}

// AddScaledInPlace computes x += alpha*y (PyTorch's x.add_(y, alpha=alpha)) and returns x.
func (x *Tensor) AddScaledInPlace(y *Tensor, alpha float64) *Tensor {
	if x.IsContiguous() && y.IsContiguous() && sameShape(x.shape, y.shape) && x.dtype == y.dtype && x.dtype.IsFloat() {
		x.checkInPlace("AddScaledInPlace", "")
		x.checkOverlap("AddScaledInPlace", "", y)
		inPlaceScalarEvent(x, "AddScaled", y, "alpha", alpha)
		switch x.dtype {
		case Float32:
			kernels.Axpy(x.f32(), float32(alpha), y.f32())
		case Float64:
			kernels.Axpy(x.f64(), alpha, y.f64())
		}
		x.st.bump()
		return x
	}
	var s *Tensor
	NoGrad(func() { s = y.Detach().MulScalar(alpha) })
	return x.AddInPlace(s)
}

// AddcmulInPlace computes x += value*a*b and returns x.
func (x *Tensor) AddcmulInPlace(a, b *Tensor, value float64) *Tensor {
	if x.sameDense(a) && x.sameDense(b) {
		x.checkInPlace("AddcmulInPlace", "")
		x.checkOverlap("AddcmulInPlace", "", a, b)
		inPlaceEventN(x, "Addcmul", []*Tensor{a, b}, "value", value)
		switch x.dtype {
		case Float32:
			kernels.Addcmul(x.f32(), float32(value), a.f32(), b.f32())
		case Float64:
			kernels.Addcmul(x.f64(), value, a.f64(), b.f64())
		}
		x.st.bump()
		return x
	}
	var s *Tensor
	NoGrad(func() { s = a.Detach().Mul(b.Detach()).MulScalar(value) })
	return x.AddInPlace(s)
}

// AddcdivInPlace computes x += value*a/b and returns x.
func (x *Tensor) AddcdivInPlace(a, b *Tensor, value float64) *Tensor {
	if x.sameDense(a) && x.sameDense(b) {
		x.checkInPlace("AddcdivInPlace", "")
		x.checkOverlap("AddcdivInPlace", "", a, b)
		inPlaceEventN(x, "Addcdiv", []*Tensor{a, b}, "value", value)
		switch x.dtype {
		case Float32:
			kernels.Addcdiv(x.f32(), float32(value), a.f32(), b.f32())
		case Float64:
			kernels.Addcdiv(x.f64(), value, a.f64(), b.f64())
		}
		x.st.bump()
		return x
	}
	var s *Tensor
	NoGrad(func() { s = a.Detach().Div(b.Detach()).MulScalar(value) })
	return x.AddInPlace(s)
}

// sameDense reports whether x and y are contiguous floating-point tensors of one dtype and
// shape: the case the in-place fast paths handle with a single kernel call.
func (x *Tensor) sameDense(y *Tensor) bool {
	return x.dtype.IsFloat() && y.dtype == x.dtype && x.IsContiguous() && y.IsContiguous() && sameShape(x.shape, y.shape)
}

// CopyFrom copies src (broadcast to x's shape, converted to x's dtype) into x and returns x.
func (x *Tensor) CopyFrom(src *Tensor) *Tensor {
	x.checkInPlace("CopyFrom", "")
	s := src
	if !sameShape(x.shape, src.shape) || src.dtype != x.dtype {
		shape := broadcastShapes("CopyFrom", x.shape, src.shape)
		if !sameShape(shape, x.shape) {
			failf("CopyFrom", "cannot copy shape %v into shape %v", src.shape, x.shape)
		}
		s = src.Detach().To(x.dtype).Expand(x.shape...)
	}
	inPlaceEvent(x, "Copy", src)
	x.copyFromContiguous(s.contig())
	x.st.bump()
	return x
}

// ZeroInPlace sets every element of x to zero and returns x (PyTorch's zero_).
func (x *Tensor) ZeroInPlace() *Tensor { return x.FillInPlace(0) }

// FillInPlace sets every element of x to v and returns x (PyTorch's fill_).
func (x *Tensor) FillInPlace(v float64) *Tensor {
	x.checkInPlace("FillInPlace", "")
	inPlaceScalarEvent(x, "Fill", nil, "value", v)
	if x.IsContiguous() {
		n := x.Numel()
		switch x.dtype {
		case Float32:
			kernels.Fill(x.st.f32()[x.offset:x.offset+n], float32(v))
		case Float64:
			kernels.Fill(x.st.f64()[x.offset:x.offset+n], v)
		case Int64:
			kernels.Fill(x.st.i64()[x.offset:x.offset+n], int64(v))
		case Bool:
			kernels.Fill(x.st.b()[x.offset:x.offset+n], v != 0)
		}
	} else {
		x.copyFromContiguous(FullOf(x.dtype, v, x.shape...))
	}
	x.st.bump()
	return x
}

// addInto accumulates src into the contiguous gradient buffer dst (no autograd, no version
// bump: gradient buffers are not saved for backward).
func addInto(dst, src *Tensor) {
	s := src
	if s.dtype != dst.dtype {
		s = s.To(dst.dtype)
	}
	dst.st.beforeWrite()
	switch dst.dtype {
	case Float32:
		runBinary(dst, dst, s, addK.f32, addK.vv32, addK.vs32, addK.sv32)
	case Float64:
		runBinary(dst, dst, s, addK.f64, addK.vv64, addK.vs64, addK.sv64)
	}
}
