package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The sizes cover every tail length of the 32-, 8- and 1-element loops.
var ewSizes = func() []int {
	s := []int{}
	for n := 0; n <= 70; n++ {
		s = append(s, n)
	}
	return append(s, 255, 256, 257, 1000, 1031)
}()

const ewGuard = float32(-7777.25)

// ewBuf returns n random values at offset off of a guarded buffer, and a check that the
// guards around them are intact.
func ewBuf(rng *rand.Rand, n, off int) ([]float32, func(t *testing.T, what string)) {
	buf := make([]float32, off+n+9)
	for i := range buf {
		buf[i] = ewGuard
	}
	s := buf[off : off+n]
	for i := range s {
		s[i] = float32(rng.NormFloat64() * 3)
		if s[i] == 0 {
			s[i] = 0.5
		}
	}
	return s, func(t *testing.T, what string) {
		t.Helper()
		for i, v := range buf {
			if (i < off || i >= off+n) && v != ewGuard {
				t.Fatalf("%s n=%d off=%d: wrote outside dst at %d", what, n, off, i-off)
			}
		}
	}
}

func sameBits(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// TestElementwiseF32 checks the float32 kernels (assembly where built) against their Go loops:
// bit for bit, except Axpy whose fused multiply-add may differ by one rounding.
func TestElementwiseF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	type binary struct {
		name      string
		got, want func(dst, a, b []float32)
	}
	bins := []binary{
		{"Add", Add[float32], addGo[float32]}, {"Sub", Sub[float32], subGo[float32]},
		{"Mul", Mul[float32], mulGo[float32]}, {"Div", Div[float32], divGo[float32]},
		{"AddScalar", func(d, a, _ []float32) { AddScalar(d, a, 1.25) }, func(d, a, _ []float32) { addScalarGo(d, a, 1.25) }},
		{"SubScalar", func(d, a, _ []float32) { SubScalar(d, a, 1.25) }, func(d, a, _ []float32) {
			for i := range d {
				d[i] = a[i] - 1.25
			}
		}},
		{"MulScalar", func(d, a, _ []float32) { MulScalar(d, a, -0.3) }, func(d, a, _ []float32) { mulScalarGo(d, a, -0.3) }},
		{"ScalarSub", func(d, a, _ []float32) { ScalarSub(d, 1.25, a) }, func(d, a, _ []float32) {
			for i := range d {
				d[i] = 1.25 - a[i]
			}
		}},
		{"DivScalar", func(d, a, _ []float32) { DivScalar(d, a, 0.7) }, func(d, a, _ []float32) {
			for i := range d {
				d[i] = a[i] / 0.7
			}
		}},
		{"ScalarDiv", func(d, a, _ []float32) { ScalarDiv(d, -0.7, a) }, func(d, a, _ []float32) {
			for i := range d {
				d[i] = -0.7 / a[i]
			}
		}},
		{"Sqrt", func(d, a, _ []float32) { Sqrt(d, a) }, func(d, a, _ []float32) {
			for i, v := range a {
				d[i] = float32(math.Sqrt(float64(v)))
			}
		}},
		{"ReLU", func(d, a, _ []float32) { ReLU(d, a) }, func(d, a, _ []float32) {
			for i, v := range a {
				if v > 0 || v != v {
					d[i] = v
				} else {
					d[i] = 0
				}
			}
		}},
	}
	for _, n := range ewSizes {
		for off := 0; off < 3; off++ {
			a, _ := ewBuf(rng, n, off)
			b, _ := ewBuf(rng, n, 2-off)
			for _, k := range bins {
				dst, check := ewBuf(rng, n, off)
				want := make([]float32, n)
				k.got(dst, a, b)
				k.want(want, a, b)
				check(t, k.name)
				for i := range want {
					if !sameBits(dst[i], want[i]) {
						t.Fatalf("%s n=%d: [%d] = %v, want %v", k.name, n, i, dst[i], want[i])
					}
				}
			}
			// In place, as the root package's in-place ops call them.
			inPlace := append([]float32(nil), a...)
			Add(inPlace, inPlace, b)
			for i := range a {
				if inPlace[i] != a[i]+b[i] {
					t.Fatalf("Add in place n=%d: [%d] = %v, want %v", n, i, inPlace[i], a[i]+b[i])
				}
			}

			y, check := ewBuf(rng, n, off)
			y0 := append([]float32(nil), y...)
			Axpy(y, 0.7, a)
			check(t, "Axpy")
			for i := range y {
				want := float32(math.FMA(float64(float32(0.7)), float64(a[i]), float64(y0[i])))
				plain := y0[i] + 0.7*a[i]
				if y[i] != want && y[i] != plain {
					t.Fatalf("Axpy n=%d: [%d] = %v, want %v", n, i, y[i], want)
				}
			}

			if got, want := Sum(a), float32(sumGo(a)); !sameBits(got, want) {
				t.Fatalf("Sum n=%d = %v, want %v", n, got, want)
			}
			if got, want := Dot(a, b), float32(dotGo(a, b)); !sameBits(got, want) {
				t.Fatalf("Dot n=%d = %v, want %v", n, got, want)
			}
		}
	}
}

