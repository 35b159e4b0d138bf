package kernels

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
)

// geluRef is GELU in float64 through erfc, which keeps its relative accuracy for negative x
// (1 + erf(x/√2) cancels to 0 below about -8).
func geluRef(x float64) float64 { return 0.5 * x * math.Erfc(-x/math.Sqrt2) }

// geluInputs are mathInputs, every 97th float32 bit pattern (unless short; every 9973rd under
// the race detector), and a dense
// sweep of [-16, 8], where GELU is neither 0 nor x.
func geluInputs() []float32 {
	xs := mathInputs(testing.Short())
	if !testing.Short() {
		step := uint64(97)
		if raceEnabled {
			step = 9973
		}
		for b := uint64(0); b < 1<<32; b += step {
			xs = append(xs, math.Float32frombits(uint32(b)))
		}
	}
	for i := 0; i < 100000; i++ {
		xs = append(xs, float32(-16+24*float64(i)/100000))
	}
	// Around the zero of GELU' (x ≈ -0.7518) and the interval bounds of gelu32's tables.
	for _, c := range []float32{-0.7517915, -0.25, -0.5, -0.75, -1, -1.5, -2, -3, -7, -13, -15, 0.25, 1, 7, 15} {
		b := math.Float32bits(c)
		for d := uint32(0); d < 2000; d++ {
			xs = append(xs, math.Float32frombits(b-1000+d))
		}
	}
	return xs
}

// geluUlps returns got's distance in ulp from want, a float64 value, rounded to float32.
func geluUlps(got float32, want float64) int64 { return ulps(got, float32(want)) }

// TestGELUF32 checks GELUF32 against float64 math rounded to float32 (within 1 ulp, also
// where the result is subnormal), and every kernel this CPU runs (geluOnes) against the Go
// loop bit for bit, on the whole inputs and at every length up to 40 and offset, with guards.
func TestGELUF32(t *testing.T) {
	xs := geluInputs()
	got := make([]float32, len(xs))
	GELUF32(got, xs)
	worst, at := int64(0), 0
	for i, x := range xs {
		want := geluRef(float64(x))
		if math.IsInf(float64(x), -1) {
			want = math.NaN() // as 0.5·x·(1+erf(x/√2)) and PyTorch give
		}
		if d := geluUlps(got[i], want); d > worst {
			worst, at = d, i
		}
	}
	if worst > 1 {
		x := xs[at]
		t.Fatalf("GELUF32(%v) = %v, want %v: %d ulp", x, got[at], float32(geluRef(float64(x))), worst)
	}
	t.Logf("max error %d ulp at %v", worst, xs[at])

	want := make([]float32, len(xs))
	geluGo(want, xs)
	for _, k := range geluOnes() {
		t.Run(k.name, func(t *testing.T) {
			one := make([]float32, len(xs))
			k.fwd(one, xs)
			for i := range xs {
				if !sameOrNaN(one[i], want[i]) {
					t.Fatalf("%s(%v) = %v (%#x), Go loop %v (%#x)", k.name, xs[i], one[i], math.Float32bits(one[i]), want[i], math.Float32bits(want[i]))
				}
			}
			r := rand.New(rand.NewPCG(3, 4))
			for _, n := range geluLengths(r) {
				for off := 0; off < 3; off++ {
					src := make([]float32, off+n)
					for i := range src {
						src[i] = geluDraw(r, xs)
					}
					dst := guarded(off + n + 4)
					k.fwd(dst[off:off+n], src[off:])
					for i := 0; i < n; i++ {
						var w [1]float32
						geluGo(w[:], src[off+i:off+i+1])
						if !sameOrNaN(dst[off+i], w[0]) {
							t.Fatalf("n=%d off=%d: element %d (x=%v) = %v, want %v", n, off, i, src[off+i], dst[off+i], w[0])
						}
					}
					checkGuards(t, dst, off, n)
				}
			}
		})
	}
}

// geluOnes are the one-goroutine kernels that the tests compare with the Go loops bit for
// bit: geluF32 and geluGradF32 as dispatched, and every assembly kernel this CPU runs (on an
// AVX-512 CPU both the AVX-512 and the AVX2 ones).
func geluOnes() []geluKernel {
	return append([]geluKernel{{"dispatch", geluF32, geluGradF32}}, geluKernels()...)
}

// geluDraw returns an N(0, 4²) value or, half the time, one of xs.
func geluDraw(r *rand.Rand, xs []float32) float32 {
	if r.IntN(2) == 0 {
		return xs[r.IntN(len(xs))]
	}
	return float32(r.NormFloat64() * 4)
}

