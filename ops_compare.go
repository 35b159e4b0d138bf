package eager

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
	f32 func(a, b float32) bool
	f64 func(a, b float64) bool
	i64 func(a, b int64) bool
	b   func(a, b bool) bool
}

func compare(op *OpInfo, k *cmpFn, x, y *Tensor) *Tensor {
	t0 := opStart()
	dt := resultType(x, y)
	shape := broadcastShapes(op.Name, x.shape, y.shape)
	a, b := x.Detach().To(dt), y.Detach().To(dt)
	out := newTensor(Bool, shape)
	switch dt {
	case Float32:
		runBinary[float32, bool](out, a, b, k.f32, nil, nil, nil)
	case Float64:
		runBinary[float64, bool](out, a, b, k.f64, nil, nil, nil)
	case Int64:
		runBinary[int64, bool](out, a, b, k.i64, nil, nil, nil)
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
	eqK = cmpFn{func(a, b float32) bool { return a == b }, func(a, b float64) bool { return a == b }, func(a, b int64) bool { return a == b }, func(a, b bool) bool { return a == b }}
	neK = cmpFn{func(a, b float32) bool { return a != b }, func(a, b float64) bool { return a != b }, func(a, b int64) bool { return a != b }, func(a, b bool) bool { return a != b }}
	ltK = cmpFn{func(a, b float32) bool { return a < b }, func(a, b float64) bool { return a < b }, func(a, b int64) bool { return a < b }, func(a, b bool) bool { return boolToInt(a) < boolToInt(b) }}
	leK = cmpFn{func(a, b float32) bool { return a <= b }, func(a, b float64) bool { return a <= b }, func(a, b int64) bool { return a <= b }, func(a, b bool) bool { return boolToInt(a) <= boolToInt(b) }}
	gtK = cmpFn{func(a, b float32) bool { return a > b }, func(a, b float64) bool { return a > b }, func(a, b int64) bool { return a > b }, func(a, b bool) bool { return boolToInt(a) > boolToInt(b) }}
	geK = cmpFn{func(a, b float32) bool { return a >= b }, func(a, b float64) bool { return a >= b }, func(a, b int64) bool { return a >= b }, func(a, b bool) bool { return boolToInt(a) >= boolToInt(b) }}
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
	out := newTensor(dt, shape)
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
	od, cd, ad, bd := data[T](out.st), cond.st.b(), data[T](a.st), data[T](b.st)
	last := len(shape) - 1
	inner := shape[last]
	sc, sa, sb := strides[1][last], strides[2][last], strides[3][last]
	walkRows(shape, strides, []int{0, cond.offset, a.offset, b.offset}, func(_ int, offs []int) {
		o := od[offs[0] : offs[0]+inner]
		pc, pa, pb := offs[1], offs[2], offs[3]
		for i := range o {
			if cd[pc] {
				o[i] = ad[pa]
			} else {
				o[i] = bd[pb]
			}
			pc += sc
			pa += sa
			pb += sb
		}
	})
}
