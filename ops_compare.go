package eager

import (
	"unsafe"

	"github.com/eagerml/eager/internal/parallel"
)

// Comparisons and logical ops produce bool tensors and carry no gradient.

var (
	opEq         = defOp("Eq", false)
	opNe         = defOp("Ne", false)
	opLt         = defOp("Lt", false)
	opLe         = defOp("Le", false)
	opGt         = defOp("Gt", false)
	opGe         = defOp("Ge", false)
	opLogicalAnd = defOp("LogicalAnd", false)
	opLogicalOr  = defOp("LogicalOr", false)
	opLogicalNot = defOp("LogicalNot", false)
	opWhere      = defOp("Where", true)
)

type cmpFn struct {
	f32  func(a, b float32) bool
	f64  func(a, b float64) bool
	i64  func(a, b int64) bool
	b    func(a, b bool) bool
	code cmpCode // which comparison, for the row loops of cmpRows
}

// cmpCode names a comparison for cmpRows' loops.
type cmpCode uint8

const (
	cmpEq cmpCode = iota
	cmpNe
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

// cmpRows holds a comparison's row loops for one element type: both operands along the row
// (vv), the second a broadcast scalar (vs) or the first (sv). Each is a plain loop with the
// comparison inlined, split across cores on long rows, where the element function costs a
// call per element; the results are the same.
type cmpRows[T float32 | float64 | int64] struct {
	vv func(dst []bool, x, y []T)
	vs func(dst []bool, x []T, s T)
	sv func(dst []bool, s T, y []T)
}

// cmpGrain is the least number of elements per goroutine in a comparison's row loops.
const cmpGrain = 1 << 15

func newCmpRows[T float32 | float64 | int64](code cmpCode) cmpRows[T] {
	return cmpRows[T]{
		vv: func(dst []bool, x, y []T) {
			parallel.For(len(dst), cmpGrain, func(lo, hi int) { cmpVV(code, dst[lo:hi], x[lo:hi], y[lo:hi]) })
		},
		vs: func(dst []bool, x []T, s T) {
			parallel.For(len(dst), cmpGrain, func(lo, hi int) { cmpVS(code, dst[lo:hi], x[lo:hi], s) })
		},
		sv: func(dst []bool, s T, y []T) {
			parallel.For(len(dst), cmpGrain, func(lo, hi int) { cmpSV(code, dst[lo:hi], s, y[lo:hi]) })
		},
	}
}

// cmpVV is dst[i] = x[i] op y[i].
func cmpVV[T float32 | float64 | int64](code cmpCode, dst []bool, x, y []T) {
	x, y = x[:len(dst)], y[:len(dst)]
	switch code {
	case cmpEq:
		for i := range dst {
			dst[i] = x[i] == y[i]
		}
	case cmpNe:
		for i := range dst {
			dst[i] = x[i] != y[i]
		}
	case cmpLt:
		for i := range dst {
			dst[i] = x[i] < y[i]
		}
	case cmpLe:
		for i := range dst {
			dst[i] = x[i] <= y[i]
		}
	case cmpGt:
		for i := range dst {
			dst[i] = x[i] > y[i]
		}
	case cmpGe:
		for i := range dst {
			dst[i] = x[i] >= y[i]
		}
	}
}

// cmpVS is dst[i] = x[i] op s.
func cmpVS[T float32 | float64 | int64](code cmpCode, dst []bool, x []T, s T) {
	x = x[:len(dst)]
	switch code {
	case cmpEq:
		for i, v := range x {
			dst[i] = v == s
		}
	case cmpNe:
		for i, v := range x {
			dst[i] = v != s
		}
	case cmpLt:
		for i, v := range x {
			dst[i] = v < s
		}
	case cmpLe:
		for i, v := range x {
			dst[i] = v <= s
		}
	case cmpGt:
		for i, v := range x {
			dst[i] = v > s
		}
	case cmpGe:
		for i, v := range x {
			dst[i] = v >= s
		}
	}
}

// cmpSV is dst[i] = s op y[i], which is y[i] op' s with the comparison mirrored.
func cmpSV[T float32 | float64 | int64](code cmpCode, dst []bool, s T, y []T) {
	mirror := [...]cmpCode{cmpEq: cmpEq, cmpNe: cmpNe, cmpLt: cmpGt, cmpLe: cmpGe, cmpGt: cmpLt, cmpGe: cmpLe}
	cmpVS(mirror[code], dst, y, s)
}

// compare's row loops for each comparison and element type.
var cmpRowsF32, cmpRowsF64, cmpRowsI64 = func() (f32 [6]cmpRows[float32], f64 [6]cmpRows[float64], i64 [6]cmpRows[int64]) {
	for c := cmpEq; c <= cmpGe; c++ {
		f32[c], f64[c], i64[c] = newCmpRows[float32](c), newCmpRows[float64](c), newCmpRows[int64](c)
	}
	return
}()

func compare(op *OpInfo, k *cmpFn, x, y *Tensor) *Tensor {
	t0 := opStart()
	dt := resultType(x, y)
	shape := broadcastShapes(op.Name, x.shape, y.shape)
	a, b := x.Detach().To(dt), y.Detach().To(dt)
	out := newTensorUninit(Bool, shape)
	switch dt {
	case Float32:
		r := &cmpRowsF32[k.code]
		runBinary(out, a, b, k.f32, r.vv, r.vs, r.sv)
	case Float64:
		r := &cmpRowsF64[k.code]
		runBinary(out, a, b, k.f64, r.vv, r.vs, r.sv)
	case Int64:
		r := &cmpRowsI64[k.code]
		runBinary(out, a, b, k.i64, r.vv, r.vs, r.sv)
	case Bool:
		if k.b == nil {
			failf(op.Name, "not supported for bool tensors")
		}
		runBinary[bool, bool](out, a, b, k.b, nil, nil, nil)
	}
	if slowPath.Load() != 0 {
		notifyTimed(op, t0, out, nil, x, y)
	}
	return out
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

var (
	eqK = cmpFn{func(a, b float32) bool { return a == b }, func(a, b float64) bool { return a == b }, func(a, b int64) bool { return a == b }, func(a, b bool) bool { return a == b }, cmpEq}
	neK = cmpFn{func(a, b float32) bool { return a != b }, func(a, b float64) bool { return a != b }, func(a, b int64) bool { return a != b }, func(a, b bool) bool { return a != b }, cmpNe}
	ltK = cmpFn{func(a, b float32) bool { return a < b }, func(a, b float64) bool { return a < b }, func(a, b int64) bool { return a < b }, func(a, b bool) bool { return boolToInt(a) < boolToInt(b) }, cmpLt}
	leK = cmpFn{func(a, b float32) bool { return a <= b }, func(a, b float64) bool { return a <= b }, func(a, b int64) bool { return a <= b }, func(a, b bool) bool { return boolToInt(a) <= boolToInt(b) }, cmpLe}
	gtK = cmpFn{func(a, b float32) bool { return a > b }, func(a, b float64) bool { return a > b }, func(a, b int64) bool { return a > b }, func(a, b bool) bool { return boolToInt(a) > boolToInt(b) }, cmpGt}
	geK = cmpFn{func(a, b float32) bool { return a >= b }, func(a, b float64) bool { return a >= b }, func(a, b int64) bool { return a >= b }, func(a, b bool) bool { return boolToInt(a) >= boolToInt(b) }, cmpGe}
)

// Eq returns x == y elementwise with broadcasting, as a bool tensor.
func (x *Tensor) Eq(y *Tensor) *Tensor { return compare(opEq, &eqK, x, y) }

// Ne returns x != y elementwise, as a bool tensor.
func (x *Tensor) Ne(y *Tensor) *Tensor { return compare(opNe, &neK, x, y) }

// Lt returns x < y elementwise, as a bool tensor.
func (x *Tensor) Lt(y *Tensor) *Tensor { return compare(opLt, &ltK, x, y) }

// Le returns x <= y elementwise, as a bool tensor.
func (x *Tensor) Le(y *Tensor) *Tensor { return compare(opLe, &leK, x, y) }

// Gt returns x > y elementwise, as a bool tensor.
func (x *Tensor) Gt(y *Tensor) *Tensor { return compare(opGt, &gtK, x, y) }

// Ge returns x >= y elementwise, as a bool tensor.
func (x *Tensor) Ge(y *Tensor) *Tensor { return compare(opGe, &geK, x, y) }

// EqScalar returns x == s elementwise, as a bool tensor.
func (x *Tensor) EqScalar(s float64) *Tensor { return x.Eq(scalarCmp(x, s)) }

// NeScalar returns x != s elementwise.
func (x *Tensor) NeScalar(s float64) *Tensor { return x.Ne(scalarCmp(x, s)) }

// LtScalar returns x < s elementwise.
func (x *Tensor) LtScalar(s float64) *Tensor { return x.Lt(scalarCmp(x, s)) }

// LeScalar returns x <= s elementwise.
func (x *Tensor) LeScalar(s float64) *Tensor { return x.Le(scalarCmp(x, s)) }

// GtScalar returns x > s elementwise.
func (x *Tensor) GtScalar(s float64) *Tensor { return x.Gt(scalarCmp(x, s)) }

// GeScalar returns x >= s elementwise.
func (x *Tensor) GeScalar(s float64) *Tensor { return x.Ge(scalarCmp(x, s)) }

func scalarCmp(x *Tensor, s float64) *Tensor {
	if x.dtype == Bool {
		return FullOf(Int64, s)
	}
	return scalarLike(x, s)
}

// LogicalAnd returns x && y elementwise (non-zero is true), as a bool tensor.
func (x *Tensor) LogicalAnd(y *Tensor) *Tensor {
	return compare(opLogicalAnd, &cmpFn{b: func(a, b bool) bool { return a && b }}, x.Detach().To(Bool), y.Detach().To(Bool))
}

// LogicalOr returns x || y elementwise (non-zero is true), as a bool tensor.
func (x *Tensor) LogicalOr(y *Tensor) *Tensor {
	return compare(opLogicalOr, &cmpFn{b: func(a, b bool) bool { return a || b }}, x.Detach().To(Bool), y.Detach().To(Bool))
}

// LogicalNot returns !x elementwise (non-zero is true), as a bool tensor.
func (x *Tensor) LogicalNot() *Tensor {
	t0 := opStart()
	c := x.Detach().To(Bool).contig()
	out := newTensor(Bool, x.shape)
	o := out.bools()
	for i, v := range c.bools() {
		o[i] = !v
	}
	if slowPath.Load() != 0 {
		notifyTimed(opLogicalNot, t0, out, nil, x)
	}
	return out
}

// Where returns, elementwise with broadcasting over all three, x where cond is true and y
// elsewhere. cond must be a bool tensor. Gradients flow to x and y through the chosen side.
func Where(cond, x, y *Tensor) *Tensor {
	t0 := opStart()
	if cond.dtype != Bool {
		failf("Where", "condition must be bool, got %v (shape %v)", cond.dtype, cond.shape)
	}
	dt := resultType(x, y)
	shape := broadcastShapes("Where", broadcastShapes("Where", cond.shape, x.shape), y.shape)
	a, b := x.To(dt), y.To(dt)
	out := newTensorUninit(dt, shape) // whereLoop writes every element
	cs := broadcastStrides(cond, shape)
	as, bs := broadcastStrides(a, shape), broadcastStrides(b, shape)
	sh, strides := coalesce(shape, contiguousStrides(shape), cs, as, bs)
	switch dt {
	case Float32:
		whereLoop[float32](out, cond, a, b, sh, strides)
	case Float64:
		whereLoop[float64](out, cond, a, b, sh, strides)
	case Int64:
		whereLoop[int64](out, cond, a, b, sh, strides)
	case Bool:
		whereLoop[bool](out, cond, a, b, sh, strides)
	}
	if needsGrad(a, b) {
		n := record(opWhere, out, func(g *Tensor) []*Tensor {
			z := ZerosLike(g)
			var ga, gb *Tensor
			if a.requiresGrad {
				ga = sumTo(Where(cond, g, z), a.shape)
			}
			if b.requiresGrad {
				gb = sumTo(Where(cond, z, g), b.shape)
			}
			return []*Tensor{ga, gb}
		}, a, b)
		n.save(cond)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opWhere, t0, out, nil, cond, x, y)
	}
	return out
}

func whereLoop[T elem](out, cond, a, b *Tensor, shape []int, strides [][]int) {
	switch unsafe.Sizeof(*new(T)) {
	case 1:
		whereRows[uint8](out, cond, a, b, shape, strides)
	case 4:
		whereRows[uint32](out, cond, a, b, shape, strides)
	default:
		whereRows[uint64](out, cond, a, b, shape, strides)
	}
}

// whereRows is whereLoop on the elements' bits (U of their size): each row is selected
// without branches (a random condition mispredicts every other one), rows are split across
// cores, and one long row is split by columns. Selecting bits copies values exactly.
func whereRows[U uint8 | uint32 | uint64](out, cond, a, b *Tensor, shape []int, strides [][]int) {
	od, ad, bd := bitsOf[U](out.st), bitsOf[U](a.st), bitsOf[U](b.st)
	cd := unsafe.Slice((*uint8)(unsafe.Pointer(unsafe.SliceData(cond.st.b()))), len(cond.st.b()))
	last := len(shape) - 1
	inner := shape[last]
	sc, sa, sb := strides[1][last], strides[2][last], strides[3][last]
	rows := numel(shape) / max(inner, 1)
	if rows == 0 || inner == 0 {
		return
	}
	if rows == 1 {
		parallel.For(inner, whereGrain, func(lo, hi int) {
			whereSelect(od[lo:hi], cd, cond.offset+lo*sc, sc, ad, a.offset+lo*sa, sa, bd, b.offset+lo*sb, sb)
		})
		return
	}
	base := []int{0, cond.offset, a.offset, b.offset}
	parallel.For(rows, max(1, whereGrain/inner), func(lo, hi int) {
		walkRowRange(shape, strides, base, lo, hi, func(_ int, offs []int) {
			whereSelect(od[offs[0]:offs[0]+inner], cd, offs[1], sc, ad, offs[2], sa, bd, offs[3], sb)
		})
	})
}

// whereGrain is the least number of elements per goroutine in Where.
const whereGrain = 1 << 15

// whereSelect writes o[i] = a's element where the condition byte is 1 and b's where it is 0,
// reading each operand from its position with its stride.
func whereSelect[U uint8 | uint32 | uint64](o []U, cd []uint8, pc, sc int, ad []U, pa, sa int, bd []U, pb, sb int) {
	if sc == 1 && sa == 1 && sb == 1 {
		c, x, y := cd[pc:pc+len(o)], ad[pa:pa+len(o)], bd[pb:pb+len(o)]
		for i := range o {
			m := -U(c[i])
			o[i] = x[i]&m | y[i]&^m
		}
		return
	}
	for i := range o {
		m := -U(cd[pc])
		o[i] = ad[pa]&m | bd[pb]&^m
		pc += sc
		pa += sa
		pb += sb
	}
}

// bitsOf is st's elements as unsigned integers of their size (U must have it).
func bitsOf[U uint8 | uint32 | uint64](st *storage) []U {
	switch st.dtype {
	case Float32:
		return sameSizeView[U](st.f32())
	case Float64:
		return sameSizeView[U](st.f64())
	case Int64:
		return sameSizeView[U](st.i64())
	}
	return sameSizeView[U](st.b())
}

// sameSizeView is d's memory as a slice of U, an element type of the same size as T.
func sameSizeView[U, T any](d []T) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(d))), len(d))
}