// geluSpecialG are gradient values for the bit-for-bit tests: infinite, NaN, zero, subnormal,
// tiny and huge.
var geluSpecialG = []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0,
	float32(math.Copysign(0, -1)), 1e-45, -1e-45, 1e-40, 1.1754942e-38, -1e-30, 1e30,
	math.MaxFloat32, -3e38, 1, -1.5}

// sameOrNaN reports whether a and b have the same bits or are both NaN.
func sameOrNaN(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// geluLengths are every length up to 40 and some random ones up to 1000.
func geluLengths(r *rand.Rand) []int {
	var ns []int
	for n := 0; n <= 40; n++ {
		ns = append(ns, n)
	}
	for range 20 {
		ns = append(ns, r.IntN(1000))
	}
	return ns
}

// guarded returns n values of 12345, a guard value.
func guarded(n int) []float32 {
	dst := make([]float32, n)
	for i := range dst {
		dst[i] = 12345
	}
	return dst
}

// checkGuards fails if a kernel wrote dst outside [off, off+n).
func checkGuards(t *testing.T, dst []float32, off, n int) {
	t.Helper()
	for i, v := range dst {
		if (i < off || i >= off+n) && v != 12345 {
			t.Fatalf("n=%d off=%d: wrote dst[%d]", n, off, i)
		}
	}
}

// BenchmarkGELUF32 times GELUF32 (all cores), its one-goroutine kernel (also on N(0, 1)
// inputs), the Go loop and the float64 erf formula on 1M elements of N(0, 2²) inputs.
func BenchmarkGELUF32(b *testing.B) {
	src := make([]float32, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range src {
		src[i] = float32(r.NormFloat64() * 2)
	}
	dst := make([]float32, len(src))
	b.Run("kernel", func(b *testing.B) {
		b.SetBytes(int64(8 * len(src)))
		for b.Loop() {
			GELUF32(dst, src)
		}
	})
	b.Run("one", func(b *testing.B) {
		b.SetBytes(int64(8 * len(src)))
		for b.Loop() {
			geluF32(dst, src)
		}
	})
	b.Run("one_sd1", func(b *testing.B) { // N(0, 1) inputs, as activations often are
		src1 := make([]float32, len(src))
		for i := range src1 {
			src1[i] = src[i] / 2
		}
		b.SetBytes(int64(8 * len(src)))
		for b.Loop() {
			geluF32(dst, src1)
		}
	})
	b.Run("go", func(b *testing.B) {
		b.SetBytes(int64(8 * len(src)))
		for b.Loop() {
			geluGo(dst, src)
		}
	})
	b.Run("erf", func(b *testing.B) {
		b.SetBytes(int64(8 * len(src)))
		for b.Loop() {
			for i, v := range src {
				x := float64(v)
				dst[i] = float32(0.5 * x * (1 + math.Erf(x/math.Sqrt2)))
			}
		}
	})
}

// BenchmarkGELUBackwardF32 times GELUBackwardF32 (all cores), its one-goroutine kernel (also
// on N(0, 1) inputs) and the Go loop on 1M elements of N(0, 2²) inputs.
func BenchmarkGELUBackwardF32(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, g := make([]float32, 1<<20), make([]float32, 1<<20)
	for i := range x {
		x[i], g[i] = float32(r.NormFloat64()*2), float32(r.NormFloat64())
	}
	dst := make([]float32, len(x))
	b.Run("kernel", func(b *testing.B) {
		b.SetBytes(int64(12 * len(x)))
		for b.Loop() {
			GELUBackwardF32(dst, g, x)
		}
	})
	b.Run("one", func(b *testing.B) {
		b.SetBytes(int64(12 * len(x)))
		for b.Loop() {
			geluGradF32(dst, g, x)
		}
	})
	b.Run("one_sd1", func(b *testing.B) { // N(0, 1) inputs, as activations often are
		x1 := make([]float32, len(x))
		for i := range x1 {
			x1[i] = x[i] / 2
		}
		b.SetBytes(int64(12 * len(x)))
		for b.Loop() {
			geluGradF32(dst, g, x1)
		}
	})
	b.Run("go", func(b *testing.B) {
		b.SetBytes(int64(12 * len(x)))
		for b.Loop() {
			geluGradGo(dst, g, x)
		}
	})
}

// geluGradRef is GELU'(x) in float64.
func geluGradRef(x float64) float64 {
	return 0.5*math.Erfc(-x/math.Sqrt2) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

// geluGradTol is GELUBackwardF32's bound in ulp: 2, and 4 around the zero of GELU'.
func geluGradTol(x float32) int64 {
	if x >= -1.04 && x <= -0.5 {
		return 4
	}
	return 2
}

// TestGELUBackwardF32 checks GELUBackwardF32 against float64 math (geluGradTol; 2 units of
// the subnormal spacing where the result is subnormal), and every kernel this CPU runs against
// the Go loop bit for bit, as TestGELUF32 does, also with infinite, NaN, zero, subnormal and
// huge g (geluSpecialG).
func TestGELUBackwardF32(t *testing.T) {
	xs := geluInputs()
	r := rand.New(rand.NewPCG(5, 6))
	g := make([]float32, len(xs))
	for i := range g {
		g[i] = float32(r.NormFloat64())
	}
	for _, gv := range []float32{math.MaxFloat32, -3e38, 1e-30, 1e-40} { // huge and tiny g
		for x := float32(-25); x < 25; x += 0.01 {
			xs, g = append(xs, x), append(g, gv)
		}
	}
	got := make([]float32, len(xs))
	GELUBackwardF32(got, g, xs)
	worst, at := int64(0), 0
	for i, x := range xs {
		want := float64(g[i]) * geluGradRef(float64(x))
		switch {
		case x != x || math.IsInf(float64(x), -1):
			want = math.NaN()
		case math.IsInf(float64(x), 1):
			want = float64(g[i])
		}
		tol := geluGradTol(x)
		if math.Abs(want) < 0x1p-126 {
			tol = 2
		}
		d := geluUlps(got[i], want)
		if d > tol {
			t.Fatalf("GELUBackwardF32(g=%v, x=%v) = %v, want %v: %d ulp", g[i], x, got[i], float32(want), d)
		}
		if d > worst && geluGradTol(x) == 2 {
			worst, at = d, i
		}
	}
	t.Logf("max error %d ulp at %v outside [-1.04, -0.5]", worst, xs[at])

	// Bit for bit: the g above, then g cycling through geluSpecialG.
	gs := make([]float32, len(xs))
	for i := range gs {
		gs[i] = geluSpecialG[i%len(geluSpecialG)]
	}
	want, want2 := make([]float32, len(xs)), make([]float32, len(xs))
	geluGradGo(want, g, xs)
	geluGradGo(want2, gs, xs)
	for _, k := range geluOnes() {
		t.Run(k.name, func(t *testing.T) {
			one := make([]float32, len(xs))
			for _, c := range []struct{ g, want []float32 }{{g, want}, {gs, want2}} {
				k.grad(one, c.g, xs)
				for i := range xs {
					if !sameOrNaN(one[i], c.want[i]) {
						t.Fatalf("%s(g=%v, x=%v) = %v (%#x), Go loop %v (%#x)", k.name, c.g[i], xs[i], one[i], math.Float32bits(one[i]), c.want[i], math.Float32bits(c.want[i]))
					}
				}
			}
			r := rand.New(rand.NewPCG(7, 8))
			for _, n := range geluLengths(r) {
				for off := 0; off < 3; off++ {
					gs, x := make([]float32, off+n), make([]float32, off+n)
					for i := range x {
						gs[i], x[i] = float32(r.NormFloat64()), geluDraw(r, xs)
						if r.IntN(4) == 0 {
							gs[i] = geluSpecialG[r.IntN(len(geluSpecialG))]
						}
					}
					dst := guarded(off + n + 4)
					k.grad(dst[off:off+n], gs[off:], x[off:])
					for i := 0; i < n; i++ {
						var w [1]float32
						geluGradGo(w[:], gs[off+i:off+i+1], x[off+i:off+i+1])
						if !sameOrNaN(dst[off+i], w[0]) {
							t.Fatalf("n=%d off=%d: element %d (g=%v, x=%v) = %v, want %v", n, off, i, gs[off+i], x[off+i], dst[off+i], w[0])
						}
					}
					checkGuards(t, dst, off, n)
				}
			}
		})
	}
}

// TestGELUEveryFloat32 checks GELUF32 and GELUBackwardF32 (g = 1, 1.37 and 1.9) on every
// float32 input against float64 math and logs the largest errors. It takes about a minute
// (15 on the 2-core Zen 3 VM); set GELU_EVERY_FLOAT32=1 to run it, or =bits to compare
// also GELUF32 and GELUBackwardF32 (g = 1.37) with the Go loops bit for bit (21 minutes on
// that VM).
func TestGELUEveryFloat32(t *testing.T) {
	mode := os.Getenv("GELU_EVERY_FLOAT32")
	if mode == "" {
		t.Skip("set GELU_EVERY_FLOAT32=1 to check every float32 input")
	}
	const chunk = 1 << 24
	xs, got, gs := make([]float32, chunk), make([]float32, chunk), make([]float32, chunk)
	want := make([]float32, chunk)
	// same compares got with the Go loop run on all cores (as go(lo, hi)) bit for bit.
	same := func(what string, goLoop func(lo, hi int)) {
		if mode != "bits" {
			return
		}
		var wg sync.WaitGroup
		n := runtime.GOMAXPROCS(0)
		for w := range n {
			wg.Go(func() { goLoop(chunk*w/n, chunk*(w+1)/n) })
		}
		wg.Wait()
		for i := range got {
			if !sameOrNaN(got[i], want[i]) {
				t.Fatalf("%s(%v) = %v (%#x), Go loop %v (%#x)", what, xs[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
	type stat struct {
		worst, worstSub, worstNear int64
		at                         float32
		over1                      int
	}
	var fwd stat
	var bwd [3]stat
	for base := uint64(0); base < 1<<32; base += chunk {
		for i := range xs {
			xs[i] = math.Float32frombits(uint32(base) + uint32(i))
		}
		GELUF32(got, xs)
		same("GELUF32", func(lo, hi int) { geluGo(want[lo:hi], xs[lo:hi]) })
		for i, x := range xs {
			if x != x || math.IsInf(float64(x), 0) {
				continue
			}
			want := geluRef(float64(x))
			d := geluUlps(got[i], want)
			switch {
			case math.Abs(want) < 0x1p-126:
				fwd.worstSub = max(fwd.worstSub, d)
			case d > fwd.worst:
				fwd.worst, fwd.at = d, x
			}
			if d > 0 && math.Abs(want) >= 0x1p-126 {
				fwd.over1++
			}
		}
		for k, gv := range []float32{1, 1.37, 1.9} {
			for i := range gs {
				gs[i] = gv
			}
			GELUBackwardF32(got, gs, xs)
			if gv == 1.37 {
				same("GELUBackwardF32", func(lo, hi int) { geluGradGo(want[lo:hi], gs[lo:hi], xs[lo:hi]) })
			}
			st := &bwd[k]
			for i, x := range xs {
				if x != x || math.IsInf(float64(x), 0) {
					continue
				}
				want := float64(gv) * geluGradRef(float64(x))
				d := geluUlps(got[i], want)
				switch {
				case math.Abs(want) < 0x1p-126:
					st.worstSub = max(st.worstSub, d)
				case geluGradTol(x) > 2:
					st.worstNear = max(st.worstNear, d)
				case d > st.worst:
					st.worst, st.at = d, x
				}
				if d > 1 && math.Abs(want) >= 0x1p-126 {
					st.over1++
				}
			}
		}
	}
	t.Logf("GELU: max %d ulp (at %v; %d inputs at 1 ulp) where the result is normal, %d where subnormal", fwd.worst, fwd.at, fwd.over1, fwd.worstSub)
	for k, gv := range []float32{1, 1.37, 1.9} {
		st := bwd[k]
		t.Logf("GELU' (g = %v): max %d ulp (at %v) outside [-1.04, -0.5], %d inside, %d where subnormal; %d inputs over 1 ulp", gv, st.worst, st.at, st.worstNear, st.worstSub, st.over1)
	}
	if fwd.worst > 1 || fwd.worstSub > 1 {
		t.Errorf("GELUF32 beyond 1 ulp")
	}
	for _, st := range bwd {
		if st.worst > 2 || st.worstNear > 4 || st.worstSub > 1 {
			t.Errorf("GELUBackwardF32 beyond its bounds")
		}
	}
}

// geluTanhRef is the tanh approximation of GELU in float64, as x/(1 + e^w).
func geluTanhRef(x float64) float64 {
	w := -2 * math.Sqrt(2/math.Pi) * x * (1 + 0.044715*x*x)
	return x / (1 + math.Exp(w))
}

// TestErfAndGELUTanhF32 checks ErfF32 against math.Erf and GELUTanhF32 against float64 math
// (within 1 ulp over the whole float32 range), and each one-goroutine kernel against its Go
// loop bit for bit at every length up to 40.
func TestErfAndGELUTanhF32(t *testing.T) {
	xs := mathInputs(testing.Short())
	for i := 0; i < 100000; i++ {
		xs = append(xs, float32(-16+24*float64(i)/100000))
	}
	for _, c := range []struct {
		name      string
		fn, one   func(dst, src []float32)
		ref, goFn func(float64) float64
		special   map[float32]float32
	}{
		{"Erf", ErfF32, erfF32, math.Erf, erf64, nil},
		{"GELUTanh", GELUTanhF32, geluTanhF32, geluTanhRef, geluTanh64,
			map[float32]float32{float32(math.Inf(-1)): float32(math.NaN()), float32(math.Inf(1)): float32(math.Inf(1))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := make([]float32, len(xs))
			c.fn(got, xs)
			worst, at := int64(0), 0
			for i, x := range xs {
				want, ok := c.special[x]
				if !ok {
					want = float32(c.ref(float64(x)))
				}
				if d := ulps(got[i], want); d > worst {
					worst, at = d, i
				}
			}
			if worst > 1 {
				t.Fatalf("%s(%v) = %v, want %v: %d ulp", c.name, xs[at], got[at], float32(c.ref(float64(xs[at]))), worst)
			}
			t.Logf("max error %d ulp at %v", worst, xs[at])
			one := make([]float32, len(xs))
			c.one(one, xs)
			for i, x := range xs {
				w := float32(c.goFn(float64(x)))
				if math.Float32bits(one[i]) != math.Float32bits(w) && !(one[i] != one[i] && w != w) {
					t.Fatalf("%s kernel(%v) = %v, Go loop %v", c.name, x, one[i], w)
				}
			}
			r := rand.New(rand.NewPCG(9, 10))
			for n := 0; n <= 40; n++ {
				src := make([]float32, n+1)
				for i := range src {
					src[i] = float32(r.NormFloat64() * 3)
				}
				dst := make([]float32, n+5)
				for i := range dst {
					dst[i] = 12345
				}
				c.one(dst[1:n+1], src[1:])
				for i := 0; i < n; i++ {
					if w := float32(c.goFn(float64(src[1+i]))); math.Float32bits(dst[1+i]) != math.Float32bits(w) {
						t.Fatalf("n=%d: element %d = %v, want %v", n, i, dst[1+i], w)
					}
				}
				if dst[0] != 12345 || dst[n+1] != 12345 {
					t.Fatalf("n=%d: wrote outside dst", n)
				}
			}
		})
	}
}

// TestGELUMixedLanes checks every kernel this CPU runs against the Go loops bit for bit on
// slices of |x| < 3 (where the AVX2 kernels take their fast paths) with one lane at a
// time, at every position of 40 elements (two 16-element iterations and an 8-element one),
// set to a value that needs a slow path (|x| ≥ 3 or above 13.2, Inf, NaN) or a special g.
func TestGELUMixedLanes(t *testing.T) {
	slow := []float32{3, -3, 2.9999998, -5, 7.5, -13.2, 13.3, -13.5, 14, -20, 1e10, float32(math.Inf(1)),
		float32(math.Inf(-1)), float32(math.NaN()), 0, float32(math.Copysign(0, -1)), 1e-40}
	r := rand.New(rand.NewPCG(9, 10))
	const n = 40
	x, g := make([]float32, n), make([]float32, n)
	got, want := make([]float32, n), make([]float32, n)
	for _, k := range geluOnes() {
		t.Run(k.name, func(t *testing.T) {
			for p := 0; p < n; p++ {
				for i, v := range append(slow, geluSpecialG...) {
					for j := range x {
						x[j], g[j] = float32(r.Float64()*5.8-2.9), float32(r.NormFloat64())
					}
					if i < len(slow) {
						x[p] = v
					} else {
						g[p] = v
					}
					k.fwd(got, x)
					geluGo(want, x)
					for j := range x {
						if !sameOrNaN(got[j], want[j]) {
							t.Fatalf("lane %d = %v: element %d (x=%v) = %v, Go loop %v", p, v, j, x[j], got[j], want[j])
						}
					}
					k.grad(got, g, x)
					geluGradGo(want, g, x)
					for j := range x {
						if !sameOrNaN(got[j], want[j]) {
							t.Fatalf("lane %d = %v: element %d (g=%v, x=%v) = %v, Go loop %v", p, v, j, g[j], x[j], got[j], want[j])
						}
					}
				}
			}
		})
	}
}
