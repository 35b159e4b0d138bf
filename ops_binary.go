package eager

import (
	"math"
	"unsafe"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// elem is the set of Go types tensor storage holds.
type elem interface {
	float32 | float64 | int64 | bool
}

// data returns the storage slice of type T (which must match the storage's dtype).
func data[T elem](st *storage) []T {
	return unsafe.Slice((*T)(st.base()), st.n)
}

// binaryKernels holds one binary op's element function per dtype, with optional contiguous
// vector kernels for the fast path. Nil entries mean the dtype is not supported.
type binaryKernels struct {
	f32  func(a, b float32) float32
	f64  func(a, b float64) float64
	i64  func(a, b int64) int64
	vv32 func(dst, a, b []float32)
	vv64 func(dst, a, b []float64)
	// vs and sv are optional vector kernels for a vector and a broadcast scalar:
	// dst[i] = a[i] op s and dst[i] = s op a[i].
	vs32 func(dst, a []float32, s float32)
	vs64 func(dst, a []float64, s float64)
	sv32 func(dst []float32, s float32, a []float32)
	sv64 func(dst []float64, s float64, a []float64)
}

// runBinary computes out = f(a, b) elementwise with broadcasting; out is contiguous with the
// broadcast shape and the same dtype as a and b.
func runBinary[T, R elem](out, a, b *Tensor, f func(x, y T) R, vv func(dst []R, x, y []T),
	vs func(dst []R, x []T, s T), sv func(dst []R, s T, x []T)) {
	n := out.Numel()
	if vv != nil && n >= minGatherOperand {
		a, b = gatherTransposedOperand(a, out.shape), gatherTransposedOperand(b, out.shape)
	}
	od := data[R](out.st)[out.offset:]
	ad, bd := data[T](a.st), data[T](b.st)
	if vv != nil && a.IsContiguous() && b.IsContiguous() && sameShape(a.shape, out.shape) && sameShape(b.shape, out.shape) {
		if n <= 4 { // a few elements: the element function costs less than the vector kernel's dispatch
			x, y := ad[a.offset:a.offset+n], bd[b.offset:b.offset+n]
			for i := range od[:n] {
				od[i] = f(x[i], y[i])
			}
			return
		}
		vv(od[:n], ad[a.offset:a.offset+n], bd[b.offset:b.offset+n])
		return
	}
	shape, strides := coalesce(out.shape, contiguousStrides(out.shape), broadcastStrides(a, out.shape), broadcastStrides(b, out.shape))
	last := len(shape) - 1
	inner := shape[last]
	sa, sb := strides[1][last], strides[2][last]
	// Rows are independent and each is computed whole, by the same kernel call whichever
	// goroutine runs it, so they are split across cores (a Linear's bias added to its
	// [rows, n] output, an attention mask added to the scores).
	if n == 0 {
		return
	}
	rows, grain := n/inner, max(1, binaryRowGrain/inner)
	if rows == 1 && inner >= 2*scalarUnaryGrain && elementwiseRow(sa, sb, vv, vs, sv) {
		// One long row computed by the element function (an op without vector kernels and
		// a broadcast scalar): its elements are split across cores instead.
		pa, pb := a.offset, b.offset
		parallel.For(inner, scalarUnaryGrain, func(lo, hi int) {
			binaryRow(od[lo:hi], ad, pa+lo*sa, sa, bd, pb+lo*sb, sb, f, vv, vs, sv)
		})
		return
	}
	if rows <= grain { // one range: called directly, not through a closure that escapes to the pool
		runBinaryRows(od, ad, bd, shape, strides, []int{0, a.offset, b.offset}, 0, rows, inner, sa, sb, f, vv, vs, sv)
		return
	}
	parallel.For(rows, grain, func(lo, hi int) {
		runBinaryRows(od, ad, bd, shape, strides, []int{0, a.offset, b.offset}, lo, hi, inner, sa, sb, f, vv, vs, sv)
	})
}

// gatherTransposedOperand returns a contiguous copy of an operand of out's shape stored
// transposed (transposedDim), and t itself otherwise. Along a row of out such an operand is
// read with a stride, one element at a time through the element function; copied with
// kernels.Transpose it takes the vector kernel, which computes the same bits (vv is only
// set for exactly rounded ops). Broadcast operands are left alone: they are read along rows
// already, or repeated, and copying them would multiply them.
func gatherTransposedOperand(t *Tensor, shape []int) *Tensor {
	if !sameShape(t.shape, shape) || transposedDim(t.shape, t.strides()) < 0 {
		return t
	}
	for i, s := range t.strides() {
		if s == 0 && t.shape[i] > 1 {
			return t
		}
	}
	return copyContiguous(t)
}

// minGatherOperand is the least number of elements for which runBinary copies a transposed
// operand before computing (below it the element function's strided reads cost little).
const minGatherOperand = 1 << 12

// binaryRowGrain is the number of elements below which a broadcasting binary op stays on
// one core (the split of the contiguous kernels, kernels' splitLen/2).
const binaryRowGrain = 1 << 17

// runBinaryRows computes the rows [lo, hi) of runBinary's broadcasting path.
func runBinaryRows[T, R elem](od []R, ad, bd []T, shape []int, strides [][]int, base []int, lo, hi, inner, sa, sb int,
	f func(x, y T) R, vv func(dst []R, x, y []T), vs func(dst []R, x []T, s T), sv func(dst []R, s T, x []T)) {
	walkRowRange(shape, strides, base, lo, hi, func(_ int, offs []int) {
		binaryRow(od[offs[0]:offs[0]+inner], ad, offs[1], sa, bd, offs[2], sb, f, vv, vs, sv)
	})
}

// elementwiseRow reports whether binaryRow computes a row with the element function f (no
// vector kernel fits the strides), whose elements can be split in any way.
func elementwiseRow[T, R elem](sa, sb int, vv func(dst []R, x, y []T), vs func(dst []R, x []T, s T), sv func(dst []R, s T, x []T)) bool {
	switch {
	case sa == 1 && sb == 1 && vv != nil, sa == 1 && sb == 0 && vs != nil, sa == 0 && sb == 1 && sv != nil:
		return false
	}
	return true
}

// binaryRow computes one row o = f(a, b), reading a from ad[pa] with stride sa and b from
// bd[pb] with stride sb (0: a scalar broadcast along the row), with the row kernel that
// fits the strides. Deferred ops compute their tiles with it too (deferNode.compute), so
// that they pick the same kernels and give the same bits.
func binaryRow[T, R elem](o []R, ad []T, pa, sa int, bd []T, pb, sb int,
	f func(x, y T) R, vv func(dst []R, x, y []T), vs func(dst []R, x []T, s T), sv func(dst []R, s T, x []T)) {
	inner := len(o)
	switch {
	case sa == 1 && sb == 1 && vv != nil:
		vv(o, ad[pa:pa+inner], bd[pb:pb+inner])
	case sa == 1 && sb == 0 && vs != nil:
		vs(o, ad[pa:pa+inner], bd[pb])
	case sa == 0 && sb == 1 && sv != nil:
		sv(o, ad[pa], bd[pb:pb+inner])
	case sa == 1 && sb == 0:
		y, x := bd[pb], ad[pa:pa+inner]
		for i := range o {
			o[i] = f(x[i], y)
		}
	case sa == 0 && sb == 1:
		x, y := ad[pa], bd[pb:pb+inner]
		for i := range o {
			o[i] = f(x, y[i])
		}
	default:
		for i := range o {
			o[i] = f(ad[pa], bd[pb])
			pa += sa
			pb += sb
		}
	}
}

// contiguousStrides returns row-major strides for shape.
func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// resultType is the dtype of a binary op on a and b: PyTorch's promotion, where a 0-d tensor
// does not raise the float precision of a dimensioned one.
func resultType(a, b *Tensor) DType {
	if a.dtype == b.dtype {
		return a.dtype
	}
	if a.dtype.IsFloat() && b.dtype.IsFloat() {
		switch {
		case len(a.shape) == 0 && len(b.shape) > 0:
			return b.dtype
		case len(b.shape) == 0 && len(a.shape) > 0:
			return a.dtype
		}
	}
	return promote(a.dtype, b.dtype)
}

// binaryForward converts a and b to a common dtype (float32 at least when floatOnly) and runs
// the op's kernels, returning the converted operands and the output.
func binaryForward(op *OpInfo, k *binaryKernels, a, b *Tensor, floatOnly bool) (*Tensor, *Tensor, *Tensor) {
	if a == nil || b == nil {
		failf(op.Name, "nil tensor argument")
	}
	if a.dtype == b.dtype && (a.dtype == Float32 || a.dtype == Float64) && sameShape(a.shape, b.shape) && numel(a.shape) == 1 {
		// Two one-element operands of one float dtype (numbers added in a Go loop, whose cost
		// is all overhead): the element function on the one element, as runBinary would.
		out := newTensorUninit(a.dtype, a.shape)
		if a.dtype == Float32 {
			data[float32](out.st)[0] = k.f32(data[float32](a.st)[a.offset], data[float32](b.st)[b.offset])
		} else {
			data[float64](out.st)[0] = k.f64(data[float64](a.st)[a.offset], data[float64](b.st)[b.offset])
		}
		return a, b, out
	}
	dt := resultType(a, b)
	if dt == Bool {
		dt = Int64
	}
	if floatOnly && !dt.IsFloat() {
		dt = Float32
	}
	shape := a.shape // read only: newTensor copies it
	if !sameShape(a.shape, b.shape) {
		shape = broadcastShapes(op.Name, a.shape, b.shape)
	}
	if a.dtype == Float32 && b.dtype == Float32 && !a.requiresGrad && !b.requiresGrad && deferring(numel(shape)) {
		if out := deferBinary(k, a, b, shape); out != nil {
			return a, b, out
		}
	}
	ca, cb := a.To(dt), b.To(dt)
	// A transposed operand is copied first (gatherTransposedOperand); the result is then
	// written over that private copy, so the op takes one new buffer, not two.
	ra, rb := ca, cb // what the kernels read
	var out *Tensor
	if (dt == Float32 && k.vv32 != nil || dt == Float64 && k.vv64 != nil) && numel(shape) >= minGatherOperand {
		ra, rb = gatherTransposedOperand(ca, shape), gatherTransposedOperand(cb, shape)
		switch {
		case ra != ca:
			out = ra
		case rb != cb:
			out = rb
		}
	}
	if out == nil {
		out = newTensorUninit(dt, shape)
	}
	switch dt {
	case Float32:
		runBinary(out, ra, rb, k.f32, k.vv32, k.vs32, k.sv32)
	case Float64:
		runBinary(out, ra, rb, k.f64, k.vv64, k.vs64, k.sv64)
	case Int64:
		if k.i64 == nil {
			failf(op.Name, "not supported for dtype %v", dt)
		}
		runBinary[int64, int64](out, ca, cb, k.i64, nil, nil, nil)
	}
	return ca, cb, out
}

// sumTo reduces a broadcast gradient g back to shape (the inverse of broadcasting).
func sumTo(g *Tensor, shape []int) *Tensor {
	if sameShape(g.shape, shape) {
		return g
	}
	lead := len(g.shape) - len(shape)
	var dims []int
	for i := range g.shape {
		if i < lead || (shape[i-lead] == 1 && g.shape[i] != 1) {
			dims = append(dims, i)
		}
	}
	r := g
	if len(dims) > 0 {
		r = g.SumKeepDim(dims...)
	}
	return r.Reshape(shape...)
}

var (
	opAdd = defOp("Add", true)
	opSub = defOp("Sub", true)
	opMul = defOp("Mul", true)
	opDiv = defOp("Div", true)
	opPow = defOp("Pow", true)
	opMax = defOp("Maximum", true)
	opMin = defOp("Minimum", true)
)

var (
	addK = binaryKernels{
		f32: func(a, b float32) float32 { return a + b }, f64: func(a, b float64) float64 { return a + b },
		i64: func(a, b int64) int64 { return a + b }, vv32: kernels.Add[float32], vv64: kernels.Add[float64],
		vs32: kernels.AddScalar[float32], vs64: kernels.AddScalar[float64],
		sv32: func(d []float32, s float32, a []float32) { kernels.AddScalar(d, a, s) },
		sv64: func(d []float64, s float64, a []float64) { kernels.AddScalar(d, a, s) },
	}
	subK = binaryKernels{
		f32: func(a, b float32) float32 { return a - b }, f64: func(a, b float64) float64 { return a - b },
		i64: func(a, b int64) int64 { return a - b }, vv32: kernels.Sub[float32], vv64: kernels.Sub[float64],
		vs32: kernels.SubScalar[float32], vs64: kernels.SubScalar[float64],
		sv32: kernels.ScalarSub[float32], sv64: kernels.ScalarSub[float64],
	}
	mulK = binaryKernels{
		f32: func(a, b float32) float32 { return a * b }, f64: func(a, b float64) float64 { return a * b },
		i64: func(a, b int64) int64 { return a * b }, vv32: kernels.Mul[float32], vv64: kernels.Mul[float64],
		vs32: kernels.MulScalar[float32], vs64: kernels.MulScalar[float64],
		sv32: func(d []float32, s float32, a []float32) { kernels.MulScalar(d, a, s) },
		sv64: func(d []float64, s float64, a []float64) { kernels.MulScalar(d, a, s) },
	}
	divK = binaryKernels{
		f32: func(a, b float32) float32 { return a / b }, f64: func(a, b float64) float64 { return a / b },
		vv32: kernels.Div[float32], vv64: kernels.Div[float64],
		vs32: kernels.DivScalar[float32], vs64: kernels.DivScalar[float64],
		sv32: kernels.ScalarDiv[float32], sv64: kernels.ScalarDiv[float64],
	}
	powK = binaryKernels{
		f32: powF32, f64: math.Pow, i64: powInt,
		vs32: powScalarF32, vs64: powScalarF64,
	}
	maxK = binaryKernels{
		f32: func(a, b float32) float32 { return float32(nanMax(float64(a), float64(b))) },
		f64: nanMax, i64: func(a, b int64) int64 { return max(a, b) },
	}
	minK = binaryKernels{
		f32: func(a, b float32) float32 { return float32(nanMin(float64(a), float64(b))) },
		f64: nanMin, i64: func(a, b int64) int64 { return min(a, b) },
	}
)

// powInt is integer exponentiation by squaring, wrapping on overflow as PyTorch's int64 pow
// does. A negative exponent gives 0 unless the base is 1 or -1 (C's integer semantics).
func powInt(a, b int64) int64 {
	if b < 0 {
		switch a {
		case 1:
			return 1
		case -1:
			if b%2 == 0 {
				return 1
			}
			return -1
		}
		return 0
	}
	r := int64(1)
	for b > 0 {
		if b&1 == 1 {
			r *= a
		}
		a *= a
		b >>= 1
	}
	return r
}

// nanMax is max that propagates NaN, as torch.maximum does.
func nanMax(a, b float64) float64 {
	if a != a || b != b {
		return math.NaN()
	}
	if a >= b {
		return a
	}
	return b
}

func nanMin(a, b float64) float64 {
	if a != a || b != b {
		return math.NaN()
	}
	if a <= b {
		return a
	}
	return b
}

// Add returns x + y with broadcasting.
func (x *Tensor) Add(y *Tensor) *Tensor {
	t0 := opStart()
	a, b, out := binaryForward(opAdd, &addK, x, y, false)
	if needsGrad(x, y) {
		recordAdd(out, a, b)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opAdd, t0, out, nil, x, y)
	}
	return out
}

