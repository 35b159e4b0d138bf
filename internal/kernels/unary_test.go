package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sqrtSpecials are the inputs where a square root is most likely to go wrong.
var sqrtSpecials = []float32{
	0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	-1, -1e-45, 1e-45, 2e-45, 1.1754942e-38, 1.17549435e-38, math.MaxFloat32, -math.MaxFloat32,
	1, 2, 4, 0.25, 3, 1e-30, 1e30, 16777215, 16777217,
}

// TestSqrtF32 checks every Sqrt variant (AVX2, AVX-512, the streaming wrapper) against the
// float64 Go loop bit for bit: special values at every vector position, random values over
// every tail length at several offsets, and bit patterns over the whole range.
func TestSqrtF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	check := func(t *testing.T, name string, fn func(dst, src []float32), src []float32, off int) {
		t.Helper()
		dst, guards := ewBuf(rng, len(src), off)
		fn(dst, src)
		guards(t, name)
		want := make([]float32, len(src))
		sqrtGo(want, src)
		for i := range want {
			if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s n=%d off=%d: sqrt(%v) = %v (%#x), want %v (%#x)", name, len(src), off,
					src[i], dst[i], math.Float32bits(dst[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
	var wide []float32
	for b := uint64(0); b < 1<<32; b += 9973 {
		wide = append(wide, math.Float32frombits(uint32(b)))
	}
	for _, v := range mathVariants() {
		t.Run(v.name, func(t *testing.T) {
			for n := 1; n <= 40; n++ {
				src := make([]float32, n)
				for i := range src {
					src[i] = sqrtSpecials[(i+n)%len(sqrtSpecials)]
				}
				check(t, v.name, v.sqrt, src, n%4)
			}
			for _, n := range ewSizes {
				for off := 0; off < 3; off++ {
					src, _ := ewBuf(rng, n, off)
					for i := range src {
						src[i] = float32(math.Abs(float64(src[i]))) * 10
					}
					check(t, v.name, v.sqrt, src, (off+1)%4)
				}
			}
			check(t, v.name, v.sqrt, wide, 1)
		})
	}
	// Through the exported entry point, split across cores and streaming for long slices.
	for _, n := range []int{splitLen + 5, streamMin + 77} {
		src, _ := ewBuf(rng, n, 3)
		for i := range src {
			src[i] = float32(math.Abs(float64(src[i])))
		}
		src[0], src[n-1] = -1, float32(math.Inf(1))
		check(t, "Sqrt", Sqrt[float32], src, 1)
	}
}

// The streaming unary kernels (non-temporal stores, for outputs of streamMin elements and
// more) must give the same bits as the ordinary kernels, for any alignment of dst and any
// length, and the exported entry points that pick them too.
func TestStreamingUnaryKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	n := streamMin + 1000
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(rng.NormFloat64() * 4)
	}
	for _, k := range []struct {
		name         string
		stream, loop func(dst, src []float32)
		exported     func(dst, src []float32)
	}{
		{"exp", expStreamF32, expF32, ExpF32}, {"tanh", tanhStreamF32, tanhF32, TanhF32},
		{"sigmoid", sigmoidStreamF32, sigmoidF32, SigmoidF32}, {"sqrt", sqrtStreamF32, sqrtF32, Sqrt[float32]},
	} {
		for _, c := range []struct{ off, n int }{{0, 0}, {0, 127}, {1, 128}, {3, 1000}, {5, 4133}, {16, 4096}, {0, streamMin}, {7, streamMin + 9}} {
			got, want := make([]float32, c.n+24), make([]float32, c.n+24)
			k.stream(got[c.off:c.off+c.n], src[:c.n])
			k.loop(want[c.off:c.off+c.n], src[:c.n])
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s offset %d length %d: element %d is %v, want %v", k.name, c.off, c.n, i, got[i], want[i])
				}
			}
		}
		got, want := make([]float32, n), make([]float32, n)
		k.exported(got, src)
		k.loop(want, src)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s exported, length %d: element %d is %v, want %v", k.name, n, i, got[i], want[i])
			}
		}
	}
}
