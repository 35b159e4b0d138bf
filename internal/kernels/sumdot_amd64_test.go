//go:build amd64 && !purego

package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumDotVariants checks every Sum and Dot kernel this CPU runs against the Go loops,
// float64 bit for bit, over every length of the 64-, 16- and 1-element loops at several
// offsets, on values spread over many magnitudes (so that any change in the lanes or their
// order of adds changes the rounding).
func TestSumDotVariants(t *testing.T) {
	type variant struct {
		name string
		sum  func([]float32) float64
		dot  func(a, b []float32) float64
	}
	vs := []variant{}
	if hasAVX2 {
		vs = append(vs, variant{"avx2", sumAVX2, dotAVX2})
	}
	if hasAVX512 {
		vs = append(vs, variant{"avx512", sumAVX512, dotAVX512})
	}
	rng := rand.New(rand.NewPCG(31, 32))
	buf := make([]float32, 5000)
	buf2 := make([]float32, 5000)
	for i := range buf {
		buf[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(60)-30)))
		buf2[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20)))
	}
	var sizes []int
	for n := 0; n <= 200; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 1023, 1024, 1025, 4099)
	for _, v := range vs {
		for _, n := range sizes {
			for off := 0; off < 4; off++ {
				a, b := buf[off:off+n], buf2[3-off:3-off+n]
				if got, want := v.sum(a), sumGo(a); math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("%s sum n=%d off=%d: %v, want %v", v.name, n, off, got, want)
				}
				if got, want := v.dot(a, b), dotGo(a, b); math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("%s dot n=%d off=%d: %v, want %v", v.name, n, off, got, want)
				}
			}
		}
		// Specials: infinities and NaN propagate as in the Go loop.
		inf := float32(math.Inf(1))
		for _, s := range [][]float32{{inf, 1, -inf}, {float32(math.NaN())}, {inf}, {-inf, math.MaxFloat32, math.MaxFloat32}} {
			x := make([]float32, 100)
			for i := range x {
				x[i] = s[i%len(s)]
			}
			got, want := v.sum(x), sumGo(x)
			if math.Float64bits(got) != math.Float64bits(want) && !(got != got && want != want) {
				t.Fatalf("%s sum of %v: %v, want %v", v.name, s, got, want)
			}
		}
	}
}
