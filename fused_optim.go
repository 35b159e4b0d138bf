package eager

import "github.com/eagerml/eager/internal/kernels"

// AdamScalars are the per-step scalars of FusedAdamStep.
type AdamScalars struct {
	Beta1, Beta2        float64
	BiasCorrection2Sqrt float64 // sqrt(1 - Beta2^step)
	Eps                 float64
	StepSize            float64 // lr / (1 - Beta1^step)
}

// FusedAdamStep applies one Adam update to the parameter p with moment buffers m and v and the
// gradient grad, in one pass over memory:
//
//	m = m*Beta1 + (1-Beta1)*grad
//	v = v*Beta2 + (1-Beta2)*grad*grad
//	p = p - StepSize * m / (sqrt(v)/BiasCorrection2Sqrt + Eps)
//
// with the same rounding, operation by operation, as the in-place tensor ops
// m.MulScalarInPlace(Beta1).AddScaledInPlace(grad, 1-Beta1),
// v.MulScalarInPlace(Beta2).AddcmulInPlace(grad, grad, 1-Beta2),
// p.AddcdivInPlace(m, v.Sqrt().DivScalarInPlace(BiasCorrection2Sqrt).AddScalarInPlace(Eps), -StepSize),
// so the results are bit-identical to running those. It reports false, changing nothing, when
// it does not apply: the four tensors are not contiguous tensors of one floating-point dtype
// and shape, or an observer is installed (jit tracing, profiling, anomaly detection), which
// must see the separate ops. Optimizers then run the separate ops.
func FusedAdamStep(p, m, v, grad *Tensor, s AdamScalars) bool {
	if slowPath.Load() != 0 || !p.sameDense(m) || !p.sameDense(v) || !p.sameDense(grad) {
		return false
	}
	p.checkInPlace("FusedAdamStep", "")
	m.checkInPlace("FusedAdamStep", "")
	v.checkInPlace("FusedAdamStep", "")
	switch p.dtype {
	case Float32:
		kernels.Adam(p.f32(), m.f32(), v.f32(), grad.f32(), kernels.AdamCoefficients[float32]{
			Beta1: float32(s.Beta1), OneMinusBeta1: float32(1 - s.Beta1),
			Beta2: float32(s.Beta2), OneMinusBeta2: float32(1 - s.Beta2),
			BiasCorrection2Sqrt: float32(s.BiasCorrection2Sqrt), Eps: float32(s.Eps), NegStepSize: float32(-s.StepSize),
		})
	case Float64:
		kernels.Adam(p.f64(), m.f64(), v.f64(), grad.f64(), kernels.AdamCoefficients[float64]{
			Beta1: s.Beta1, OneMinusBeta1: 1 - s.Beta1, Beta2: s.Beta2, OneMinusBeta2: 1 - s.Beta2,
			BiasCorrection2Sqrt: s.BiasCorrection2Sqrt, Eps: s.Eps, NegStepSize: -s.StepSize,
		})
	}
	p.st.bump()
	m.st.bump()
	v.st.bump()
	return true
}
