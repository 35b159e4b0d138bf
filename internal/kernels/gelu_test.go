package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// geluRef is GELU in float64 through erfc, which keeps its relative accuracy for negative x
// (1 + erf(x/√2) cancels to 0 below about -8).
func geluRef(x float64) float64 { return 0.5 * x * math.Erfc(-x/math.Sqrt2) }

// TestGELUF32 checks GELUF32 against float64 math rounded to float32 over the whole float32
// range, and the one-goroutine kernel this CPU runs against the Go loop bit for bit.
func TestGELUF32(t *testing.T) {
	xs := mathInputs(testing.Short())
	for i := 0; i < 100000; i++ { // dense where GELU is neither 0 nor x
		xs = append(xs, float32(-16+24*float64(i)/100000))
	}
	got := make([]float32, len(xs))
	GELUF32(got, xs)
	worst, at := int64(0), 0
	for i, x := range xs {
		want := float32(geluRef(float64(x)))
		if math.IsInf(float64(x), -1) {
			want = float32(math.NaN()) // as 0.5·x·(1+erf(x/√2)) and PyTorch give
		}
		if d := ulps(got[i], want); d > worst {
			worst, at = d, i
		}
	}
	if worst > 1 {
		x := xs[at]
		t.Fatalf("GELUF32(%v) = %v, want %v: %d ulp", x, got[at], float32(geluRef(float64(x))), worst)
	}
	t.Logf("max error %d ulp at %v", worst, xs[at])

	// The kernel for this CPU (assembly where there is one) against the Go loop, at every
	// length up to 40 and offset, with guards after dst.
	want := make([]float32, len(xs))
	geluGo(want, xs)
	one := make([]float32, len(xs))
	geluF32(one, xs)
	for i := range xs {
		if math.Float32bits(one[i]) != math.Float32bits(want[i]) && !(one[i] != one[i] && want[i] != want[i]) {
			t.Fatalf("geluF32(%v) = %v (%#x), Go loop %v (%#x)", xs[i], one[i], math.Float32bits(one[i]), want[i], math.Float32bits(want[i]))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 40; n++ {
		for off := 0; off < 3; off++ {
			src := make([]float32, off+n)
			for i := range src {
				src[i] = float32(r.NormFloat64() * 4)
			}
			dst := make([]float32, off+n+4)
			for i := range dst {
				dst[i] = 12345
			}
			geluF32(dst[off:off+n], src[off:])
			for i := 0; i < n; i++ {
				if w := float32(gelu64(float64(src[off+i]))); math.Float32bits(dst[off+i]) != math.Float32bits(w) {
					t.Fatalf("n=%d off=%d: element %d = %v, want %v", n, off, i, dst[off+i], w)
				}
			}
			for i := off + n; i < len(dst); i++ {
				if dst[i] != 12345 {
					t.Fatalf("n=%d off=%d: wrote past dst", n, off)
				}
			}
		}
	}
}

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

// BenchmarkGELUBackwardF32 times GELUBackwardF32 (all cores) and its one-goroutine kernel on
// 1M elements of N(0, 2²) inputs.
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
}

// geluGradRef is GELU'(x) in float64.
func geluGradRef(x float64) float64 {
	return 0.5*math.Erfc(-x/math.Sqrt2) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

// TestGELUBackwardF32 checks GELUBackwardF32 against float64 math (within 1 ulp, or within
// 2e-9·|g| where the derivative's terms cancel) and the kernel this CPU runs against the Go
// loop bit for bit.
func TestGELUBackwardF32(t *testing.T) {
	xs := mathInputs(true)
	for i := 0; i < 100000; i++ {
		xs = append(xs, float32(-16+24*float64(i)/100000))
	}
	r := rand.New(rand.NewPCG(5, 6))
	g := make([]float32, len(xs))
	for i := range g {
		g[i] = float32(r.NormFloat64())
	}
	got := make([]float32, len(xs))
	GELUBackwardF32(got, g, xs)
	worst := int64(0)
	for i, x := range xs {
		want := float32(float64(g[i]) * geluGradRef(float64(x)))
		switch {
		case math.IsInf(float64(x), -1):
			want = float32(math.NaN())
		case math.IsInf(float64(x), 1):
			want = g[i]
		}
		d := ulps(got[i], want)
		if d > 1 && math.Abs(float64(got[i])-float64(want)) > 2e-9*math.Abs(float64(g[i])) {
			t.Fatalf("GELUBackwardF32(g=%v, x=%v) = %v, want %v: %d ulp", g[i], x, got[i], want, d)
		}
		if d > worst && d != math.MaxInt64 {
			worst = d
		}
	}
	t.Logf("max error %d ulp (including near the zero of GELU')", worst)

	want := make([]float32, len(xs))
	geluGradGo(want, g, xs)
	one := make([]float32, len(xs))
	geluGradF32(one, g, xs)
	for i := range xs {
		if math.Float32bits(one[i]) != math.Float32bits(want[i]) && !(one[i] != one[i] && want[i] != want[i]) {
			t.Fatalf("geluGradF32(%v, %v) = %v, Go loop %v", g[i], xs[i], one[i], want[i])
		}
	}
	for n := 0; n <= 40; n++ {
		for off := 0; off < 3; off++ {
			gs, x := make([]float32, off+n), make([]float32, off+n)
			for i := range x {
				gs[i], x[i] = float32(r.NormFloat64()), float32(r.NormFloat64()*4)
			}
			dst := make([]float32, off+n+4)
			for i := range dst {
				dst[i] = 12345
			}
			geluGradF32(dst[off:off+n], gs[off:], x[off:])
			for i := 0; i < n; i++ {
				if w := float32(geluGrad64(float64(x[off+i])) * float64(gs[off+i])); math.Float32bits(dst[off+i]) != math.Float32bits(w) {
					t.Fatalf("n=%d off=%d: element %d = %v, want %v", n, off, i, dst[off+i], w)
				}
			}
			for i := off + n; i < len(dst); i++ {
				if dst[i] != 12345 {
					t.Fatalf("n=%d off=%d: wrote past dst", n, off)
				}
			}
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
