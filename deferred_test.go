package eager

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// deferredSizes are result sizes around deferral's threshold and tile lengths.
var deferredSizes = []int{deferMinElems, deferMinElems + 1, deferMinElems + 17, 3*deferMinElems + 5}

// specialFloats returns n float32 values: random normals spread over magnitudes, with NaN,
// infinities, signed zeros and denormals mixed in.
func specialFloats(n int, r *rand.Rand) []float32 {
	special := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
		1e-40, -1e-40, 1, -1, 0.5, 88, -88, 1e30, -1e30}
	v := make([]float32, n)
	for i := range v {
		if r.IntN(50) == 0 {
			v[i] = special[r.IntN(len(special))]
		} else {
			v[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(5)-2)))
		}
	}
	return v
}

// sameBits reports the first element whose bits differ between got and want.
func sameBits(t *testing.T, what string, got, want *Tensor) {
	t.Helper()
	if !sameShape(got.shape, want.shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.shape, want.shape)
	}
	g, w := got.Float32s(), want.Float32s()
	for i := range w {
		if math.Float32bits(g[i]) != math.Float32bits(w[i]) && !(g[i] != g[i] && w[i] != w[i]) {
			t.Fatalf("%s: element %d is %v, want %v (computed op by op)", what, i, g[i], w[i])
		}
	}
}

// immediately runs fn with deferred fusion off.
func immediately(fn func()) {
	defer SetDeferredFusion(SetDeferredFusion(false))
	fn()
}

func isDeferred(x *Tensor) bool { return x.st.lazy.Load() != nil }