// TestSumDotLanes pins Sum's and Dot's lane order: values that cancel only when added in
// that order.
func TestSumDotLanes(t *testing.T) {
	x := []float32{1e8, 1, -1e8, 1, 3, 1, 1, 1, 1e-3, 0, 0, 0, 0, 0, 0, 0, 5}
	if got, want := Sum(x), float32(sumGo(x)); !sameBits(got, want) {
		t.Fatalf("Sum = %v, want %v", got, want)
	}
	if got, want := Dot(x, x), float32(dotGo(x, x)); !sameBits(got, want) {
		t.Fatalf("Dot = %v, want %v", got, want)
	}
}

// ulps is the distance between a and b in units in the last place (0 when both are NaN).
func ulps(a, b float32) int64 {
	if a != a || b != b {
		if a != a && b != b {
			return 0
		}
		return math.MaxInt64
	}
	ord := func(f float32) int64 {
		i := int64(int32(math.Float32bits(f)))
		if i < 0 {
			i = math.MinInt32 - i
		}
		return i
	}
	d := ord(a) - ord(b)
	if d < 0 {
		d = -d
	}
	return d
}

// mathInputs are float32 bit patterns spread over the whole range, plus specials.
func mathInputs(short bool) []float32 {
	step := uint32(997)
	if short {
		step = 99991
	}
	var xs []float32
	for b := uint64(0); b < 1<<32; b += uint64(step) {
		xs = append(xs, math.Float32frombits(uint32(b)))
	}
	inf := float32(math.Inf(1))
	xs = append(xs, 0, float32(math.Copysign(0, -1)), inf, -inf, float32(math.NaN()),
		math.Float32frombits(0xffc00001), 1e-45, -1e-45, math.MaxFloat32, -math.MaxFloat32,
		88.72283, 88.72284, 88.7, -87.33655, -87.34, -103.9, -103.97, -104, -150, 150, 89,
		0.625, -0.625, 0.62499994, 9, -9, 20, 44.5, 1e-20, -1e-20, 0.5, -0.5, 1, -1,
		1e-40, -1e-40, 1.1754942e-38, -1.1754942e-38, 1.17549435e-38, 10, -10, 9.01, -9.01,
		0.010837329, -0.010837329, -1.9463315, -1.9554037, 0.015499839) // past worst cases
	for i := 0; i < 200000; i++ { // dense over the range where the functions change
		xs = append(xs, float32(-110+220*float64(i)/200000))
	}
	// Every 251st float32 in ±[0.001, 0.06], where the AVX-512 tanh's errors concentrate.
	for b := math.Float32bits(0.001); b < math.Float32bits(0.06); b += 251 {
		xs = append(xs, math.Float32frombits(b), -math.Float32frombits(b))
	}
	return xs
}

