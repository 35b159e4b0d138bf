package nn

import (
	"fmt"
	"math"
)

// NamedNorm is the L2 norm of one parameter's gradient.
type NamedNorm struct {
	Name    string  // the parameter's dotted name, e.g. "3.weight"
	Norm    float64 // NaN or +Inf when the gradient holds NaN or Inf
	HasGrad bool    // false when the parameter has no gradient (Norm is then 0)
	Frozen  bool    // the parameter does not require grad
}

// GradNorms returns the L2 norm of each parameter's gradient, in NamedParameters order, for
// logging after Backward (and before the optimizer's ZeroGrad). Norms are accumulated in
// float64 with scaling, so that an exploding float32 gradient reports its true size rather
// than overflowing to Inf; only a gradient that holds Inf or NaN reports Inf or NaN.
func GradNorms(m Module) []NamedNorm {
	ps := m.NamedParameters()
	out := make([]NamedNorm, len(ps))
	for i, p := range ps {
		out[i] = NamedNorm{Name: p.Name, Frozen: !p.Tensor.RequiresGrad()}
		if g := p.Tensor.BorrowGrad(); g != nil {
			out[i].HasGrad = true
			out[i].Norm = l2(g.Detach().Float64s())
		}
	}
	return out
}

// l2 is the Euclidean norm with the scaling of LAPACK's dnrm2: no overflow or underflow in
// the intermediate sum of squares.
func l2(v []float64) float64 {
	scale, ssq := 0.0, 1.0
	for _, x := range v {
		if math.IsNaN(x) {
			return math.NaN()
		}
		if x == 0 {
			continue
		}
		a := math.Abs(x)
		if math.IsInf(a, 0) {
			return math.Inf(1)
		}
		if scale < a {
			ssq = 1 + ssq*(scale/a)*(scale/a)
			scale = a
		} else {
			ssq += (a / scale) * (a / scale)
		}
	}
	return scale * math.Sqrt(ssq)
}

// TotalGradNorm returns the L2 norm of all the gradients together, the quantity
// optim.ClipGradNorm clips.
func TotalGradNorm(norms []NamedNorm) float64 {
	var ns []float64
	for _, n := range norms {
		ns = append(ns, n.Norm)
	}
	return l2(ns)
}

// GradLimits are the thresholds CheckGradNorms uses; zero fields take the defaults.
type GradLimits struct {
	Vanish  float64 // a norm below this has vanished; default 1e-7
	Explode float64 // a norm above this has exploded; default 1e3
}

// GradProblem is one parameter whose gradient norm CheckGradNorms flagged.
type GradProblem struct {
	Name  string
	Norm  float64
	Kind  string  // "non-finite", "exploding", "vanishing" or "missing"
	Limit float64 // the threshold crossed, for "exploding" and "vanishing"
}

// String describes the problem for a log line, e.g.
// "1.weight: gradient exploding (norm 2.3e+04 > 1000)".
func (p GradProblem) String() string {
	switch p.Kind {
	case "missing":
		return p.Name + ": no gradient (the parameter did not take part in the loss, or its gradient was cleared)"
	case "non-finite":
		return fmt.Sprintf("%s: gradient non-finite (norm %v)", p.Name, p.Norm)
	}
	op := ">"
	if p.Kind == "vanishing" {
		op = "<"
	}
	return fmt.Sprintf("%s: gradient %s (norm %.3g %s %g)", p.Name, p.Kind, p.Norm, op, p.Limit)
}

// CheckGradNorms flags the parameters whose gradient is non-finite (NaN or Inf), exploding
// (norm above lim.Explode), vanishing (below lim.Vanish; an all-zero gradient too), or
// missing (no gradient although the parameter requires one). Frozen parameters are skipped.
func CheckGradNorms(norms []NamedNorm, lim GradLimits) []GradProblem {
	if lim.Vanish == 0 {
		lim.Vanish = 1e-7
	}
	if lim.Explode == 0 {
		lim.Explode = 1e3
	}
	var out []GradProblem
	for _, n := range norms {
		kind, limit := "", 0.0
		switch {
		case n.Frozen:
		case !n.HasGrad:
			kind = "missing"
		case math.IsNaN(n.Norm) || math.IsInf(n.Norm, 0):
			kind = "non-finite"
		case n.Norm > lim.Explode:
			kind, limit = "exploding", lim.Explode
		case n.Norm < lim.Vanish:
			kind, limit = "vanishing", lim.Vanish
		}
		if kind != "" {
			out = append(out, GradProblem{Name: n.Name, Norm: n.Norm, Kind: kind, Limit: limit})
		}
	}
	return out
}