// TestDeferredOpsMatchImmediate checks every op that defers against the same op computed at
// its call, bit for bit, on values with NaN, infinities, signed zeros and denormals, at
// sizes around the threshold and the tile lengths.
func TestDeferredOpsMatchImmediate(t *testing.T) {
	binary := map[string]func(a, b *Tensor) *Tensor{
		"Add": (*Tensor).Add, "Sub": (*Tensor).Sub, "Mul": (*Tensor).Mul, "Div": (*Tensor).Div, "Pow": (*Tensor).Pow,
		"Maximum": (*Tensor).Maximum, "Minimum": (*Tensor).Minimum,
		"AddScalar":     func(a, _ *Tensor) *Tensor { return a.AddScalar(0.75) },
		"SubScalar":     func(a, _ *Tensor) *Tensor { return a.SubScalar(-3) },
		"RSubScalar":    func(a, _ *Tensor) *Tensor { return a.RSubScalar(2) },
		"MulScalar":     func(a, _ *Tensor) *Tensor { return a.MulScalar(0.1) },
		"DivScalar":     func(a, _ *Tensor) *Tensor { return a.DivScalar(3) },
		"PowScalar":     func(a, _ *Tensor) *Tensor { return a.PowScalar(2) },
		"MaximumScalar": func(a, _ *Tensor) *Tensor { return a.MaximumScalar(0) },
		"MinimumScalar": func(a, _ *Tensor) *Tensor { return a.MinimumScalar(0.5) },
		"ScalarDiv":     func(a, _ *Tensor) *Tensor { return Scalar(1).Div(a) },
	}
	unary := map[string]func(a *Tensor) *Tensor{}
	for _, name := range []string{"Neg", "Exp", "Log", "Log1p", "Sqrt", "Rsqrt", "Abs", "Sign", "Sin", "Cos", "Tanh",
		"Sigmoid", "ReLU", "Erf", "GELU", "GELUTanh", "SiLU"} {
		m, ok := map[string]func(*Tensor) *Tensor{"Neg": (*Tensor).Neg, "Exp": (*Tensor).Exp, "Log": (*Tensor).Log,
			"Log1p": (*Tensor).Log1p, "Sqrt": (*Tensor).Sqrt, "Rsqrt": (*Tensor).Rsqrt, "Abs": (*Tensor).Abs,
			"Sign": (*Tensor).Sign, "Sin": (*Tensor).Sin, "Cos": (*Tensor).Cos, "Tanh": (*Tensor).Tanh,
			"Sigmoid": (*Tensor).Sigmoid, "ReLU": (*Tensor).ReLU, "Erf": (*Tensor).Erf, "GELU": (*Tensor).GELU,
			"GELUTanh": (*Tensor).GELUTanh, "SiLU": (*Tensor).SiLU}[name]
		if !ok {
			t.Fatalf("no op %s", name)
		}
		unary[name] = m
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range deferredSizes {
		a, b := FromSlice(specialFloats(n, r)), FromSlice(specialFloats(n, r))
		for name, f := range binary {
			got := f(a, b)
			if !isDeferred(got) {
				t.Fatalf("%s of %d elements was not deferred", name, n)
			}
			var want *Tensor
			immediately(func() { want = f(a, b) })
			sameBits(t, fmt.Sprintf("%s n=%d", name, n), got, want)
		}
		for name, f := range unary {
			got := f(a)
			if !isDeferred(got) {
				t.Fatalf("%s of %d elements was not deferred", name, n)
			}
			var want *Tensor
			immediately(func() { want = f(a) })
			sameBits(t, fmt.Sprintf("%s n=%d", name, n), got, want)
		}
	}
}

// TestDeferredRandomPrograms builds random expressions of 1-30 deferred ops over a few
// inputs (offset views among them), reading some intermediates before and some after the
// result, and checks every value read against the same program computed op by op, on one
// and on two threads.
func TestDeferredRandomPrograms(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ops := []func(a, b *Tensor) *Tensor{
		(*Tensor).Add, (*Tensor).Sub, (*Tensor).Mul, (*Tensor).Div, (*Tensor).Maximum,
		func(a, _ *Tensor) *Tensor { return a.ReLU() },
		func(a, _ *Tensor) *Tensor { return a.Tanh() },
		func(a, _ *Tensor) *Tensor { return a.Exp() },
		func(a, _ *Tensor) *Tensor { return a.Sigmoid() },
		func(a, _ *Tensor) *Tensor { return a.MulScalar(0.5) },
		func(a, _ *Tensor) *Tensor { return a.AddScalar(-1) },
		func(a, _ *Tensor) *Tensor { return a.Neg() },
		func(a, _ *Tensor) *Tensor { return a.Erf() },
	}
	programs, spread := 40, 3*deferMinElems
	if raceEnabled { // instrumented Go loops: fewer and smaller programs
		programs, spread = 6, 1000
	}
	for prog := 0; prog < programs; prog++ {
		n := deferMinElems + r.IntN(spread)
		base := FromSlice(specialFloats(n+7, r))
		inputs := []*Tensor{FromSlice(specialFloats(n, r)), FromSlice(specialFloats(n, r)), base.Narrow(0, 7, n)}
		type step struct{ op, a, b int }
		var steps []step
		for range 1 + r.IntN(30) {
			k := len(inputs) + len(steps)
			steps = append(steps, step{r.IntN(len(ops)), r.IntN(k), r.IntN(k)})
		}
		early := r.IntN(len(steps) + 1) // an intermediate read before the result
		run := func() []*Tensor {
			vals := append([]*Tensor(nil), inputs...)
			var read []*Tensor
			for i, s := range steps {
				v := ops[s.op](vals[s.a], vals[s.b])
				vals = append(vals, v)
				if i == early {
					read = append(read, v.Clone())
				}
			}
			read = append(read, vals[len(vals)-1])
			return append(read, vals[len(inputs):]...) // every intermediate, read after the result
		}
		for _, threads := range []int{1, 2} {
			prev := SetNumThreads(threads)
			got := run()
			var want []*Tensor
			immediately(func() { want = run() })
			SetNumThreads(prev)
			for i := range want {
				sameBits(t, fmt.Sprintf("program %d (%d ops, %d elements, %d threads) value %d", prog, len(steps), n, threads, i), got[i], want[i])
			}
		}
	}
}

// TestDeferredComputesOnce checks that a chain is computed when its result is read, in one
// pass that leaves its unread intermediates unwritten, and that an intermediate read later
// gets its own values.
func TestDeferredComputesOnce(t *testing.T) {
	n := deferMinElems
	x, w, b := Randn(n), Randn(n), Randn(n)
	h := x.Mul(w).Add(b)
	y := h.ReLU().MulScalar(0.5).Add(x)
	if !isDeferred(h) || !isDeferred(y) {
		t.Fatal("the chain's ops were not deferred")
	}
	if y.Realize() != y || isDeferred(y) {
		t.Fatal("Realize did not compute the result")
	}
	if !isDeferred(h) {
		t.Fatal("computing the result computed an intermediate nobody read")
	}
	var want, wantH *Tensor
	immediately(func() {
		wantH = x.Mul(w).Add(b)
		want = wantH.ReLU().MulScalar(0.5).Add(x)
	})
	sameBits(t, "result", y, want)
	sameBits(t, "intermediate", h, wantH)
}

// TestDeferredCopyOnWrite modifies the inputs of deferred ops in every way eager allows
// before the ops are computed: the results are the values at the ops' calls.
func TestDeferredCopyOnWrite(t *testing.T) {
	n := deferMinElems + 3
	writes := map[string]func(x *Tensor){
		"AddScalarInPlace": func(x *Tensor) { x.AddScalarInPlace(1) },
		"MulInPlace":       func(x *Tensor) { x.MulInPlace(x) },
		"CopyFrom":         func(x *Tensor) { x.CopyFrom(Ones(n)) },
		"FillInPlace":      func(x *Tensor) { x.FillInPlace(7) },
		"ZeroInPlace":      func(x *Tensor) { x.ZeroInPlace() },
		"AddScaledInPlace": func(x *Tensor) { x.AddScaledInPlace(Ones(n), 2) },
		"AddcmulInPlace":   func(x *Tensor) { x.AddcmulInPlace(Ones(n), Ones(n), 2) },
		"view CopyFrom":    func(x *Tensor) { x.Narrow(0, 5, 10).CopyFrom(Zeros(10)) },
		"StorageData": func(x *Tensor) {
			d, off := StorageData[float32](x)
			d[off] = 42
		},
		"ReLUReusing": func(x *Tensor) { ReLUReusing(x) },
		"AddReusing":  func(x *Tensor) { AddReusing(x, Ones(n)) },
		"ReleaseBuffer": func(x *Tensor) {
			if ReleaseBuffer(x) {
				reused := EmptyOf(Float32, n)
				kernelsFill(reused, 9)
			}
		},
	}
	for name, write := range writes {
		x := EmptyOf(Float32, n) // from the buffer cache when it has one, so ReleaseBuffer applies
		x.CopyFrom(Randn(n))
		w := Randn(n)
		var want *Tensor
		immediately(func() { want = x.Mul(w).Tanh().AddScalar(1) })
		mid := x.Mul(w)
		y := mid.Tanh().AddScalar(1)
		scaled := x.MulScalar(3) // a second reader of x, never read
		_ = scaled
		write(x)
		sameBits(t, name, y, want)
		sameBits(t, name+" intermediate", mid.Tanh().AddScalar(1), want)
	}
}

func kernelsFill(x *Tensor, v float32) {
	d := x.f32()
	for i := range d {
		d[i] = v
	}
}

// TestDeferredGradientAccumulation: a deferred op reading a gradient keeps its values when
// the next backward pass accumulates into that gradient.
func TestDeferredGradientAccumulation(t *testing.T) {
	n := deferMinElems
	p := Randn(n).SetRequiresGrad(true)
	p.Mul(p).Sum().Backward()
	g := p.Grad()
	var want *Tensor
	immediately(func() { want = g.MulScalar(0.5).AddScalar(1) })
	y := g.MulScalar(0.5).AddScalar(1)
	p.Mul(p).Sum().Backward() // accumulates into g's buffer
	sameBits(t, "after accumulation", y, want)
}

// TestDeferredVersionGuard: a write that skipped beforeWrite (here, a version bump alone)
// is reported when the deferred op is computed, not silently used.
func TestDeferredVersionGuard(t *testing.T) {
	x := Randn(deferMinElems)
	y := x.MulScalar(2)
	BumpVersion(x)
	msg := panicMessage(func() { y.Realize() })
	if !strings.Contains(msg, "modified without notice") {
		t.Fatalf("panic %q, want the deferred-input guard", msg)
	}
	// The guard's panic released the registry's locks: copy on write still works.
	z := x.MulScalar(2)
	x.AddScalarInPlace(1)
	z.Realize()
}

// TestDeferredNotWhenWatched: ops run at their call while autograd records them, while an
// observer or anomaly mode is on, with deferral off, for small results and for operands
// that are not contiguous or need a conversion; their values are right in every case.
func TestDeferredNotWhenWatched(t *testing.T) {
	n := deferMinElems
	x, w := Randn(n), Randn(n)
	cases := map[string]func() *Tensor{
		"requires grad": func() *Tensor { return x.Mul(w.Detach().SetRequiresGrad(true)) },
		"small":         func() *Tensor { return Randn(n - 1).MulScalar(2) },
		"transposed":    func() *Tensor { return Randn(512, 512).T().Add(Randn(512, 512)) },
		"broadcast row": func() *Tensor { return Randn(512, 512).Add(Randn(512)) },
		"float64":       func() *Tensor { return RandnOf(Float64, n).MulScalar(2) },
		"mixed dtypes":  func() *Tensor { return x.Add(RandnOf(Float64, n)) },
		"anomaly":       func() (y *Tensor) { DetectAnomaly(func() { y = x.Mul(w) }); return y },
		"deferral off":  func() (y *Tensor) { immediately(func() { y = x.Mul(w) }); return y },
		"read hook on": func() *Tensor {
			old := SetReadHook(func(*Tensor) {})
			defer func() { SetReadHook(old) }()
			return x.Mul(w)
		},
		"during no-grad": func() (y *Tensor) { NoGrad(func() { y = x.Mul(w).Exp() }); return y.Log() },
	}
	for name, f := range cases {
		y := f()
		if isDeferred(y) != (name == "during no-grad") {
			t.Errorf("%s: deferred = %v", name, isDeferred(y))
		}
	}
}

// TestDeferredErrorsAtCall: a shape error panics at the op's call, with its line, not when
// the result is read.
func TestDeferredErrorsAtCall(t *testing.T) {
	x := Randn(deferMinElems)
	msg := panicMessage(func() { x.Add(Randn(deferMinElems + 1)) })
	if !strings.Contains(msg, "Add") || !strings.Contains(msg, "deferred_test.go") {
		t.Fatalf("panic %q, want Add's shape error at this file's line", msg)
	}
}

func panicMessage(fn func()) (msg string) {
	defer func() { msg = fmt.Sprint(recover()) }()
	fn()
	return ""
}

// TestDeferredIntoAutograd: a deferred tensor used by a recorded op is computed for it, and
// gradients through it are right.
func TestDeferredIntoAutograd(t *testing.T) {
	n := deferMinElems
	x, w := Randn(n), Randn(n)
	y := x.Mul(w).AddScalar(1) // deferred
	p := Randn(n).SetRequiresGrad(true)
	p.Mul(y).Sum().Backward()
	var want *Tensor
	immediately(func() { want = x.Mul(w).AddScalar(1) })
	sameBits(t, "gradient", p.Grad(), want)
}

// TestDeferredConcurrentReads: goroutines reading one deferred tensor at once compute it
// once and see the same values; goroutines deferring ops on shared inputs at once are
// race-free (go test -race).
func TestDeferredConcurrentReads(t *testing.T) {
	n := deferMinElems
	x, w := Randn(n), Randn(n)
	var want *Tensor
	immediately(func() { want = x.Mul(w).Exp().AddScalar(1) })
	y := x.Mul(w).Exp().AddScalar(1)
	var wg sync.WaitGroup
	got := make([][]float32, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			z := x.Mul(w).Exp().AddScalar(1) // another deferred reader of x and w
			got[i] = y.Float32s()
			if i%2 == 0 {
				got[i] = z.Float32s()
			}
		}()
	}
	wg.Wait()
	wv := want.Float32s()
	for i, g := range got {
		for j := range wv {
			if math.Float32bits(g[j]) != math.Float32bits(wv[j]) {
				t.Fatalf("goroutine %d element %d: %v, want %v", i, j, g[j], wv[j])
			}
		}
	}
}