// TestMathF32 checks ExpF32, TanhF32 and SigmoidF32, and every variant of them this CPU
// runs, against float64 math rounded to float32, within their documented bounds: 2 ulp for
// ExpF32, 3 for TanhF32 and SigmoidF32 (whose AVX-512 kernels reach 3; the AVX2 ones 2).
func TestMathF32(t *testing.T) {
	xs := mathInputs(testing.Short())
	type fn struct {
		name string
		fn   func(dst, src []float32)
		ref  func(float64) float64
		tol  int64 // ulp
	}
	fns := []fn{{"Exp", ExpF32, math.Exp, 2}, {"Tanh", TanhF32, math.Tanh, 3}, {"Sigmoid", SigmoidF32, sigmoid64, 3}}
	for _, v := range mathVariants() {
		fns = append(fns, fn{"Exp/" + v.name, v.exp, math.Exp, 2}, fn{"Tanh/" + v.name, v.tanh, math.Tanh, 3},
			fn{"Sigmoid/" + v.name, v.sigmoid, sigmoid64, 3})
	}
	for _, f := range fns {
		tol := f.tol
		t.Run(f.name, func(t *testing.T) {
			got := make([]float32, len(xs)+5)
			for i := range got {
				got[i] = ewGuard
			}
			f.fn(got[:len(xs)], xs)
			for i, v := range got[len(xs):] {
				if v != ewGuard {
					t.Fatalf("wrote past dst at %d", i)
				}
			}
			worst, at := int64(0), 0
			for i, x := range xs {
				if d := ulps(got[i], float32(f.ref(float64(x)))); d > worst {
					worst, at = d, i
				}
			}
			if worst > tol {
				t.Fatalf("%s(%v) = %v, want %v: %d ulp", f.name, xs[at], got[at], float32(f.ref(float64(xs[at]))), worst)
			}
			t.Logf("max error %d ulp at %v", worst, xs[at])
			// Every tail length, with guards.
			for n := 0; n < 40; n++ {
				dst, check := ewBuf(rand.New(rand.NewPCG(1, uint64(n))), n, 1)
				f.fn(dst, xs[1000:1000+n])
				check(t, f.name)
				for i, x := range xs[1000 : 1000+n] {
					if d := ulps(dst[i], float32(f.ref(float64(x)))); d > tol {
						t.Fatalf("n=%d: %s(%v) = %v: %d ulp", n, f.name, x, dst[i], d)
					}
				}
			}
		})
	}
}

// TestElementwiseSplit checks the kernels on slices long enough to be split across cores.
func TestElementwiseSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := splitLen + 37
	a, _ := ewBuf(rng, n, 1)
	b, _ := ewBuf(rng, n, 0)
	dst, check := ewBuf(rng, n, 2)
	want := make([]float32, n)
	Mul(dst, a, b)
	mulGo(want, a, b)
	check(t, "Mul")
	for i := range want {
		if !sameBits(dst[i], want[i]) {
			t.Fatalf("Mul [%d] = %v, want %v", i, dst[i], want[i])
		}
	}
	AddScalar(dst, a, 3)
	addScalarGo(want, a, 3)
	check(t, "AddScalar")
	for i := range want {
		if !sameBits(dst[i], want[i]) {
			t.Fatalf("AddScalar [%d] = %v, want %v", i, dst[i], want[i])
		}
	}
	ExpF32(dst, a)
	check(t, "ExpF32")
	for i, x := range a {
		if d := ulps(dst[i], float32(math.Exp(float64(x)))); d > 2 {
			t.Fatalf("ExpF32(%v) = %v: %d ulp", x, dst[i], d)
		}
	}
}

// TestReLUSpecialValues checks NaN (kept), signed zeros (+0) and infinities at every position
// of the vector, 8-wide and scalar loops.
func TestReLUSpecialValues(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	special := []float32{nan, float32(math.Copysign(0, -1)), 0, inf, -inf, -1e-45, 1e-45, 3, -3}
	for n := 1; n <= 40; n++ {
		a := make([]float32, n)
		for i := range a {
			a[i] = special[(i+n)%len(special)]
		}
		dst := make([]float32, n)
		ReLU(dst, a)
		for i, v := range a {
			var want float32
			if v > 0 || v != v {
				want = v
			}
			if !sameBits(dst[i], want) {
				t.Fatalf("n=%d: ReLU(%v) = %v (bits %x), want %v", n, v, dst[i], math.Float32bits(dst[i]), want)
			}
		}
	}
}

// The streaming binary kernels (non-temporal stores for outputs of streamMin elements and
// more) must give the same bits as the element loops, for any alignment of dst and any
// length.
func TestStreamingBinaryKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := streamMin + 1000
	a, b := make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())+3
	}
	for _, k := range []struct {
		name         string
		stream, loop func(dst, a, b []float32)
	}{
		{"add", addStreamF32, addGo[float32]}, {"sub", subStreamF32, subGo[float32]},
		{"mul", mulStreamF32, mulGo[float32]}, {"div", divStreamF32, divGo[float32]},
	} {
		for _, c := range []struct{ off, n int }{{0, 0}, {0, 63}, {1, 64}, {3, 1000}, {5, 4133}, {0, streamMin}, {7, streamMin + 9}} {
			got, want := make([]float32, c.n+8), make([]float32, c.n+8)
			k.stream(got[c.off:c.off+c.n], a[:c.n], b[:c.n])
			k.loop(want[c.off:c.off+c.n], a[:c.n], b[:c.n])
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s offset %d length %d: element %d is %v, want %v", k.name, c.off, c.n, i, got[i], want[i])
				}
			}
		}
	}
	// Through the exported entry point, which picks the streaming kernels for large outputs.
	dst := make([]float32, n)
	Add(dst, a, b)
	for i := range dst {
		if dst[i] != a[i]+b[i] {
			t.Fatalf("Add at %d: %v, want %v", i, dst[i], a[i]+b[i])
		}
	}
}

