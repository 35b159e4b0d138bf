package jit

import (
	"math"
	"sync"
	"unsafe"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// Element functions of the fusible ops. The parameterless unary ops use eager's own element
// functions and slice kernels (eager.UnaryKernels), so a fused loop computes what eager
// computes, and follows any change to eager's kernels. Only the ops with parameters
// (LeakyReLU, Softplus, Clamp) repeat eager's definitions here. The test
// TestFusedOpsMatchEager checks every one against the eager op, bit for bit, on values that
// include NaN, infinities, signed zeros and denormals.

// eagerUnary lists the unary ops whose kernels come from eager.
var eagerUnary = []string{"Neg", "Exp", "Log", "Log1p", "Sqrt", "Rsqrt", "Abs", "Sign", "Sin", "Cos", "Tanh",
	"Sigmoid", "ReLU", "Erf", "GELU", "GELUTanh", "SiLU"}

// unaryVec holds eager's slice kernels of the unary ops, when they have them.
var unaryVec = map[string]struct {
	f32 func(dst, src []float32)
	f64 func(dst, src []float64)
}{}

func init() {
	for _, name := range eagerUnary {
		f, f32, f64, ok := eager.UnaryKernels(name)
		if !ok {
			panic("jit: eager has no unary op " + name)
		}
		unaryOps[name] = func([2]float64) func(float64) float64 { return f }
		unaryVec[name] = struct {
			f32 func(dst, src []float32)
			f64 func(dst, src []float64)
		}{f32, f64}
	}
}

func softplus(v float64) float64 {
	if v > 0 {
		return v + math.Log1p(math.Exp(-v))
	}
	return math.Log1p(math.Exp(v))
}

// unaryOps maps an op to its element function given the instruction's parameters.
var unaryOps = map[string]func(p [2]float64) func(v float64) float64{
	"LeakyReLU": func(p [2]float64) func(float64) float64 {
		slope := p[0]
		return func(v float64) float64 {
			if v > 0 {
				return v
			}
			return v * slope
		}
	},
	"Softplus": func(p [2]float64) func(float64) float64 {
		beta, threshold := p[0], p[1]
		return func(v float64) float64 {
			if v*beta > threshold {
				return v
			}
			return softplus(v*beta) / beta
		}
	},
	"Clamp": func(p [2]float64) func(float64) float64 {
		lo, hi := p[0], p[1]
		return func(v float64) float64 {
			if v != v {
				return v
			}
			return math.Min(math.Max(v, lo), hi)
		}
	},
}

// unaryKernel returns the slice kernel of unary op name for T: eager's vector kernel when
// it has one, else a loop over f (float32 computed in float64 and rounded, as eager does).
func unaryKernel[T float](name string, f func(float64) float64) func(dst, src []T) {
	var k any
	var zero T
	v := unaryVec[name]
	switch any(zero).(type) {
	case float32:
		if v.f32 != nil {
			k = v.f32
		}
	default:
		if v.f64 != nil {
			k = v.f64
		}
	}
	if k != nil {
		return k.(func(dst, src []T))
	}
	return func(dst, src []T) {
		src = src[:len(dst)]
		for i, v := range src {
			dst[i] = T(f(float64(v)))
		}
	}
}

const (
	bAdd = iota + 1
	bSub
	bMul
	bDiv
	bPow
	bMax
	bMin
)

var binaryOps = map[string]int{"Add": bAdd, "Sub": bSub, "Mul": bMul, "Div": bDiv, "Pow": bPow, "Maximum": bMax, "Minimum": bMin,
	"AddInPlace": bAdd, "SubInPlace": bSub, "MulInPlace": bMul, "DivInPlace": bDiv}

var compareOps = map[string]int{"Eq": 1, "Ne": 2, "Lt": 3, "Le": 4, "Gt": 5, "Ge": 6}

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

func binaryFunc[T float](op int) func(a, b T) T {
	switch op {
	case bAdd:
		return func(a, b T) T { return a + b }
	case bSub:
		return func(a, b T) T { return a - b }
	case bMul:
		return func(a, b T) T { return a * b }
	case bDiv:
		return func(a, b T) T { return a / b }
	case bPow:
		return func(a, b T) T { return T(math.Pow(float64(a), float64(b))) }
	case bMax:
		return func(a, b T) T { return T(nanMax(float64(a), float64(b))) }
	case bMin:
		return func(a, b T) T { return T(nanMin(float64(a), float64(b))) }
	}
	return nil
}

func compareFunc[T float](op int) func(a, b T) bool {
	switch op {
	case 1:
		return func(a, b T) bool { return a == b }
	case 2:
		return func(a, b T) bool { return a != b }
	case 3:
		return func(a, b T) bool { return a < b }
	case 4:
		return func(a, b T) bool { return a <= b }
	case 5:
		return func(a, b T) bool { return a > b }
	}
	return func(a, b T) bool { return a >= b }
}

// Instruction executors.

// opnd is an operand resolved for one tile: a slice, or a scalar.
type opnd[T float] struct {
	v []T
	s T
}

func (o opnd[T]) at(i int) T {
	if o.v == nil {
		return o.s
	}
	return o.v[i]
}

// step is one compiled instruction.
type fstep[T float] func(w *worker[T], dst []T, a []opnd[T])

func compileInst[T float](in Inst, rowLen int) fstep[T] {
	if mk, ok := unaryOps[in.Op]; ok {
		k := unaryKernel[T](in.Op, mk(in.P))
		return func(_ *worker[T], dst []T, a []opnd[T]) {
			if a[0].v == nil {
				one := [1]T{a[0].s}
				k(one[:], one[:])
				fill(dst, one[0])
				return
			}
			k(dst, a[0].v[:len(dst)])
		}
	}
	if op, ok := binaryOps[in.Op]; ok {
		return binaryStep[T](op)
	}
	if op, ok := compareOps[in.Op]; ok {
		f := compareFunc[T](op)
		return func(_ *worker[T], dst []T, a []opnd[T]) {
			for i := range dst {
				if f(a[0].at(i), a[1].at(i)) {
					dst[i] = 1
				} else {
					dst[i] = 0
				}
			}
		}
	}
	switch in.Op {
	case "To", "Copy", "Clone":
		return func(_ *worker[T], dst []T, a []opnd[T]) {
			if a[0].v == nil {
				fill(dst, a[0].s)
				return
			}
			copy(dst, a[0].v)
		}
	case "Where":
		return func(_ *worker[T], dst []T, a []opnd[T]) {
			for i := range dst {
				if a[0].at(i) != 0 {
					dst[i] = a[1].at(i)
				} else {
					dst[i] = a[2].at(i)
				}
			}
		}
	case "AddcmulInPlace", "AddcdivInPlace":
		return addcStep[T](in.Op == "AddcdivInPlace", T(in.P[0]), in.P[1] != 0)
	case "AddScaledInPlace":
		alpha := T(in.P[0])
		return func(_ *worker[T], dst []T, a []opnd[T]) {
			if x, y := a[0].v, a[1].v; x != nil && y != nil {
				x, y = x[:len(dst)], y[:len(dst)]
				for i := range dst {
					dst[i] = x[i] + alpha*y[i] // eager's Axpy: no FMA
				}
				return
			}
			for i := range dst {
				dst[i] = a[0].at(i) + alpha*a[1].at(i)
			}
		}
	case "SumN":
		add := binaryFunc[T](bAdd)
		return func(_ *worker[T], dst []T, a []opnd[T]) {
			binaryApply(bAdd, add, dst, a[0], a[1])
			for k := 2; k < len(a); k++ {
				binaryApply(bAdd, add, dst, opnd[T]{v: dst}, a[k])
			}
		}
	case "Sum", "Amax", "Amin":
		// dst holds one value per row (compact); the operand is the rows' elements.
		op := in.Op
		return func(_ *worker[T], dst []T, a []opnd[T]) {
			src := a[0].v
			for r := range dst {
				if src == nil {
					row := make([]T, rowLen) // a broadcast scalar row (rare)
					fill(row, a[0].s)
					dst[r] = reduceRow(op, row)
				} else {
					dst[r] = reduceRow(op, src[r*rowLen:(r+1)*rowLen])
				}
			}
		}
	}
	panic("jit: internal error: no fused kernel for " + in.Op)
}

// addcStep computes x + value*a*b (or x + value*a/b) as eager does: on its dense fast path
// (value*a)*b and (value*a)/b, otherwise (a*b)*value and (a/b)*value.
func addcStep[T float](div bool, value T, dense bool) fstep[T] {
	return func(_ *worker[T], dst []T, o []opnd[T]) {
		x, a, b := o[0], o[1], o[2]
		if x.v != nil && a.v != nil && b.v != nil {
			n := len(dst)
			xv, av, bv := x.v[:n], a.v[:n], b.v[:n]
			switch {
			case dense && div:
				for i := range dst {
					dst[i] = xv[i] + value*av[i]/bv[i]
				}
			case dense:
				for i := range dst {
					dst[i] = xv[i] + value*av[i]*bv[i]
				}
			case div:
				for i := range dst {
					dst[i] = xv[i] + av[i]/bv[i]*value
				}
			default:
				for i := range dst {
					dst[i] = xv[i] + av[i]*bv[i]*value
				}
			}
			return
		}
		for i := range dst {
			var t T
			switch {
			case dense && div:
				t = value * a.at(i) / b.at(i)
			case dense:
				t = value * a.at(i) * b.at(i)
			case div:
				t = a.at(i) / b.at(i) * value
			default:
				t = a.at(i) * b.at(i) * value
			}
			dst[i] = x.at(i) + t
		}
	}
}

// reduceRow reduces one row as eager's reductions do: Sum with the same kernel (float64
// accumulation in a fixed lane order), Amax and Amin returning the first NaN.
func reduceRow[T float](op string, row []T) T {
	switch op {
	case "Sum":
		return kernels.Sum(row)
	}
	best := row[0]
	if best != best {
		return best
	}
	isMax := op == "Amax"
	for _, v := range row {
		if v != v {
			return v
		}
		if (isMax && v > best) || (!isMax && v < best) {
			best = v
		}
	}
	return best
}

func fill[T any](dst []T, v T) {
	for i := range dst {
		dst[i] = v
	}
}

// binaryStep returns the loop for a binary op (binaryApply).
func binaryStep[T float](op int) fstep[T] {
	f := binaryFunc[T](op)
	return func(_ *worker[T], dst []T, a []opnd[T]) { binaryApply(op, f, dst, a[0], a[1]) }
}

// binaryApply computes dst = x op y, f being binaryFunc(op). Add, Sub, Mul and Div use the
// kernels eager uses for contiguous operands (internal/kernels), so they get whatever
// vector code those have; a scalar on the left of a commutative op is moved to the right
// (IEEE addition and multiplication are commutative, bit for bit).
func binaryApply[T float](op int, f func(a, b T) T, dst []T, x, y opnd[T]) {
	switch {
	case x.v != nil && y.v != nil:
		switch op {
		case bAdd:
			kernels.Add(dst, x.v, y.v)
		case bSub:
			kernels.Sub(dst, x.v, y.v)
		case bMul:
			kernels.Mul(dst, x.v, y.v)
		case bDiv:
			kernels.Div(dst, x.v, y.v)
		default:
			xv, yv := x.v[:len(dst)], y.v[:len(dst)]
			for i := range dst {
				dst[i] = f(xv[i], yv[i])
			}
		}
	case x.v != nil:
		switch op {
		case bAdd:
			kernels.AddScalar(dst, x.v, y.s)
		case bSub:
			kernels.SubScalar(dst, x.v, y.s)
		case bMul:
			kernels.MulScalar(dst, x.v, y.s)
		case bDiv:
			kernels.DivScalar(dst, x.v, y.s)
		default:
			xv, s := x.v[:len(dst)], y.s
			for i := range dst {
				dst[i] = f(xv[i], s)
			}
		}
	case y.v != nil:
		switch op {
		case bAdd:
			kernels.AddScalar(dst, y.v, x.s)
		case bSub:
			kernels.ScalarSub(dst, x.s, y.v)
		case bMul:
			kernels.MulScalar(dst, y.v, x.s)
		case bDiv:
			kernels.ScalarDiv(dst, x.s, y.v)
		default:
			s, yv := x.s, y.v[:len(dst)]
			for i := range dst {
				dst[i] = f(s, yv[i])
			}
		}
	default:
		fill(dst, f(x.s, y.s))
	}
}

// worker holds one goroutine's scratch memory for running a program; workers are pooled
// per kernel and reused across calls.
type worker[T float] struct {
	bound  []boundInst[T] // streamProgram's instructions bound to this call's buffers
	slots  [][]T
	inBuf  [][]T // gathered element operands
	rowBuf [][]T // gathered row operands
	regs   [][]T
	ops    []opnd[T]
	rowOps []opnd[T]
	ins    []opnd[T]
	rowIns []opnd[T]
}

func init() {
	nativeKernels["Fused"] = func(p *plan, i int) kernel {
		if p.g.Nodes[i].Fused.T == eager.Float64 {
			return fusedKernel[float64](p, i)
		}
		return fusedKernel[float32](p, i)
	}
	nativeKernels["FusedOutput"] = func(p *plan, i int) kernel {
		return func(c *execCtx) *eager.Tensor { return c.vals[i] }
	}
}

// Instruction kinds of the executor.
const (
	instElem    = iota // elementwise over the tile's elements
	instRow            // elementwise over the tile's rows (one value per row), or a reduction
	instRowArgs        // elementwise over elements, reading row values: run row by row
)

// instCost estimates an instruction's cost per element, in units of one vector add, so
// that expensive programs are split across cores sooner.
func instCost(op string) int {
	switch op {
	case "Exp", "Log", "Log1p", "Tanh", "Sigmoid", "Erf", "GELU", "GELUTanh", "SiLU", "Sin", "Cos", "Pow", "Softplus":
		return 24
	case "Sqrt", "Rsqrt", "Div", "DivInPlace", "AddcdivInPlace", "Where", "Maximum", "Minimum", "LeakyReLU", "Clamp":
		return 4
	}
	return 1
}

// fusedKernel runs a program over its iteration shape, tile by tile (whole rows), in
// parallel over tiles with a fixed partition. Row values (reductions and what is computed
// from them) are held one per row, and elementwise instructions that read them run row by
// row with the row's value as a scalar operand.
func fusedKernel[T float](p *plan, i int) kernel {
	n := p.g.Nodes[i]
	prog := n.Fused
	outNodes := make([]int, len(prog.Outs))
	outNodes[0] = i
	for j, m := range p.g.Nodes {
		if m.Op == "FusedOutput" && m.Args[0] == i {
			outNodes[attrInt(m.Attrs, "index")] = j
		}
	}
	steps := make([]fstep[T], len(prog.Insts))
	var slowSteps []fstep[T] // addcmul/addcdiv on eager's slow path, for non-dense inputs
	kind := make([]int, len(prog.Insts))
	inElem := make([]bool, prog.NIn) // inputs read by element instructions
	inRow := make([]bool, prog.NIn)  // inputs read by row instructions
	cost := 0
	maxArgs := 0
	for k, in := range prog.Insts {
		steps[k] = compileInst[T](in, prog.RowLen)
		if (in.Op == "AddcmulInPlace" || in.Op == "AddcdivInPlace") && in.P[1] != 0 {
			if slowSteps == nil {
				slowSteps = make([]fstep[T], len(prog.Insts))
			}
			slowSteps[k] = addcStep[T](in.Op == "AddcdivInPlace", T(in.P[0]), false)
		}
		maxArgs = max(maxArgs, len(in.Args))
		switch {
		case prog.Regs[in.Dst].Row && !isReduction(in.Op):
			kind[k] = instRow
		case isReduction(in.Op):
			kind[k] = instRow
			cost++
		default:
			kind[k] = instElem
			for _, a := range in.Args {
				if a.Kind == OpReg && prog.Regs[a.Index].Row {
					kind[k] = instRowArgs
				}
			}
			cost += instCost(in.Op)
		}
		for _, a := range in.Args {
			if a.Kind != OpIn {
				continue
			}
			if kind[k] == instRow && !isReduction(in.Op) {
				inRow[a.Index] = true
			} else {
				inElem[a.Index] = true
			}
		}
	}
	total := numel(prog.Shape)
	rowLen := prog.RowLen
	tile := p.cfg.tile
	if !p.cfg.tileSet {
		tile = kernels.GrowTile(tile, total, (prog.NIn+prog.NSlots+len(prog.Outs))*int(unsafe.Sizeof(T(0))))
	}
	tileLen := rowLen * max(1, tile/rowLen)
	tiles := (total + tileLen - 1) / tileLen
	bufLen := min(tileLen, total)
	rowBufLen := max(1, bufLen/rowLen)
	grain := max(1, (1<<16)/(tileLen*max(1, cost)))
	rowShape := append([]int(nil), prog.Shape...)
	if rowLen > 1 {
		k := len(rowShape)
		for d, acc := k-1, 1; d >= 0 && acc < rowLen; d-- {
			acc *= rowShape[d]
			rowShape[d] = 1
		}
	}
	adam := matchAdam(prog)
	fast := newStreamProgram[T](prog, kind, inRow)
	var pool sync.Pool
	newWorker := func() *worker[T] {
		w := &worker[T]{slots: make([][]T, prog.NSlots), inBuf: make([][]T, prog.NIn), rowBuf: make([][]T, prog.NIn),
			regs: make([][]T, len(prog.Regs)), ops: make([]opnd[T], maxArgs), rowOps: make([]opnd[T], maxArgs),
			ins: make([]opnd[T], prog.NIn), rowIns: make([]opnd[T], prog.NIn)}
		for s := range w.slots {
			w.slots[s] = make([]T, bufLen)
		}
		return w
	}
	args := n.Args
	// A call's state comes from calls (a plan may run on many goroutines at once), with the
	// tile loop bound to it once, so that a call allocates nothing of its own.
	var calls sync.Pool
	newCall := func() *fusedCall[T] {
		fc := &fusedCall[T]{srcs: make([]source[T], prog.NIn), outs: make([]*eager.Tensor, len(prog.Outs)),
			direct: make([][]T, len(prog.Regs))}
		fc.tiles = func(lo, hi int) {
			srcs, rowSrcs, direct, extra, run := fc.srcs, fc.rowSrcs, fc.direct, fc.extra, fc.run
			w, _ := pool.Get().(*worker[T])
			if w == nil {
				w = newWorker()
			}
			defer pool.Put(w)
			for k := range srcs {
				if inElem[k] && srcs[k].mode == srcGather && w.inBuf[k] == nil {
					w.inBuf[k] = make([]T, bufLen)
				}
				if inRow[k] && rowSrcs[k].mode == srcGather && w.rowBuf[k] == nil {
					w.rowBuf[k] = make([]T, rowBufLen)
				}
			}
			if fast != nil && len(extra) == 0 && fast.bind(w, srcs, direct) {
				fast.run(w, lo, hi, tileLen, total)
				clear(w.bound) // keep no reference to this call's tensors in the pool
				return
			}
			for t := lo; t < hi; t++ {
				pos := t * tileLen
				m := min(tileLen, total-pos)
				nr, rpos := m/rowLen, pos/rowLen
				for r, s := range prog.Slots {
					switch {
					case s < 0:
						w.regs[r] = direct[r][pos : pos+m]
					case prog.Regs[r].Row:
						w.regs[r] = w.slots[s][:nr]
					default:
						w.regs[r] = w.slots[s][:m]
					}
				}
				for k := range srcs {
					if inElem[k] {
						w.ins[k] = srcs[k].operand(w.inBuf[k], pos, m)
					}
					if inRow[k] {
						w.rowIns[k] = rowSrcs[k].operand(w.rowBuf[k], rpos, nr)
					}
				}
				for k, in := range prog.Insts {
					ins := w.ins
					if kind[k] == instRow && !isReduction(in.Op) {
						ins = w.rowIns
					}
					ops := w.ops[:len(in.Args)]
					for j, a := range in.Args {
						switch a.Kind {
						case OpReg:
							ops[j] = opnd[T]{v: w.regs[a.Index]}
						case OpIn:
							ops[j] = ins[a.Index]
						default:
							ops[j] = opnd[T]{s: T(a.Imm)}
						}
					}
					dst := w.regs[in.Dst]
					if kind[k] != instRowArgs {
						run[k](w, dst, ops)
						continue
					}
					// Row by row, with each row value as a scalar operand.
					ro := w.rowOps[:len(in.Args)]
					for r := 0; r < nr; r++ {
						for j, a := range in.Args {
							o := ops[j]
							switch {
							case a.Kind == OpReg && prog.Regs[a.Index].Row:
								o = opnd[T]{s: o.v[r]}
							case o.v != nil:
								o.v = o.v[r*rowLen : (r+1)*rowLen]
							}
							ro[j] = o
						}
						run[k](w, dst[r*rowLen:(r+1)*rowLen], ro)
					}
				}
				for _, ro := range extra {
					reg := w.regs[ro.reg]
					if ro.row {
						for r := 0; r < nr; r++ {
							if ro.b != nil {
								ro.b[rpos+r] = reg[r] != 0
							} else {
								ro.t[rpos+r] = reg[r]
							}
						}
						continue
					}
					for j := 0; j < m; j++ {
						if ro.b != nil {
							ro.b[pos+j] = reg[j] != 0
						} else {
							ro.t[pos+j] = reg[j]
						}
					}
				}
			}
		}
		return fc
	}
	return func(c *execCtx) *eager.Tensor {
		fc, _ := calls.Get().(*fusedCall[T])
		if fc == nil {
			fc = newCall()
		}
		defer func() {
			fc.reset()
			calls.Put(fc)
		}()
		srcs := fc.srcs
		for k, a := range args {
			if inElem[k] {
				srcs[k] = newSource[T](c.vals[a], prog.Shape)
			}
			if inRow[k] {
				if fc.rowSrcs == nil {
					fc.rowSrcs = make([]source[T], prog.NIn)
				}
				fc.rowSrcs[k] = newSource[T](c.vals[a], rowShape)
			}
		}
		fc.run = steps
		for k, st := range slowSteps {
			if st == nil {
				continue
			}
			for _, a := range prog.Insts[k].Args {
				if a.Kind == OpIn && srcs[a.Index].mode == srcGather {
					if &fc.run[0] == &steps[0] {
						fc.run = append([]fstep[T](nil), steps...)
					}
					fc.run[k] = st
				}
			}
		}
		outs, direct := fc.outs, fc.direct
		for k, o := range prog.Outs {
			t := c.outputFor(p, outNodes[k], true) // every tile writes its part of every output
			outs[k] = t
			if prog.Slots[o.Reg] < 0 {
				d, off := eager.StorageData[T](t)
				direct[o.Reg] = d[off : off+total]
				continue
			}
			ro := fusedRowOut[T]{reg: o.Reg, row: prog.Regs[o.Reg].Row}
			if o.DType == eager.Bool {
				d, off := eager.StorageData[bool](t)
				ro.b = d[off : off+t.Numel()]
			} else {
				d, off := eager.StorageData[T](t)
				ro.t = d[off : off+t.Numel()]
			}
			fc.extra = append(fc.extra, ro)
		}
		if adam != nil && len(fc.extra) == 0 && runAdam(adam, srcs, direct) {
			for k := 1; k < len(outs); k++ {
				c.vals[outNodes[k]] = outs[k]
			}
			return outs[0]
		}
		if tiles == 1 {
			fc.tiles(0, 1)
		} else {
			parallel.For(tiles, grain, fc.tiles)
		}
		for k := 1; k < len(outs); k++ {
			c.vals[outNodes[k]] = outs[k]
		}
		return outs[0]
	}
}

// fusedCall is one call's state of a fused kernel, kept for the next call.
type fusedCall[T float] struct {
	srcs, rowSrcs []source[T]
	outs          []*eager.Tensor
	direct        [][]T // output buffers of registers with Slots -1
	extra         []fusedRowOut[T]
	run           []fstep[T]
	tiles         func(lo, hi int) // runs tiles [lo, hi) of this call
}

// fusedRowOut is an output of a fused kernel written from its register after each tile.
type fusedRowOut[T float] struct {
	reg int
	t   []T
	b   []bool
	row bool
}

// reset drops the call's references to tensors and buffers, so that a pooled call keeps
// nothing alive.
func (fc *fusedCall[T]) reset() {
	clear(fc.srcs)
	clear(fc.rowSrcs)
	clear(fc.outs)
	clear(fc.direct)
	clear(fc.extra)
	fc.extra = fc.extra[:0]
	fc.run = nil
}

// streamProgram runs the common kind of fused program, elementwise Add, Sub, Mul, Div and
// unary ops over contiguous inputs, with a tile loop that does nothing between kernels
// but slice its operands: the instructions are bound to their buffers once per call
// (bind), and each tile calls the same kernels as the general loop (binaryApply, the
// unary slice kernel). In a loop over memory the general loop's bookkeeping between
// kernels (registers and operands written out per tile and per instruction) cost 50% over
// the same kernel calls written out by hand (relu(x*w+b)*0.5+x on 4M float32 at
// 2048-element tiles, one core: 3.6 ms against 2.4 ms; this loop: 2.7 ms), although the
// same loop is nearly free when the data is in cache: what in it stalls on memory (the
// stores, most likely, behind the previous kernel's stores to the output) is not pinned
// down.
type streamProgram[T float] struct {
	prog *Program
	// ops holds each instruction's operation, resolved when the kernel is built: resolved at
	// every call (by name, building closures), it took a fifth of a tiny program's call.
	ops []streamOp[T]
}

// streamOp is an instruction's operation: a binary op code and element function, or a unary
// op's slice kernel.
type streamOp[T float] struct {
	op    int
	f     func(a, b T) T
	unary func(dst, src []T)
}

// boundArg is an operand bound to a buffer: base[pos:pos+m] for tile [pos, pos+m) when it
// moves with the tile (inputs, outputs), base[:m] otherwise (scratch slots), or a scalar.
type boundArg[T float] struct {
	base   []T
	moving bool
	scalar bool
	s      T
}

func (a *boundArg[T]) at(pos, m int) []T {
	if a.moving {
		return a.base[pos : pos+m]
	}
	return a.base[:m]
}

func (a *boundArg[T]) opnd(pos, m int) opnd[T] {
	if a.scalar {
		return opnd[T]{s: a.s}
	}
	return opnd[T]{v: a.at(pos, m)}
}

// boundInst is one instruction bound to its buffers.
type boundInst[T float] struct {
	op     int                // bAdd..bDiv, or 0 for a unary op
	f      func(a, b T) T     // binaryFunc(op)
	unary  func(dst, src []T) // the unary op's slice kernel
	dst, x boundArg[T]
	y      boundArg[T]
}

// newStreamProgram returns a streamProgram for prog, or nil when it has instructions of
// other kinds (row values, comparisons, Where, in-place optimizer updates, ...).
func newStreamProgram[T float](prog *Program, kind []int, inRow []bool) *streamProgram[T] {
	for _, r := range inRow {
		if r {
			return nil
		}
	}
	for k, in := range prog.Insts {
		if kind[k] != instElem {
			return nil
		}
		if op, ok := binaryOps[in.Op]; ok && op <= bDiv && len(in.Args) == 2 {
			continue
		}
		if _, ok := unaryOps[in.Op]; ok && len(in.Args) == 1 && in.Args[0].Kind != OpImm {
			continue
		}
		return nil
	}
	sp := &streamProgram[T]{prog: prog, ops: make([]streamOp[T], len(prog.Insts))}
	for k, in := range prog.Insts {
		if op, isBin := binaryOps[in.Op]; isBin {
			sp.ops[k] = streamOp[T]{op: op, f: binaryFunc[T](op)}
		} else {
			sp.ops[k] = streamOp[T]{unary: unaryKernel[T](in.Op, unaryOps[in.Op](in.P))}
		}
	}
	return sp
}

// bind binds the program's instructions to this call's inputs and outputs and w's
// scratch slots, in w.bound; it reports false when an input needs a gather (or a unary
// op reads a one-element input), which the general loop handles.
func (sp *streamProgram[T]) bind(w *worker[T], srcs []source[T], direct [][]T) bool {
	prog := sp.prog
	reg := func(r int) boundArg[T] {
		if s := prog.Slots[r]; s >= 0 {
			return boundArg[T]{base: w.slots[s]}
		}
		return boundArg[T]{base: direct[r], moving: true}
	}
	arg := func(a Operand) (boundArg[T], bool) {
		switch a.Kind {
		case OpReg:
			return reg(a.Index), true
		case OpIn:
			switch src := &srcs[a.Index]; src.mode {
			case srcDirect:
				return boundArg[T]{base: src.data, moving: true}, true
			case srcScalar:
				return boundArg[T]{scalar: true, s: src.scalar}, true
			}
			return boundArg[T]{}, false
		}
		return boundArg[T]{scalar: true, s: T(a.Imm)}, true
	}
	w.bound = w.bound[:0]
	for k, in := range prog.Insts {
		o := &sp.ops[k]
		b := boundInst[T]{dst: reg(in.Dst), op: o.op, f: o.f, unary: o.unary}
		var ok bool
		if b.x, ok = arg(in.Args[0]); !ok {
			return false
		}
		if o.unary == nil {
			if b.y, ok = arg(in.Args[1]); !ok {
				return false
			}
		} else if b.x.scalar {
			return false
		}
		w.bound = append(w.bound, b)
	}
	return true
}

// run computes tiles [lo, hi) with the instructions bind bound.
func (sp *streamProgram[T]) run(w *worker[T], lo, hi, tileLen, total int) {
	insts := w.bound
	for t := lo; t < hi; t++ {
		pos := t * tileLen
		m := min(tileLen, total-pos)
		for i := range insts {
			in := &insts[i]
			dst := in.dst.at(pos, m)
			if in.op == 0 {
				in.unary(dst, in.x.at(pos, m))
				continue
			}
			binaryApply(in.op, in.f, dst, in.x.opnd(pos, m), in.y.opnd(pos, m))
		}
	}
}
