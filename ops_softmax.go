package eager

import (
	"math"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

var (
	opSoftmax    = defOp("Softmax", true)
	opLogSoftmax = defOp("LogSoftmax", true)
)

// Softmax returns exp(x)/sum(exp(x)) along dim, computed stably (the maximum is subtracted
// first, so logits in the hundreds are fine).
func (x *Tensor) Softmax(dim int) *Tensor { return x.softmax(opSoftmax, dim, false) }

// LogSoftmax returns log(Softmax(x)) along dim, computed stably as x - max - log(sum(exp(x - max))).
func (x *Tensor) LogSoftmax(dim int) *Tensor { return x.softmax(opLogSoftmax, dim, true) }

func (x *Tensor) softmax(op *OpInfo, dim int, logOut bool) *Tensor {
	t0 := opStart()
	if !x.dtype.IsFloat() {
		failf(op.Name, "needs a floating-point tensor, got %v (shape %v)", x.dtype, x.shape)
	}
	d := normDim(op.Name, dim, len(x.shape))
	if len(x.shape) == 0 {
		d = 0
	}
	// Move dim last, run over rows, move back.
	xt := x.Detach()
	if len(x.shape) > 0 {
		xt = xt.Transpose(d, -1)
	}
	c := xt.contig()
	out := newTensorUninit(x.dtype, c.shape)
	inner := 1
	if len(c.shape) > 0 {
		inner = c.shape[len(c.shape)-1]
	}
	switch x.dtype {
	case Float32:
		softmaxRows(out.f32(), c.f32(), inner, logOut)
	case Float64:
		softmaxRows(out.f64(), c.f64(), inner, logOut)
	}
	if len(x.shape) > 0 && d != len(x.shape)-1 {
		out = out.Transpose(d, -1).contig()
	}
	if needsGrad(x, nil) {
		y := out // not detached: double backward differentiates through the output's node
		n := record(op, out, func(g *Tensor) []*Tensor {
			if logOut { // g - exp(y) * sum(g)
				return []*Tensor{g.Sub(y.Exp().Mul(g.SumKeepDim(d)))}
			}
			// y * (g - sum(g*y))
			if gx := softmaxGrad(g, y, d); gx != nil {
				return []*Tensor{gx}
			}
			return []*Tensor{y.Mul(g.Sub(g.Mul(y).SumKeepDim(d)))}
		}, x)
		n.save(y)
	}
	if slowPath.Load() != 0 {
		notifyTimed(op, t0, out, []Attr{{"dim", d}}, x)
	}
	return out
}

// softmaxRowGrain is the number of elements below which softmax rows stay on one core.
const softmaxRowGrain = 1 << 14

// softmaxRows writes the softmax (or log-softmax) of each row of inner elements of src to
// dst. Each exponential is computed once, in float64, and kept in a float64 scratch row
// until the sum is known. Rows are independent, so they are split across cores.
func softmaxRows[T float32 | float64](dst, src []T, inner int, logOut bool) {
	if inner == 0 {
		return
	}
	rows := len(src) / inner
	parallel.For(rows, max(1, softmaxRowGrain/inner), func(lo, hi int) {
		if d32, ok := any(dst).([]float32); ok {
			if logOut {
				logSoftmaxRowsF32(d32[lo*inner:hi*inner], any(src).([]float32)[lo*inner:hi*inner], inner)
			} else {
				softmaxRowsF32(d32[lo*inner:hi*inner], any(src).([]float32)[lo*inner:hi*inner], inner)
			}
			return
		}
		var e []float64
		if !logOut {
			e = make([]float64, inner)
		}
		for r := lo; r < hi; r++ {
			softmaxRow(dst[r*inner:(r+1)*inner], src[r*inner:(r+1)*inner], e, logOut)
		}
	})
}

// softmaxRowF32 is softmaxRow for float32 with the exponentials computed in float32 by the
// vector kernel kernels.ExpF32 (within 2 ulp): exp(x - max) with the difference rounded to
// float32, as PyTorch computes it, summed in float64. Only eager's Softmax uses it (jit
// replays Softmax through eager), so eager and compiled code agree bit for bit.
func softmaxRowF32(o, row, t []float32) {
	t = t[:len(row)]
	if !softmaxExpF32(t, row) {
		softmaxRowF32NaN(o, row, t)
		return
	}
	var s float64
	for _, x := range t {
		s += float64(x)
	}
	kernels.ScaleF32(o, t, 1/s)
}

// softmaxRowsF32 is softmaxRowF32 on each row of inner values of x. Four rows go at a time,
// so that their sums, each still added in order, run as four independent chains.
func softmaxRowsF32(o, x []float32, inner int) {
	rows := len(x) / inner
	t := make([]float32, 4*inner)
	r := 0
	for ; r+4 <= rows; r += 4 {
		t0, t1, t2, t3 := t[:inner], t[inner:2*inner], t[2*inner:3*inner], t[3*inner:]
		if !softmaxExpF32(t0, x[r*inner:(r+1)*inner]) || !softmaxExpF32(t1, x[(r+1)*inner:(r+2)*inner]) ||
			!softmaxExpF32(t2, x[(r+2)*inner:(r+3)*inner]) || !softmaxExpF32(t3, x[(r+3)*inner:(r+4)*inner]) {
			for k := r; k < r+4; k++ {
				softmaxRowF32(o[k*inner:(k+1)*inner], x[k*inner:(k+1)*inner], t)
			}
			continue
		}
		s := sum4Rows(t, inner)
		kernels.ScaleF32(o[r*inner:(r+1)*inner], t0, 1/s[0])
		kernels.ScaleF32(o[(r+1)*inner:(r+2)*inner], t1, 1/s[1])
		kernels.ScaleF32(o[(r+2)*inner:(r+3)*inner], t2, 1/s[2])
		kernels.ScaleF32(o[(r+3)*inner:(r+4)*inner], t3, 1/s[3])
	}
	for ; r < rows; r++ {
		softmaxRowF32(o[r*inner:(r+1)*inner], x[r*inner:(r+1)*inner], t)
	}
}

// logSoftmaxRowsF32 is LogSoftmax over each row of inner values of x in float32: the
// exponentials exp(x - max) by the vector kernel as Softmax computes them (the difference
// rounded to float32, as PyTorch does), summed in float64, then x - (max + log(sum)) in
// float64 rounded once. A row holding a NaN takes the float64 scalar loop.
//
// Four rows are summed side by side (each in its own order, as one row alone), so that the
// float64 additions of one row do not wait on each other, as in softmaxRowsF32.
func logSoftmaxRowsF32(o, x []float32, inner int) {
	rows := len(x) / inner
	t := make([]float32, 4*inner)
	r := 0
	for ; r+4 <= rows; r += 4 {
		var ms [4]float32
		ok := true
		for k := range 4 {
			var okk bool
			ms[k], okk = softmaxMaxExpF32(t[k*inner:(k+1)*inner], x[(r+k)*inner:(r+k+1)*inner])
			ok = ok && okk
		}
		if !ok {
			for k := r; k < r+4; k++ {
				logSoftmaxRowF32(o[k*inner:(k+1)*inner], x[k*inner:(k+1)*inner], t[:inner])
			}
			continue
		}
		for k, s := range sum4Rows(t, inner) {
			logSoftmaxFinish(o[(r+k)*inner:(r+k+1)*inner], x[(r+k)*inner:(r+k+1)*inner], s, ms[k])
		}
	}
	for ; r < rows; r++ {
		logSoftmaxRowF32(o[r*inner:(r+1)*inner], x[r*inner:(r+1)*inner], t[:inner])
	}
}

// sum4Rows returns the float64 sums of the four rows of inner values in t, each added in
// order as a row alone would be, the four side by side so that one row's additions do not
// wait on each other.
func sum4Rows(t []float32, inner int) [4]float64 {
	t0, t1, t2, t3 := t[:inner], t[inner:2*inner], t[2*inner:3*inner], t[3*inner:4*inner]
	var s0, s1, s2, s3 float64
	for j, v := range t0 {
		s0 += float64(v)
		s1 += float64(t1[j])
		s2 += float64(t2[j])
		s3 += float64(t3[j])
	}
	return [4]float64{s0, s1, s2, s3}
}

// logSoftmaxRowF32 is logSoftmaxRowsF32 on one row, with t as scratch.
func logSoftmaxRowF32(out, row, t []float32) {
	m, ok := softmaxMaxExpF32(t, row)
	if !ok {
		softmaxRow(out, row, nil, true)
		return
	}
	var s float64
	for _, v := range t {
		s += float64(v)
	}
	logSoftmaxFinish(out, row, s, m)
}

// logSoftmaxFinish writes out = row - (m + log(s)) in float64, rounded once.
func logSoftmaxFinish(out, row []float32, s float64, m float32) {
	ls := math.Log(s) + float64(m)
	for j, v := range row {
		out[j] = float32(float64(v) - ls)
	}
}

// softmaxExpF32 sets t to exp(row - max(row)) (the maximum taken as 0 when it is -Inf), the
// difference rounded to float32, and reports true; for a row holding a NaN it does nothing
// and reports false. The maximum is the scalar loop's: the first of the largest values.
func softmaxExpF32(t, row []float32) bool {
	_, ok := softmaxMaxExpF32(t, row)
	return ok
}

// softmaxMaxExpF32 is softmaxExpF32 that also returns the maximum it subtracted.
func softmaxMaxExpF32(t, row []float32) (float32, bool) {
	m, hasNaN := kernels.MaxF32(row)
	if hasNaN {
		return 0, false
	}
	if m == 0 { // the first zero's sign, as the scalar loop keeps the first of equal values
		for _, v := range row {
			if v == 0 {
				m = v
				break
			}
		}
	}
	if math.IsInf(float64(m), -1) {
		m = 0
	}
	// row[j] - m is row[j] + (-m) bit for bit when m is not a NaN.
	kernels.SubScalar(t, row, m)
	kernels.ExpF32(t, t)
	return m, true
}

// softmaxRowF32NaN is softmaxRowF32 for a row holding a NaN, written as scalar loops so that
// the NaN that comes out is the one the loops give.
func softmaxRowF32NaN(o, row, t []float32) {
	m := math.Inf(-1)
	for _, v := range row {
		if f := float64(v); f > m || f != f {
			m = f
		}
	}
	mf := float32(m)
	t = t[:len(row)]
	for j, v := range row {
		t[j] = v - mf
	}
	kernels.ExpF32(t, t)
	var s float64
	for _, x := range t {
		s += float64(x)
	}
	inv := 1 / s
	for j, x := range t {
		o[j] = float32(float64(x) * inv)
	}
}

func softmaxRow[T float32 | float64](o, row []T, e []float64, logOut bool) {
	m := math.Inf(-1)
	for _, v := range row {
		if f := float64(v); f > m || f != f {
			m = f
		}
	}
	if math.IsInf(m, -1) {
		m = 0
	}
	var s float64
	if logOut {
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		ls := math.Log(s) + m
		for j, v := range row {
			o[j] = T(float64(v) - ls)
		}
		return
	}
	e = e[:len(row)]
	for j, v := range row {
		x := math.Exp(float64(v) - m)
		e[j] = x
		s += x
	}
	inv := 1 / s
	for j, x := range e {
		o[j] = T(x * inv)
	}
}

// softmaxGrad returns Softmax's input gradient y * (g - sum(g*y)) over the last dim computed
// in one pass per row, or nil when the composite tensor ops must run instead: while the
// backward is recorded (CreateGraph), while an observer or probe watches (the profiler and
// jit see the composite's ops), or for a layout it does not handle. It performs the
// composite's operations in the same order and precision (each product g*y rounded to the
// dtype, the row summed by kernels.Sum, the difference rounded, then multiplied), so the
// result is bit-identical to the composite.
func softmaxGrad(g, y *Tensor, d int) *Tensor {
	if IsGradEnabled() || slowPath.Load() != 0 || d != len(y.shape)-1 || !y.IsContiguous() ||
		!sameShape(g.shape, y.shape) || g.dtype != y.dtype || y.Numel() == 0 {
		return nil
	}
	gc := g.contig()
	out := newTensorUninit(y.dtype, y.shape)
	inner := y.shape[d]
	switch y.dtype {
	case Float32:
		softmaxGradRows(out.f32(), gc.f32(), y.f32(), inner)
	case Float64:
		softmaxGradRows(out.f64(), gc.f64(), y.f64(), inner)
	default:
		return nil
	}
	return out
}

func softmaxGradRows[T float32 | float64](dst, g, y []T, inner int) {
	rows := len(y) / inner
	parallel.For(rows, max(1, softmaxRowGrain/inner), func(lo, hi int) {
		if d32, ok := any(dst).([]float32); ok {
			g32, y32 := any(g).([]float32), any(y).([]float32)
			for r := lo; r < hi; r++ {
				kernels.SoftmaxGradRow(d32[r*inner:(r+1)*inner], g32[r*inner:(r+1)*inner], y32[r*inner:(r+1)*inner])
			}
			return
		}
		p := make([]T, inner)
		for r := lo; r < hi; r++ {
			gs, ys, ds := g[r*inner:(r+1)*inner], y[r*inner:(r+1)*inner], dst[r*inner:(r+1)*inner]
			kernels.Mul(p, gs, ys)
			s := kernels.Sum(p)
			for j, gv := range gs {
				ds[j] = ys[j] * (gv - s)
			}
		}
	})
}
