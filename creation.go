package eager

import (
	"math"
	"unsafe"

	"github.com/eagerml/eager/internal/parallel"
)

func checkShape(op string, shape []int) {
	for _, s := range shape {
		if s < 0 {
			failf(op, "negative dimension in shape %v", shape)
		}
	}
}

// FromSlice returns a tensor holding a copy of data with the given shape; with no shape it is
// 1-D. The dtype follows T: float32, float64, int64 or bool.
func FromSlice[T float32 | float64 | int64 | bool](data []T, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	checkShape("FromSlice", shape)
	if numel(shape) != len(data) {
		failf("FromSlice", "%d values do not fill shape %v (%d elements)", len(data), shape, numel(shape))
	}
	t := &Tensor{}
	t.setContiguousShape(shape)
	st := &storage{}
	st.set(append([]T(nil), data...))
	t.dtype = st.dtype
	if memTracking.Load() {
		trackStorage(st)
	}
	t.st = st
	return constEvent(t)
}

// Scalar returns a 0-dimensional float32 tensor holding v.
func Scalar(v float64) *Tensor { return FullOf(DefaultDType(), v) }

// ScalarOf returns a 0-dimensional tensor of dtype dt holding v.
func ScalarOf(dt DType, v float64) *Tensor { return FullOf(dt, v) }

// Zeros returns a float32 tensor of zeros.
func Zeros(shape ...int) *Tensor { return ZerosOf(DefaultDType(), shape...) }

// EmptyOf returns a tensor of the given dtype and shape whose elements are unspecified
// (PyTorch's torch.empty), for code that writes every element before reading any: it may
// reuse a buffer without clearing it. While an observer is installed (jit tracing,
// profiling) it is ZerosOf, so that they see a defined value.
func EmptyOf(dt DType, shape ...int) *Tensor {
	if slowPath.Load() != 0 {
		return ZerosOf(dt, shape...)
	}
	checkShape("EmptyOf", shape)
	return newTensorUninit(dt, shape)
}

// ZerosOf returns a tensor of zeros of dtype dt.
func ZerosOf(dt DType, shape ...int) *Tensor {
	checkShape("Zeros", shape)
	return constEvent(newTensor(dt, shape))
}

// Ones returns a float32 tensor of ones.
func Ones(shape ...int) *Tensor { return FullOf(DefaultDType(), 1, shape...) }

// OnesOf returns a tensor of ones of dtype dt.
func OnesOf(dt DType, shape ...int) *Tensor { return FullOf(dt, 1, shape...) }

// Full returns a float32 tensor filled with value.
func Full(value float64, shape ...int) *Tensor { return FullOf(DefaultDType(), value, shape...) }

// FullOf returns a tensor of dtype dt filled with value.
func FullOf(dt DType, value float64, shape ...int) *Tensor {
	checkShape("Full", shape)
	t := newTensor(dt, shape)
	t.fill(value)
	return constEvent(t)
}

// fill sets every element of the contiguous tensor t to v.
func (t *Tensor) fill(v float64) {
	switch t.dtype {
	case Float32:
		f := float32(v)
		for i := range t.st.f32() {
			t.st.f32()[i] = f
		}
	case Float64:
		for i := range t.st.f64() {
			t.st.f64()[i] = v
		}
	case Int64:
		iv := int64(v)
		for i := range t.st.i64() {
			t.st.i64()[i] = iv
		}
	case Bool:
		b := v != 0
		for i := range t.st.b() {
			t.st.b()[i] = b
		}
	}
}

// ZerosLike returns zeros with x's shape and dtype.
func ZerosLike(x *Tensor) *Tensor { return constEvent(newTensor(x.dtype, x.shape)) }

// OnesLike returns ones with x's shape and dtype.
func OnesLike(x *Tensor) *Tensor { return FullOf(x.dtype, 1, x.shape...) }

// FullLike returns a tensor of x's shape and dtype filled with value.
func FullLike(x *Tensor, value float64) *Tensor { return FullOf(x.dtype, value, x.shape...) }

// Arange returns the float32 values start, start+step, ... below end (above it for a
// negative step), as torch.arange does.
func Arange(start, end, step float64) *Tensor { return ArangeOf(DefaultDType(), start, end, step) }

// ArangeOf is Arange with a dtype (Int64 for index ranges).
func ArangeOf(dt DType, start, end, step float64) *Tensor {
	if step == 0 || math.IsNaN(step) || math.IsInf(start, 0) || math.IsInf(end, 0) {
		failf("Arange", "invalid range start=%v end=%v step=%v", start, end, step)
	}
	n := int(math.Ceil((end - start) / step))
	if n < 0 {
		n = 0
	}
	t := newTensor(dt, []int{n})
	for i := 0; i < n; i++ {
		t.set(i, start+float64(i)*step)
	}
	return constEvent(t)
}