// The streaming kernels of one operand and a scalar (AddScalar, SubScalar, ScalarSub, MulScalar,
// DivScalar, ScalarDiv, ReLU), likewise,
// on values that include NaN, infinities and signed zeros.
func TestStreamingScalarKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	n := streamMin + 1000
	a := make([]float32, n)
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)), 1e-45}
	for i := range a {
		a[i] = float32(rng.NormFloat64())
		if i%97 < len(special) {
			a[i] = special[i%97]
		}
	}
	for _, k := range []struct {
		name         string
		stream, loop func(dst, a []float32, s float32)
		s            float32
	}{
		{"addScalar", addScalarStreamF32, addScalarGo[float32], 0.75},
		{"mulScalar", mulScalarStreamF32, mulScalarGo[float32], -1.5},
		{"relu", reluStreamSplit, func(d, x []float32, _ float32) { reluGo(d, x) }, 0},
		{"divScalar", divScalarStreamF32, divScalarGo[float32], 3.25},
		{"scalarSub", scalarSubStreamSplit, func(d, x []float32, s float32) { scalarSubGo(d, s, x) }, 0.5},
		{"scalarDiv", scalarDivStreamSplit, func(d, x []float32, s float32) { scalarDivGo(d, s, x) }, -2.5},
	} {
		for _, c := range []struct{ off, n int }{{0, 0}, {0, 63}, {1, 64}, {3, 1000}, {5, 4133}, {0, streamMin}, {7, streamMin + 9}} {
			got, want := make([]float32, c.n+8), make([]float32, c.n+8)
			k.stream(got[c.off:c.off+c.n], a[:c.n], k.s)
			k.loop(want[c.off:c.off+c.n], a[:c.n], k.s)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s offset %d length %d: element %d is %v (bits %x), want %v (bits %x)", k.name, c.off, c.n, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}
	}
	// Through the exported entry points, which pick the streaming kernels for large outputs.
	for _, f := range []struct {
		name string
		run  func(dst, a []float32)
		loop func(dst, a []float32)
	}{
		{"AddScalar", func(d, x []float32) { AddScalar(d, x, 0.75) }, func(d, x []float32) { addScalarGo(d, x, 0.75) }},
		{"MulScalar", func(d, x []float32) { MulScalar(d, x, -1.5) }, func(d, x []float32) { mulScalarGo(d, x, -1.5) }},
		{"ReLU", func(d, x []float32) { ReLU(d, x) }, func(d, x []float32) { reluGo(d, x) }},
		{"SubScalar", func(d, x []float32) { SubScalar(d, x, 0.75) }, func(d, x []float32) { addScalarGo(d, x, -0.75) }},
		{"ScalarSub", func(d, x []float32) { ScalarSub(d, 0.5, x) }, func(d, x []float32) { scalarSubGo(d, 0.5, x) }},
		{"DivScalar", func(d, x []float32) { DivScalar(d, x, 3.25) }, func(d, x []float32) { divScalarGo(d, x, 3.25) }},
		{"ScalarDiv", func(d, x []float32) { ScalarDiv(d, -2.5, x) }, func(d, x []float32) { scalarDivGo(d, -2.5, x) }},
	} {
		got, want := make([]float32, n), make([]float32, n)
		f.run(got, a)
		f.loop(want, a)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s at %d: %v, want %v", f.name, i, got[i], want[i])
			}
		}
	}
}

// Sum of a row longer than SumChunk adds its chunks' sums in order, whatever the cores.
func TestSumChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{SumChunk - 1, SumChunk, SumChunk + 1, 3*SumChunk + 17, 5 << 20} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 1e3)
		}
		var want float64
		for c := 0; c < n; c += SumChunk {
			s := sumGo(x[c:min(n, c+SumChunk)])
			if c == 0 {
				want = s
			} else {
				want += s
			}
		}
		if got := Sum(x); math.Float32bits(got) != math.Float32bits(float32(want)) {
			t.Fatalf("n=%d: Sum %v, want %v", n, got, float32(want))
		}
	}
}
