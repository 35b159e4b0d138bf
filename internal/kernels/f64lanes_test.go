package kernels

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
)

// lanesFuncs are the four float64-lane functions: each one's kernel in a variant and its
// element function, the operation sequence the kernels must reproduce bit for bit.
var lanesFuncs = []struct {
	name   string
	kernel func(v lanesVariant) func(dst, src []float32)
	elem   func(float64) float64
}{
	{"erf", func(v lanesVariant) func(dst, src []float32) { return v.erf }, erf64},
	{"geluTanh", func(v lanesVariant) func(dst, src []float32) { return v.geluTanh }, geluTanh64},
	{"log", func(v lanesVariant) func(dst, src []float32) { return v.log }, log64},
	{"rsqrt", func(v lanesVariant) func(dst, src []float32) { return v.rsqrt }, func(x float64) float64 { return 1 / math.Sqrt(x) }},
}

// lanesSpecials are the inputs where the kernels take a different path or their pieces
// leave the normal range: NaN (both signs), ±Inf, ±0, subnormals, the smallest and largest
// normals, negative values (log and rsqrt), the bounds of erf's pieces (|x| = 0.5 at
// z = 0.35355338, 14.6 and 40 at z = 10.32 and 28.28), where erf's e^(-x²/2) is subnormal
// (z from 26.6 on), where GELU's w reaches its clamp at ±700 (|x| ≈ 21.4), and both sides of
// √2 and √½ for log's mantissa.
var lanesSpecials = []float32{
	0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.Float32frombits(0xffc00001), math.Float32frombits(0x7f800001), 1e-45, -1e-45, 3e-39, -3e-39,
	1.1754942e-38, -1.1754942e-38, 1.17549435e-38, -1.17549435e-38, math.MaxFloat32, -math.MaxFloat32,
	1, -1, 2, -2, 0.5, -0.5, 0.35355338, -0.35355338, 0.3535534, -0.3535534, 10.32, -10.32,
	26.6, -26.6, 27, -27.5, 28.28, -28.29, 30, -30, 21.39, -21.39, 21.5, -21.5, 1e5, -1e5,
	1e30, -1e30, 88.7, -88.7, 1.4142135, 1.4142137, 0.70710677, 0.7071068, 0.99999994, 1.0000001,
}

// TestF64LanesKernels checks every kernel of the float64-lane functions this CPU runs
// (AVX-512 and AVX2 where both exist) against the element function bit for bit (NaN for NaN):
// the special values at every vector position, random values at every length up to 40 and
// four offsets, with guards around dst, and bit patterns over the whole float32 range.
func TestF64LanesKernels(t *testing.T) {
	wide := mathInputs(testing.Short())
	for _, v := range lanesVariants() {
		for _, f := range lanesFuncs {
			t.Run(v.name+"/"+f.name, func(t *testing.T) {
				k := f.kernel(v)
				rng := rand.New(rand.NewPCG(31, 32))
				check := func(src []float32, off int) {
					t.Helper()
					dst, guards := ewBuf(rng, len(src), off)
					k(dst, src)
					guards(t, v.name+"/"+f.name)
					for i, x := range src {
						if w := float32(f.elem(float64(x))); !sameBits(dst[i], w) {
							t.Fatalf("n=%d off=%d: %s(%v) = %v (%#x), Go loop %v (%#x)", len(src), off, f.name, x,
								dst[i], math.Float32bits(dst[i]), w, math.Float32bits(w))
						}
					}
				}
				for n := 0; n <= 40; n++ {
					for off := 0; off < 4; off++ {
						src := make([]float32, n)
						for i := range src {
							src[i] = lanesSpecials[(i+n+off)%len(lanesSpecials)]
						}
						check(src, off)
						for i := range src {
							src[i] = float32(rng.NormFloat64() * 8)
							if f.name == "log" || f.name == "rsqrt" {
								src[i] = float32(rng.ExpFloat64() * math.Exp2(float64(rng.IntN(80)-40)))
							}
						}
						check(src, (off+1)%4)
					}
				}
				check(lanesSpecials, 1)
				check(wide, 3)
			})
		}
	}
}

// TestF64LanesEveryFloat32 checks every kernel this CPU runs on every float32 input against
// its Go loop bit for bit. It took nine minutes on a two-core Zen 3, where the four AVX2
// kernels passed; set F64LANES_EVERY_FLOAT32=1 to run it.
func TestF64LanesEveryFloat32(t *testing.T) {
	if os.Getenv("F64LANES_EVERY_FLOAT32") == "" {
		t.Skip("set F64LANES_EVERY_FLOAT32=1 to check every float32 input")
	}
	variants := lanesVariants()
	variants = variants[:len(variants)-1] // the Go loops are the reference
	const chunk = 1 << 22
	var mu sync.Mutex
	next := uint64(0)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			xs, got, want := make([]float32, chunk), make([]float32, chunk), make([]float32, chunk)
			for {
				mu.Lock()
				base := next
				next += chunk
				mu.Unlock()
				if base >= 1<<32 {
					return
				}
				for i := range xs {
					xs[i] = math.Float32frombits(uint32(base) + uint32(i))
				}
				for _, f := range lanesFuncs {
					f.kernel(lanesVariant{erf: erfGo, geluTanh: geluTanhGo, log: logGo, rsqrt: rsqrtGo})(want, xs)
					for _, v := range variants {
						f.kernel(v)(got, xs)
						for i := range got {
							if !sameBits(got[i], want[i]) {
								t.Errorf("%s/%s(%v (%#x)) = %v (%#x), Go loop %v (%#x)", v.name, f.name, xs[i], math.Float32bits(xs[i]),
									got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
								return
							}
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkF64Lanes times each variant of the four functions on one goroutine over 1M
// elements: erf and the tanh GELU on N(0, 3²) inputs, log and rsqrt on exponential ones.
// SetBytes counts the bytes read and written.
func BenchmarkF64Lanes(b *testing.B) {
	const n = 1 << 20
	r := rand.New(rand.NewPCG(1, 2))
	normal, positive, dst := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range normal {
		normal[i] = float32(r.NormFloat64() * 3)
		positive[i] = float32(r.ExpFloat64())
	}
	for _, f := range lanesFuncs {
		src := normal
		if f.name == "log" || f.name == "rsqrt" {
			src = positive
		}
		for _, v := range lanesVariants() {
			k := f.kernel(v)
			b.Run(f.name+"/"+v.name, func(b *testing.B) {
				b.SetBytes(8 * n)
				b.ReportAllocs()
				for b.Loop() {
					k(dst, src)
				}
			})
		}
	}
}