// addOwned returns y + b like y.Add(b), computed into y's own buffer: for callers that made y
// themselves and use it for nothing else (the product inside Linear, attention scores before
// their mask), so that the sum needs no new buffer and no second trip through memory. The
// values, the autograd node and the gradients are Add's (Add's backward does not read y).
// While an observer is installed (jit tracing, profiling) it is y.Add(b), so that they see
// an ordinary op with a fresh output.
func addOwned(y, b *Tensor) *Tensor {
	if slowPath.Load() != 0 || y.dtype != b.dtype || !y.dtype.IsFloat() || y.offset != 0 || !y.IsContiguous() ||
		y.st.len() != y.Numel() || y.st == b.st || !sameShape(broadcastShapesOK(y.shape, b.shape), y.shape) {
		return y.Add(b)
	}
	y.st.beforeWrite()
	out := newView(y, 0, y.shape, y.strides())
	switch y.dtype {
	case Float32:
		runBinary(out, y, b, addK.f32, addK.vv32, addK.vs32, addK.sv32)
	case Float64:
		runBinary(out, y, b, addK.f64, addK.vv64, addK.vs64, addK.sv64)
	}
	if needsGrad(y, b) {
		recordAdd(out, y, b)
	}
	return out
}

// AddReusing returns y.Add(b), computed into y's own buffer when y has one to itself, for
// code that gives y up (a residual connection adding a layer's fresh output to its input):
// the sum needs no new buffer. The caller must not use y afterwards. Values, autograd node
// and gradients are Add's; an op that saved y for its backward reports the change at
// Backward (y's version counter moves) instead of computing wrong gradients. While an
// observer is installed (jit tracing, profiling), when y is a view or a leaf that requires
// grad, or when b would broadcast y to a larger shape, it is y.Add(b).
func AddReusing(y, b *Tensor) *Tensor {
	if y.node == nil && y.requiresGrad {
		return y.Add(b)
	}
	out := addOwned(y, b)
	if out.st == y.st {
		y.st.bump()
	}
	return out
}

