package eager

import "math"

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
	out := newTensor(x.dtype, c.shape)
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
			return []*Tensor{y.Mul(g.Sub(g.Mul(y).SumKeepDim(d)))}
		}, x)
		n.save(y)
	}
	if slowPath.Load() != 0 {
		notifyTimed(op, t0, out, []Attr{{"dim", d}}, x)
	}
	return out
}

func softmaxRows[T float32 | float64](dst, src []T, inner int, logOut bool) {
	if inner == 0 {
		return
	}
	for i := 0; i+inner <= len(src); i += inner {
		row, o := src[i:i+inner], dst[i:i+inner]
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
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		if logOut {
			ls := math.Log(s) + m
			for j, v := range row {
				o[j] = T(float64(v) - ls)
			}
		} else {
			inv := 1 / s
			for j, v := range row {
				o[j] = T(math.Exp(float64(v)-m) * inv)
			}
		}
	}
}