// Linspace returns steps float32 values evenly spaced from start to end inclusive.
func Linspace(start, end float64, steps int) *Tensor {
	if steps < 0 {
		failf("Linspace", "number of steps %d is negative", steps)
	}
	t := newTensor(DefaultDType(), []int{steps})
	if steps == 1 {
		t.set(0, start)
		return constEvent(t)
	}
	step := (end - start) / float64(steps-1)
	// As PyTorch does: fill the first half from start and the second half from end, so both
	// ends are exact.
	half := steps / 2
	for i := 0; i < steps; i++ {
		if i < half {
			t.set(i, start+step*float64(i))
		} else {
			t.set(i, end-step*float64(steps-1-i))
		}
	}
	return constEvent(t)
}

// Eye returns the n×n float32 identity matrix.
func Eye(n int) *Tensor {
	t := Zeros(n, n)
	for i := 0; i < n; i++ {
		t.st.f32()[i*n+i] = 1
	}
	return t
}

// set stores v (converted) at storage index i.
func (t *Tensor) set(i int, v float64) {
	switch t.dtype {
	case Float32:
		t.st.f32()[i] = float32(v)
	case Float64:
		t.st.f64()[i] = v
	case Int64:
		t.st.i64()[i] = int64(v)
	case Bool:
		t.st.b()[i] = v != 0
	}
}

// To returns x converted to dtype dt (x itself when it already has that dtype). Conversion
// between float dtypes is differentiable.
func (x *Tensor) To(dt DType) *Tensor {
	if x.dtype == dt {
		return x
	}
	t0 := opStart()
	out := convert(x, dt)
	if dt.IsFloat() && x.dtype.IsFloat() && needsGrad(x, nil) {
		src := x.dtype
		record(opTo, out, func(g *Tensor) []*Tensor { return []*Tensor{g.To(src)} }, x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opTo, t0, out, []Attr{{"dtype", dt}}, x)
	}
	return out
}

var opTo = defOp("To", true)

func convert(x *Tensor, dt DType) *Tensor {
	c := x.contig()
	var out *Tensor
	if x.dtype == Bool {
		out = newTensor(dt, x.shape)
	} else {
		out = newTensorUninit(dt, x.shape) // convertFrom writes every element
	}
	n := out.Numel()
	switch x.dtype {
	case Float32:
		convertFrom(out, c.f32(), n)
	case Float64:
		convertFrom(out, c.f64(), n)
	case Int64:
		convertFrom(out, c.i64(), n)
	case Bool:
		src := c.bools()
		switch dt {
		case Float32:
			boolsTo(out.st.f32(), src)
		case Float64:
			boolsTo(out.st.f64(), src)
		case Int64:
			boolsTo(out.st.i64(), src)
		default:
			for i, b := range src {
				if b {
					out.set(i, 1)
				}
			}
		}
	}
	return out
}

// boolsTo writes 1 where src is true and 0 elsewhere.
func boolsTo[T float32 | float64 | int64](dst []T, src []bool) {
	dst = dst[:len(src)]
	// A Go bool is one byte holding 0 or 1: converting that byte avoids a branch that random
	// masks mispredict half the time.
	bytes := unsafe.Slice((*uint8)(unsafe.Pointer(unsafe.SliceData(src))), len(src))
	for i, b := range bytes {
		dst[i] = T(b)
	}
}

func convertFrom[T float32 | float64 | int64](out *Tensor, src []T, n int) {
	src = src[:n]
	switch out.dtype {
	case Float32:
		convertSlice(out.st.f32()[:n], src)
	case Float64:
		convertSlice(out.st.f64()[:n], src)
	case Int64:
		convertSlice(out.st.i64()[:n], src)
	case Bool:
		dst := out.st.b()[:n]
		parallel.For(n, convertGrain, func(lo, hi int) {
			for i, v := range src[lo:hi] {
				dst[lo+i] = v != 0
			}
		})
	}
}

// convertSlice is dst[i] = D(src[i]) (Go's conversion), split across cores for large slices.
func convertSlice[D, S float32 | float64 | int64](dst []D, src []S) {
	parallel.For(len(dst), convertGrain, func(lo, hi int) {
		d := dst[lo:hi]
		for i, v := range src[lo:hi] {
			d[i] = D(v)
		}
	})
}

// convertGrain is the least number of elements per goroutine in a dtype conversion.
const convertGrain = 1 << 16

// Clone returns a contiguous copy of x; the copy is differentiable (gradients flow back to x).
func (x *Tensor) Clone() *Tensor {
	t0 := opStart()
	out := copyContiguous(x)
	if needsGrad(x, nil) {
		record(opClone, out, func(g *Tensor) []*Tensor { return []*Tensor{g} }, x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opClone, t0, out, nil, x)
	}
	return out
}

var opClone = defOp("Clone", true)

// Contiguous returns x if its elements are already row-major without gaps, else a
// differentiable contiguous copy.
func (x *Tensor) Contiguous() *Tensor {
	if x.IsContiguous() {
		return x
	}
	return x.Clone()
}
