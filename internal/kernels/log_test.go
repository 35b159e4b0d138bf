package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLogF32 checks LogF32 against math.Log rounded to float32 over the whole float32 range,
// and the one-goroutine kernel this CPU runs against the Go loop bit for bit, at every
// length up to 40 and three offsets.
func TestLogF32(t *testing.T) {
	xs := mathInputs(testing.Short())
	for i := 0; i < 100000; i++ { // dense around 1, where log x is small
		xs = append(xs, float32(0.5+float64(i)/100000))
	}
	got := make([]float32, len(xs))
	LogF32(got, xs)
	worst, at := int64(0), 0
	for i, x := range xs {
		if d := ulps(got[i], float32(math.Log(float64(x)))); d > worst {
			worst, at = d, i
		}
	}
	if worst > 1 {
		x := xs[at]
		t.Fatalf("LogF32(%v) = %v, want %v: %d ulp", x, got[at], float32(math.Log(float64(x))), worst)
	}
	t.Logf("max error %d ulp at %v", worst, xs[at])

	want := make([]float32, len(xs))
	logGo(want, xs)
	one := make([]float32, len(xs))
	logF32(one, xs)
	for i := range xs {
		if math.Float32bits(one[i]) != math.Float32bits(want[i]) && !(one[i] != one[i] && want[i] != want[i]) {
			t.Fatalf("logF32(%v) = %v (%#x), Go loop %v (%#x)", xs[i], one[i], math.Float32bits(one[i]), want[i], math.Float32bits(want[i]))
		}
	}
	r := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 40; n++ {
		for off := 0; off < 3; off++ {
			src := make([]float32, off+n)
			for i := range src {
				src[i] = float32(r.ExpFloat64())
			}
			dst := make([]float32, off+n+4)
			for i := range dst {
				dst[i] = 12345
			}
			logF32(dst[off:off+n], src[off:])
			for i := 0; i < n; i++ {
				if w := float32(log64(float64(src[off+i]))); math.Float32bits(dst[off+i]) != math.Float32bits(w) {
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

func BenchmarkLogF32(b *testing.B) {
	src := make([]float32, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range src {
		src[i] = float32(r.ExpFloat64())
	}
	dst := make([]float32, len(src))
	b.Run("kernel", func(b *testing.B) {
		b.SetBytes(int64(8 * len(src)))
		for b.Loop() {
			LogF32(dst, src)
		}
	})
	b.Run("math", func(b *testing.B) {
		b.SetBytes(int64(8 * len(src)))
		for b.Loop() {
			for i, v := range src {
				dst[i] = float32(math.Log(float64(v)))
			}
		}
	})
}

// TestRsqrtF32 checks the kernel this CPU runs against the Go loop bit for bit, over the
// whole float32 range and at every length up to 40.
func TestRsqrtF32(t *testing.T) {
	xs := mathInputs(testing.Short())
	got, want := make([]float32, len(xs)), make([]float32, len(xs))
	RsqrtF32(got, xs)
	rsqrtGo(want, xs)
	for i, x := range xs {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			t.Fatalf("RsqrtF32(%v) = %v, want %v", x, got[i], want[i])
		}
	}
	for n := 0; n <= 40; n++ {
		dst := make([]float32, n+2)
		dst[0], dst[n+1] = 12345, 12345
		rsqrtF32(dst[1:n+1], xs[2000:2000+n])
		for i := 0; i < n; i++ {
			if w := float32(1 / math.Sqrt(float64(xs[2000+i]))); math.Float32bits(dst[1+i]) != math.Float32bits(w) && !(w != w && dst[1+i] != dst[1+i]) {
				t.Fatalf("n=%d: element %d = %v, want %v", n, i, dst[1+i], w)
			}
		}
		if dst[0] != 12345 || dst[n+1] != 12345 {
			t.Fatalf("n=%d: wrote outside dst", n)
		}
	}
}
