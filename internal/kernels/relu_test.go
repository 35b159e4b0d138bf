package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ReLU (assembly where available) equals the Go loop bit for bit, over sizes and offsets,
// on values that include NaN payloads, signed zeros, infinities and denormals, without
// writing past dst.
func TestReLUMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	special := []float64{math.NaN(), -math.NaN(), math.Float64frombits(0xfff0000000000123), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1),
		1e-40, -1e-40, 5e-324, -5e-324, 1, -1, 3.5, -2.25}
	t.Run("float32", func(t *testing.T) { checkReLU[float32](t, r, special) })
	t.Run("float64", func(t *testing.T) { checkReLU[float64](t, r, special) })
}

func checkReLU[T Float](t *testing.T, r *rand.Rand, special []float64) {
	bits := func(v T) uint64 {
		if f, ok := any(v).(float32); ok {
			return uint64(math.Float32bits(f))
		}
		return math.Float64bits(float64(any(v).(float64)))
	}
	const guard = 1234.5
	for n := 0; n < 80; n++ {
		for off := 0; off < 4; off++ {
			src := make([]T, n+off)
			for i := range src {
				if r.IntN(3) == 0 {
					src[i] = T(special[r.IntN(len(special))])
				} else {
					src[i] = T(r.NormFloat64())
				}
			}
			src = src[off:]
			got := make([]T, n+off+8)
			for i := range got {
				got[i] = guard
			}
			want := make([]T, n)
			ReLU(got[off:off+n], src)
			reluGo(want, src)
			for i := range want {
				if bits(got[off+i]) != bits(want[i]) {
					t.Fatalf("n=%d off=%d at %d: ReLU(%v) = %v, want %v", n, off, i, src[i], got[off+i], want[i])
				}
			}
			for i := range got {
				if (i < off || i >= off+n) && got[i] != guard {
					t.Fatalf("n=%d off=%d: wrote outside dst at %d", n, off, i)
				}
			}
			// in place
			cp := append([]T(nil), src...)
			ReLU(cp, cp)
			for i := range want {
				if bits(cp[i]) != bits(want[i]) {
					t.Fatalf("in place n=%d at %d: got %v, want %v", n, i, cp[i], want[i])
				}
			}
		}
	}
}