// Linear returns x·wᵀ + b (PyTorch's torch.nn.functional.linear): x [..., in], w [out, in],
// b [out] or nil. The bias is added into the product's own buffer.
func Linear(x, w, b *Tensor) *Tensor {
	y := x.MatMul(w.T())
	if b == nil {
		return y
	}
	return addOwned(y, b)
}

// recordAdd records Add's node for out = a + b.
func recordAdd(out, a, b *Tensor) {
	if sameShape(a.shape, b.shape) {
		record(opAdd, out, addSameShapeBackward, a, b) // no closure to allocate
		return
	}
	as, bs := a.shape, b.shape
	record(opAdd, out, func(g *Tensor) []*Tensor {
		return []*Tensor{sumTo(g, as), sumTo(g, bs)}
	}, a, b)
}

// addSameShapeBackward is Add's backward when no input was broadcast.
func addSameShapeBackward(g *Tensor) []*Tensor { return []*Tensor{g, g} }

// Sub returns x - y with broadcasting.
func (x *Tensor) Sub(y *Tensor) *Tensor {
	t0 := opStart()
	a, b, out := binaryForward(opSub, &subK, x, y, false)
	if needsGrad(x, y) {
		as, bs := x.shape, y.shape
		record(opSub, out, func(g *Tensor) []*Tensor {
			var gb *Tensor
			if b.requiresGrad {
				gb = sumTo(g.Neg(), bs)
			}
			return []*Tensor{sumTo(g, as), gb}
		}, a, b)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opSub, t0, out, nil, x, y)
	}
	return out
}

