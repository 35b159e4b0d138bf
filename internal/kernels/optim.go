package kernels

import (
	"math"
	"unsafe"

	"github.com/eagerml/eager/internal/parallel"
)

// AdamCoefficients are the scalars of one Adam step, already in the element type's precision
// (each is the value the separate tensor ops would round their scalar argument to).
type AdamCoefficients[T Float] struct {
	Beta1, OneMinusBeta1 T // m = m*Beta1 + OneMinusBeta1*d
	Beta2, OneMinusBeta2 T // v = v*Beta2 + (OneMinusBeta2*d)*d
	BiasCorrection2Sqrt  T // denominator sqrt(v)/BiasCorrection2Sqrt + Eps
	Eps                  T
	NegStepSize          T // p = p + (NegStepSize*m)/denominator
}

// Adam applies one Adam update in a single pass over p, m, v and the gradient d:
//
//	m[i] = m[i]*Beta1 + OneMinusBeta1*d[i]
//	v[i] = v[i]*Beta2 + (OneMinusBeta2*d[i])*d[i]
//	p[i] = p[i] + (NegStepSize*m[i]) / (sqrt(v[i])/BiasCorrection2Sqrt + Eps)
//
// with every operation rounded separately in exactly this order, which is the order of the
// tensor ops optim.Adam runs otherwise (MulScalar, AddScaled, Addcmul, Sqrt, DivScalar,
// AddScalar, Addcdiv), so both give the same bits. Elements are independent, so the split
// across cores does not change any result.
func Adam[T Float](p, m, v, d []T, c AdamCoefficients[T]) {
	n := len(p)
	m, v, d = m[:n], v[:n], d[:n]
	if unsafe.Sizeof(T(0)) == 4 {
		cf := AdamCoefficients[float32]{float32(c.Beta1), float32(c.OneMinusBeta1), float32(c.Beta2),
			float32(c.OneMinusBeta2), float32(c.BiasCorrection2Sqrt), float32(c.Eps), float32(c.NegStepSize)}
		pf, mf, vf, df := asF32(p), asF32(m), asF32(v), asF32(d)
		if n < splitLen/4 {
			adamF32(pf, mf, vf, df, &cf)
			return
		}
		parallel.For(n, splitLen/8, func(lo, hi int) { adamF32(pf[lo:hi], mf[lo:hi], vf[lo:hi], df[lo:hi], &cf) })
		return
	}
	adamGo(p, m, v, d, &c)
}

func adamGo[T Float](p, m, v, d []T, c *AdamCoefficients[T]) {
	n := len(p)
	m, v, d = m[:n], v[:n], d[:n]
	for i := range p {
		mi := T(m[i]*c.Beta1) + T(c.OneMinusBeta1*d[i])
		vi := T(v[i]*c.Beta2) + T(T(c.OneMinusBeta2*d[i])*d[i])
		m[i], v[i] = mi, vi
		den := T(T(math.Sqrt(float64(vi)))/c.BiasCorrection2Sqrt) + c.Eps
		p[i] += T(c.NegStepSize*mi) / den
	}
}