// TestDeferredRealizedWhileTracking: a deferred op computed while memory is tracked counts
// its buffer as live for as long as the tensor holding it.
func TestDeferredRealizedWhileTracking(t *testing.T) {
	x := Randn(deferMinElems)
	y := x.MulScalar(2) // deferred before tracking starts
	defer TrackMemory(TrackMemory(true))
	base := waitLive(0)
	y.Realize()
	for range 20 { // let the collector and its cleanups run: y's buffer must stay counted
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
	}
	if live := MemoryStats().LiveBytes; live < base+int64(4*deferMinElems) {
		t.Fatalf("live bytes %d after computing a deferred tensor of %d bytes, from %d", live, 4*deferMinElems, base)
	}
	runtime.KeepAlive(y)
	if live := waitLive(base); live > base {
		t.Fatalf("live bytes %d after the tensor died, want %d", live, base)
	}
}

// TestReleaseBufferKeepsDeferredReaders: a buffer that a pending deferred op still reads is
// not recycled (nor copied for the op): ReleaseBuffer leaves it to the garbage collector,
// the op computes the right values, and a buffer no pending op reads goes to the cache.
func TestReleaseBufferKeepsDeferredReaders(t *testing.T) {
	n := deferMinElems + 5
	fromCache := func() *Tensor {
		x := EmptyOf(Float32, n)
		x.CopyFrom(Randn(n))
		return x
	}
	x, w := fromCache(), Randn(n)
	var want *Tensor
	immediately(func() { want = x.Mul(w) })
	y := x.Mul(w)
	if !isDeferred(y) {
		t.Fatal("x*w was not deferred")
	}
	if ReleaseBuffer(x) {
		t.Fatal("ReleaseBuffer recycled a buffer that a deferred op still reads")
	}
	if x.st.ptr == nil {
		t.Fatal("the storage lost its buffer")
	}
	sameBits(t, "deferred reader", y, want)

	if x2 := fromCache(); !ReleaseBuffer(x2) {
		t.Fatal("ReleaseBuffer kept a buffer no deferred op reads")
	}

	// Once the op that read it is gone, the buffer is recycled again. The op becomes
	// unreachable soon after it ran, not at once (a worker may still hold the parallel loop
	// that computed it until it looks for the next), so collect a few times.
	x3 := fromCache()
	func() { x3.Mul(w).Realize() }()
	released := false
	for try := 0; try < 20 && !released; try++ {
		runtime.GC()
		released = ReleaseBuffer(x3)
		if !released {
			time.Sleep(time.Millisecond)
		}
	}
	if !released {
		t.Fatal("ReleaseBuffer kept a buffer whose deferred reader was collected")
	}
}