// Mul returns x * y (elementwise) with broadcasting.
func (x *Tensor) Mul(y *Tensor) *Tensor {
	t0 := opStart()
	a, b, out := binaryForward(opMul, &mulK, x, y, false)
	if needsGrad(x, y) {
		n := record(opMul, out, func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			if a.requiresGrad {
				ga = sumTo(g.Mul(b), a.shape)
			}
			if b.requiresGrad {
				gb = sumTo(g.Mul(a), b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
		n.save(a, b)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opMul, t0, out, nil, x, y)
	}
	return out
}

// Div returns x / y with broadcasting (true division: integer inputs give float32).
func (x *Tensor) Div(y *Tensor) *Tensor {
	t0 := opStart()
	a, b, out := binaryForward(opDiv, &divK, x, y, true)
	if needsGrad(x, y) {
		n := record(opDiv, out, func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			if a.requiresGrad {
				ga = sumTo(g.Div(b), a.shape)
			}
			if b.requiresGrad { // -g*a/b^2
				gb = sumTo(g.Mul(a).Div(b.Mul(b)).Neg(), b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
		n.save(a, b)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opDiv, t0, out, nil, x, y)
	}
	return out
}

// Pow returns x raised to the power y, elementwise with broadcasting. Integer tensors give
// an integer result, as in PyTorch.
func (x *Tensor) Pow(y *Tensor) *Tensor {
	t0 := opStart()
	a, b, out := binaryForward(opPow, &powK, x, y, false)
	if needsGrad(x, y) {
		n := record(opPow, out, func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			if a.requiresGrad { // g * b * a^(b-1), zero where b == 0
				ga = sumTo(Where(b.EqScalar(0), ZerosLike(g), g.Mul(b).Mul(a.Pow(b.AddScalar(-1)))), a.shape)
			}
			if b.requiresGrad { // g * a^b * log(a), zero where a == 0 and b >= 0
				p := a.Pow(b)
				safe := Where(a.EqScalar(0), OnesLike(a), a)
				gb = sumTo(Where(a.EqScalar(0).LogicalAnd(b.GeScalar(0)), ZerosLike(g), g.Mul(p).Mul(safe.Log())), b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
		n.save(a, b)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opPow, t0, out, nil, x, y)
	}
	return out
}

func powF32(a, b float32) float32 { return float32(math.Pow(float64(a), float64(b))) }

// powScalarF32 is dst[i] = powF32(x[i], s), split across cores; for s = 2 it is x[i]*x[i],
// the same bits (the square of a float32 is exact in float64, and math.Pow computes it
// exactly, so both round it once to float32), as PyTorch computes pow(x, 2).
func powScalarF32(dst, x []float32, s float32) {
	if s == 2 {
		kernels.Mul(dst, x, x)
		return
	}
	parallel.For(len(dst), scalarUnaryGrain, func(lo, hi int) {
		for i, v := range x[lo:hi] {
			dst[lo+i] = powF32(v, s)
		}
	})
}

// powScalarF64 is dst[i] = math.Pow(x[i], s), split across cores.
func powScalarF64(dst, x []float64, s float64) {
	parallel.For(len(dst), scalarUnaryGrain, func(lo, hi int) {
		for i, v := range x[lo:hi] {
			dst[lo+i] = math.Pow(v, s)
		}
	})
}

// Maximum returns the elementwise maximum of x and y with broadcasting (NaN propagates).
// Where x == y the gradient is split evenly, as in PyTorch.
func (x *Tensor) Maximum(y *Tensor) *Tensor { return minMax(opMax, &maxK, x, y, true) }

// Minimum returns the elementwise minimum of x and y with broadcasting (NaN propagates).
func (x *Tensor) Minimum(y *Tensor) *Tensor { return minMax(opMin, &minK, x, y, false) }

func minMax(op *OpInfo, k *binaryKernels, x, y *Tensor, isMax bool) *Tensor {
	t0 := opStart()
	a, b, out := binaryForward(op, k, x, y, false)
	if needsGrad(x, y) {
		n := record(op, out, func(g *Tensor) []*Tensor {
			var win *Tensor
			if isMax {
				win = a.Gt(b)
			} else {
				win = a.Lt(b)
			}
			tie := a.Eq(b).To(g.dtype).MulScalar(0.5)
			wa := win.To(g.dtype).Add(tie)
			wb := OnesLike(wa).Sub(wa)
			var ga, gb *Tensor
			if a.requiresGrad {
				ga = sumTo(g.Mul(wa), a.shape)
			}
			if b.requiresGrad {
				gb = sumTo(g.Mul(wb), b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
		n.save(a, b)
	}
	if slowPath.Load() != 0 {
		notifyTimed(op, t0, out, nil, x, y)
	}
	return out
}

// scalarLike returns a 0-d tensor of x's dtype (float32 for non-float x when float is set).
func scalarLike(x *Tensor, v float64) *Tensor {
	dt := x.dtype
	if dt == Bool {
		dt = Int64
	}
	if dt == Int64 && v != math.Trunc(v) {
		dt = Float32
	}
	return FullOf(dt, v)
}

// AddScalar returns x + s.
func (x *Tensor) AddScalar(s float64) *Tensor { return x.Add(scalarLike(x, s)) }

// SubScalar returns x - s.
func (x *Tensor) SubScalar(s float64) *Tensor { return x.Sub(scalarLike(x, s)) }

// RSubScalar returns s - x.
func (x *Tensor) RSubScalar(s float64) *Tensor { return scalarLike(x, s).Sub(x) }

// MulScalar returns x * s.
func (x *Tensor) MulScalar(s float64) *Tensor { return x.Mul(scalarLike(x, s)) }

// DivScalar returns x / s.
func (x *Tensor) DivScalar(s float64) *Tensor { return x.Div(scalarLike(x, s)) }

// PowScalar returns x raised to the power p.
func (x *Tensor) PowScalar(p float64) *Tensor { return x.Pow(scalarLike(x, p)) }

// MaximumScalar returns max(x, s) elementwise.
func (x *Tensor) MaximumScalar(s float64) *Tensor { return x.Maximum(scalarLike(x, s)) }

// MinimumScalar returns min(x, s) elementwise.
func (x *Tensor) MinimumScalar(s float64) *Tensor { return x.Minimum(scalarLike(x, s)) }

// Square returns x * x.
func (x *Tensor) Square() *Tensor { return x.Mul(x) }
