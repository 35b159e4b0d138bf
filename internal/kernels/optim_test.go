package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// adamBySteps is the Adam update as the separate kernels the tensor ops run.
func adamBySteps(p, m, v, d []float32, c AdamCoefficients[float32]) {
	n := len(p)
	MulScalar(m, m, c.Beta1)
	axpyGo(m, c.OneMinusBeta1, d)
	MulScalar(v, v, c.Beta2)
	Addcmul(v, c.OneMinusBeta2, d, d)
	den := make([]float32, n)
	Sqrt(den, v)
	DivScalar(den, den, c.BiasCorrection2Sqrt)
	AddScalar(den, den, c.Eps)
	Addcdiv(p, c.NegStepSize, m, den)
}

// TestAdamMatchesSeparateOps checks the fused update (assembly where built, and its Go twin)
// bit for bit against the sequence of separate kernels, over sizes covering every tail, long
// enough to be split across cores, and at unaligned offsets.
func TestAdamMatchesSeparateOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := AdamCoefficients[float32]{0.9, float32(1 - 0.9), 0.999, float32(1 - 0.999),
		float32(math.Sqrt(1 - math.Pow(0.999, 3))), 1e-8, float32(-1e-3 / (1 - math.Pow(0.9, 3)))}
	sizes := append(append([]int{}, ewSizes...), splitLen/4+13, splitLen+5)
	for _, n := range sizes {
		for off := 0; off < 2; off++ {
			mk := func(scale float64, pos bool) []float32 {
				s := make([]float32, n+off)[off:]
				for i := range s {
					x := rng.NormFloat64() * scale
					if pos {
						x = math.Abs(x)
					}
					s[i] = float32(x)
				}
				return s
			}
			p, m, v, d := mk(1, false), mk(0.1, false), mk(0.01, true), mk(1, false)
			p2, m2, v2 := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
			p3, m3, v3 := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
			Adam(p, m, v, d, c)
			adamBySteps(p2, m2, v2, d, c)
			adamGo(p3, m3, v3, d, &c)
			for i := range p {
				for _, got := range [][3]float32{{p[i], m[i], v[i]}, {p3[i], m3[i], v3[i]}} {
					if !sameBits(got[0], p2[i]) || !sameBits(got[1], m2[i]) || !sameBits(got[2], v2[i]) {
						t.Fatalf("n=%d off=%d [%d]: fused p,m,v = %v, separate %v %v %v", n, off, i, got, p2[i], m2[i], v2[i])
					}
				}
			}
		}
	}
}

func BenchmarkAdam(b *testing.B) {
	const n = 784 * 256
	p, m, v, d := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range d {
		d[i] = float32(i%17) * 0.01
	}
	c := AdamCoefficients[float32]{0.9, 0.1, 0.999, 0.001, 0.5, 1e-8, -1e-3}
	b.Run("fused", func(b *testing.B) {
		b.SetBytes(n * 4 * 7)
		for b.Loop() {
			Adam(p, m, v, d, c)
		}
	})
	b.Run("separate", func(b *testing.B) {
		b.SetBytes(n * 4 * 7)
		for b.Loop() {
			adamBySteps(p, m, v, d, c)
		}
	})
}