// TestStorageDataReadMakesNoCopy: reading a storage that a pending deferred op also reads
// through StorageDataRead leaves the op reading it (StorageData, whose caller may write,
// gives the op a copy first); a deferred tensor itself is computed first.
func TestStorageDataReadMakesNoCopy(t *testing.T) {
	n := deferMinElems + 7
	x, w := Randn(n), Randn(n)
	var want *Tensor
	immediately(func() { want = x.Mul(w) })
	y := x.Mul(w)
	if !isDeferred(y) {
		t.Fatal("x*w was not deferred")
	}
	reader := y.st.lazy.Load()
	d, off := StorageDataRead[float32](x)
	if reader.args[0].st != x.st || x.st.version.Load()&deferReadBit == 0 {
		t.Fatal("StorageDataRead gave the deferred reader a copy")
	}
	if d[off] != x.Float32s()[0] {
		t.Fatal("StorageDataRead returned other elements")
	}
	yd, yoff := StorageDataRead[float32](y)
	if isDeferred(y) {
		t.Fatal("StorageDataRead left a deferred tensor uncomputed")
	}
	wd := want.Float32s()
	for i := range wd {
		if math.Float32bits(yd[yoff+i]) != math.Float32bits(wd[i]) {
			t.Fatalf("element %d is %v, want %v", i, yd[yoff+i], wd[i])
		}
	}
	StorageData[float32](x)
	if reader.args[0].st == x.st {
		t.Fatal("StorageData did not give the deferred reader a copy")
	}
}
