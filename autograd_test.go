package eager

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// callerLine returns the line of the statement that calls it, so that a test can compute the
// file:line an error must name: `line, err := callerLine(), Try(func() { ... })`.
func callerLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

// at returns "autograd_test.go:line".
func at(line int) string { return fmt.Sprintf("autograd_test.go:%d", line) }

// asError unwraps err into the *Error eager panics with, failing the test otherwise.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want an *Error, got %v", err)
	}
	return e
}

func wantFloats(t *testing.T, what string, got *Tensor, want ...float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil tensor, want %v", what, want)
	}
	g := got.Float64s()
	if len(g) != len(want) {
		t.Fatalf("%s: got %v, want %v", what, g, want)
	}
	for i := range want {
		if math.Abs(g[i]-want[i]) > 1e-9*(1+math.Abs(want[i])) {
			t.Fatalf("%s: got %v, want %v", what, g, want)
		}
	}
}

func TestBackwardAccumulatesAcrossCalls(t *testing.T) {
	w := FromSlice([]float64{1, 2, 3}).SetRequiresGrad(true)
	w.Mul(w).Sum().Backward()
	wantFloats(t, "first", w.Grad(), 2, 4, 6)
	w.MulScalar(3).Sum().Backward() // a new graph: gradients add up
	wantFloats(t, "second", w.Grad(), 5, 7, 9)
	w.ZeroGrad()
	if w.Grad() != nil {
		t.Fatal("ZeroGrad left a gradient")
	}
	w.MulScalar(3).Sum().Backward()
	wantFloats(t, "after ZeroGrad", w.Grad(), 3, 3, 3)
}

func TestRetainGraph(t *testing.T) {
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	y := w.Exp().Sum()
	y.BackwardWith(BackwardOptions{RetainGraph: true})
	y.Backward() // allowed once more: the first call kept the graph
	e1, e2 := math.Exp(1), math.Exp(2)
	wantFloats(t, "grad", w.Grad(), 2*e1, 2*e2)

	err := Try(func() { y.Backward() }) // the second call freed it
	e := asError(t, err)
	if e.Op != "Backward" || !strings.Contains(e.Msg, "backward through the graph a second time") ||
		!strings.Contains(e.Msg, "RetainGraph: true") {
		t.Fatalf("unexpected error: %v", err)
	}
	if !strings.HasPrefix(e.Where, "autograd_test.go:") {
		t.Fatalf("error should name this file, got %q", e.Where)
	}
	wantFloats(t, "grad unchanged by the failed call", w.Grad(), 2*e1, 2*e2)
}

func TestBackwardErrors(t *testing.T) {
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	x := FromSlice([]float64{1, 2})
	cases := []struct {
		name string
		fn   func()
		op   string
		msg  string
	}{
		{"non-scalar", func() { w.MulScalar(2).Backward() }, "Backward",
			"grad can be created implicitly only for one-element outputs, but the output has shape [2]"},
		{"no grad path", func() { x.MulScalar(2).Sum().Backward() }, "Backward",
			"output of shape [] does not require grad and has no grad_fn"},
		{"wrong grad shape", func() { w.MulScalar(2).BackwardWith(BackwardOptions{Grad: Ones(3)}) }, "Backward",
			"output gradient of shape [3] does not match output of shape [2]"},
		{"grad of unused input", func() {
			Grad([]*Tensor{w.Sum()}, []*Tensor{w, FromSlice([]float64{1}).SetRequiresGrad(true)}, GradOptions{})
		},
			"Grad", "input 1 (shape [1]) was not used to compute the outputs"},
		{"grad input without grad", func() { Grad([]*Tensor{w.Sum()}, []*Tensor{x}, GradOptions{}) },
			"Grad", "input of shape [2] does not require grad"},
		{"requires grad on int", func() { FromSlice([]int64{1}).SetRequiresGrad(true) },
			"SetRequiresGrad", "only floating-point tensors can require grad"},
		{"requires grad on non-leaf", func() { w.MulScalar(2).SetRequiresGrad(false) },
			"SetRequiresGrad", "is not a leaf (it was produced by MulBackward)"},
		{"retain grad without grad", func() { x.RetainGrad() }, "RetainGrad", "does not require grad"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := asError(t, Try(c.fn))
			if e.Op != c.op || !strings.Contains(e.Msg, c.msg) {
				t.Fatalf("got %v\nwant op %s with %q", e, c.op, c.msg)
			}
			if !strings.HasPrefix(e.Where, "autograd_test.go:") {
				t.Fatalf("Where = %q, want this file", e.Where)
			}
		})
	}
	// AllowUnused gives nil instead.
	gs := Grad([]*Tensor{w.Sum()}, []*Tensor{w, FromSlice([]float64{1}).SetRequiresGrad(true)}, GradOptions{AllowUnused: true})
	if gs[1] != nil {
		t.Fatalf("unused input got gradient %v", gs[1])
	}
	wantFloats(t, "used input", gs[0], 1, 1)
}

func TestInPlaceOnSavedTensor(t *testing.T) {
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	x := FromSlice([]float64{3, 4})
	y := w.Mul(x).Sum() // Mul saves x at version 0
	x.AddScalarInPlace(1)
	if x.Version() != 1 {
		t.Fatalf("version %d after one in-place op, want 1", x.Version())
	}
	line, err := callerLine(), Try(func() { y.Backward() })
	e := asError(t, err)
	want := "a tensor of shape [2] needed by MulBackward to compute gradients was modified by an in-place operation: it is at version 1, expected version 0"
	if e.Op != "Backward" || !strings.Contains(e.Msg, want) || e.Where != at(line) {
		t.Fatalf("got %v\nwant Backward: %s ... (%s)", e, want, at(line))
	}

	// Under DetectAnomaly the message also says where the op was created.
	var opLine int
	DetectAnomaly(func() {
		x2 := FromSlice([]float64{3, 4})
		var y2 *Tensor
		opLine, y2 = callerLine(), w.Mul(x2).Sum()
		NoGrad(func() { x2.MulScalarInPlace(2) })
		e = asError(t, Try(func() { y2.Backward() }))
	})
	if !strings.Contains(e.Msg, "the op was created at "+at(opLine)) {
		t.Fatalf("anomaly mode should name the creating line %s: %v", at(opLine), e)
	}

	// The saved output of Exp, changed through a view, is caught as well.
	v := w.Exp()
	s := v.Sum()
	NoGrad(func() { v.Detach().Narrow(0, 0, 1).FillInPlace(0) })
	e = asError(t, Try(func() { s.Backward() }))
	if !strings.Contains(e.Msg, "needed by ExpBackward") || !strings.Contains(e.Msg, "it is at version 1, expected version 0") {
		t.Fatalf("got %v", e)
	}
}

func TestInPlaceOnLeafRequiringGrad(t *testing.T) {
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	for _, c := range []struct {
		op string
		fn func()
	}{
		{"AddScalarInPlace", func() { w.AddScalarInPlace(1) }},
		{"AddInPlace", func() { w.AddInPlace(FromSlice([]float64{1, 1})) }},
		{"MulInPlace", func() { w.MulInPlace(w.Detach()) }},
		{"FillInPlace", func() { w.ZeroInPlace() }},
		{"CopyFrom", func() { w.CopyFrom(Zeros(2)) }},
		{"AddScaledInPlace", func() { w.AddScaledInPlace(FromSlice([]float64{1, 1}), 0.1) }},
	} {
		line, err := callerLine(), Try(c.fn)
		e := asError(t, err)
		if e.Op != c.op || !strings.Contains(e.Msg, "requires grad is being modified in place") {
			t.Fatalf("%s: got %v", c.op, e)
		}
		_ = line // the failing call is inside the closure, on the table line
		if !strings.HasPrefix(e.Where, "autograd_test.go:") {
			t.Fatalf("%s: Where = %q", c.op, e.Where)
		}
	}
	wantFloats(t, "unchanged", w, 1, 2)
	NoGrad(func() { w.AddScalarInPlace(1) }) // optimizers do this
	wantFloats(t, "updated under NoGrad", w, 2, 3)
}

func TestHooks(t *testing.T) {
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	var leafSeen, midSeen []float64
	w.RegisterHook(func(g *Tensor) *Tensor {
		leafSeen = g.Float64s()
		return g.MulScalar(2) // replaces the gradient accumulated into w
	})
	y := w.MulScalar(3)
	y.RegisterHook(func(g *Tensor) *Tensor {
		midSeen = g.Float64s()
		return nil // observe only
	})
	y.RegisterHook(func(g *Tensor) *Tensor { return g.AddScalar(1) }) // hooks chain
	y.Square().Sum().Backward()
	// dL/dy = 2y = [6 12]; second hook adds 1 -> [7 13]; dL/dw = 3*[7 13]; leaf hook doubles.
	if fmt.Sprint(midSeen) != "[6 12]" {
		t.Fatalf("non-leaf hook saw %v", midSeen)
	}
	if fmt.Sprint(leafSeen) != "[21 39]" {
		t.Fatalf("leaf hook saw %v", leafSeen)
	}
	wantFloats(t, "grad", w.Grad(), 42, 78)
	if e := asError(t, Try(func() { FromSlice([]float64{1}).RegisterHook(func(g *Tensor) *Tensor { return g }) })); e.Op != "RegisterHook" {
		t.Fatalf("got %v", e)
	}
}

func TestRetainGradAndDetach(t *testing.T) {
	w := FromSlice([]float64{1, -2}).SetRequiresGrad(true)
	y := w.MulScalar(2).RetainGrad()
	z := w.MulScalar(5) // not retained
	y.Square().Add(z).Sum().Backward()
	wantFloats(t, "retained grad", y.Grad(), 4, -8)
	if z.Grad() != nil {
		t.Fatal("a non-leaf without RetainGrad has a gradient")
	}
	wantFloats(t, "leaf", w.Grad(), 13, -11)
	if !w.IsLeaf() || y.IsLeaf() || y.GradFn() != "MulBackward" || w.GradFn() != "" {
		t.Fatalf("IsLeaf/GradFn wrong: %v %v %q %q", w.IsLeaf(), y.IsLeaf(), y.GradFn(), w.GradFn())
	}

	d := y.Detach()
	if d.RequiresGrad() || !d.IsLeaf() || d.GradFn() != "" {
		t.Fatal("Detach kept autograd state")
	}
	// It shares storage (and the version counter) with y.
	NoGrad(func() { d.AddScalarInPlace(1) })
	wantFloats(t, "shared storage", y, 3, -3)
	if y.Version() != d.Version() || d.Version() != 1 {
		t.Fatalf("versions %d %d", y.Version(), d.Version())
	}
	// No gradient flows through a detached tensor.
	w.ZeroGrad()
	w.Mul(w.Detach()).Sum().Backward()
	wantFloats(t, "through detach", w.Grad(), 1, -2)
}

func TestHessianVectorProduct(t *testing.T) {
	// f(x) = sum(x^3) + (sum x)^2: H = diag(6x) + 2, so Hv = 6 x v + 2 sum(v).
	x := FromSlice([]float64{0.5, -1, 2}).SetRequiresGrad(true)
	v := FromSlice([]float64{1, 2, -0.5})
	f := x.PowScalar(3).Sum().Add(x.Sum().Square())
	g := Grad([]*Tensor{f}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	if !g.RequiresGrad() {
		t.Fatal("gradient computed with CreateGraph does not require grad")
	}
	// g = 3x^2 + 2 sum(x)
	wantFloats(t, "gradient", g, 0.75+3, 3+3, 12+3)
	hv := Grad([]*Tensor{g.Mul(v).Sum()}, []*Tensor{x}, GradOptions{})[0]
	wantFloats(t, "Hv", hv, 6*0.5*1+5, 6*-1*2+5, 6*2*-0.5+5)
	if x.Grad() != nil {
		t.Fatal("Grad must not accumulate into .Grad()")
	}
	// Third order through the same machinery: d/dx sum(Hv) = 6 v.
	g = Grad([]*Tensor{x.PowScalar(3).Sum()}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	h := Grad([]*Tensor{g.Mul(v).Sum()}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
	wantFloats(t, "third order", Grad([]*Tensor{h.Sum()}, []*Tensor{x}, GradOptions{})[0], 6, 12, -3)
}

func TestGradientPenalty(t *testing.T) {
	// penalty(W) = sum over the batch of |d out/d x|^2 for a tiny MLP out = tanh(x W1 + b1) W2,
	// then backward to the weights; checked against central finite differences.
	ManualSeed(7)
	x := RandnOf(Float64, 3, 2).SetRequiresGrad(true)
	w1 := RandnOf(Float64, 2, 4).SetRequiresGrad(true)
	b1 := RandnOf(Float64, 4).SetRequiresGrad(true)
	w2 := RandnOf(Float64, 4, 1).SetRequiresGrad(true)
	penalty := func() *Tensor {
		out := x.MatMul(w1).Add(b1).Tanh().MatMul(w2)
		gx := Grad([]*Tensor{out.Sum()}, []*Tensor{x}, GradOptions{CreateGraph: true})[0]
		return gx.Square().Sum(1).Mean()
	}
	penalty().Backward()
	const eps = 1e-6
	for _, p := range []*Tensor{w1, b1, w2} {
		got := p.Grad().Float64s()
		for j := range got {
			orig := p.st.f64()[j]
			p.st.f64()[j] = orig + eps
			plus := penalty().Item()
			p.st.f64()[j] = orig - eps
			minus := penalty().Item()
			p.st.f64()[j] = orig
			num := (plus - minus) / (2 * eps)
			if math.Abs(num-got[j]) > 1e-6+1e-5*math.Abs(num) {
				t.Fatalf("param %v element %d: autograd %v, finite differences %v", p.shape, j, got[j], num)
			}
		}
	}
	if x.Grad() == nil {
		t.Fatal("x gets a gradient from the penalty too")
	}
}

// TestGradModePerGoroutine runs goroutines inside and outside NoGrad at the same time: grad
// mode must be per goroutine. Run it with -race: go test -race -run TestGradMode .
func TestGradModePerGoroutine(t *testing.T) {
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	const rounds = 300
	var wg sync.WaitGroup
	errs := make(chan string, 4*rounds)
	for i := 0; i < rounds; i++ {
		start := make(chan struct{})
		wg.Add(3)
		go func() {
			defer wg.Done()
			<-start
			NoGrad(func() {
				if IsGradEnabled() {
					errs <- "grad enabled inside NoGrad"
				}
				if w.MulScalar(2).RequiresGrad() {
					errs <- "op inside NoGrad recorded"
				}
				EnableGrad(func() {
					if !w.MulScalar(2).RequiresGrad() {
						errs <- "EnableGrad inside NoGrad did not record"
					}
				})
				if w.Exp().RequiresGrad() {
					errs <- "NoGrad not restored after EnableGrad"
				}
			})
		}()
		go func() {
			defer wg.Done()
			<-start
			y := w.MulScalar(2)
			if !IsGradEnabled() || !y.RequiresGrad() {
				errs <- "grad mode leaked into another goroutine"
			}
		}()
		go func() {
			defer wg.Done()
			<-start
			NoGrad(func() {
				done := make(chan bool)
				go func() { done <- w.MulScalar(2).RequiresGrad() }() // a new goroutine starts with grad on
				if !<-done {
					errs <- "goroutine started inside NoGrad inherited it"
				}
			})
		}()
		close(start)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if !IsGradEnabled() {
		t.Fatal("grad mode off after the test")
	}
	// A panic inside NoGrad restores the mode.
	func() {
		defer func() { _ = recover() }()
		NoGrad(func() { panic("boom") })
	}()
	if !IsGradEnabled() {
		t.Fatal("grad mode not restored after a panic")
	}
}

// TestGradModeConcurrentBackward runs Backward on separate graphs that share a parameter from
// many goroutines; the accumulated gradient must be the sum. Run it with -race.
func TestGradModeConcurrentBackward(t *testing.T) {
	w := FromSlice([]float64{1, 2, 3}).SetRequiresGrad(true)
	const n = 16
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.Mul(w).Sum().Backward()
		}()
	}
	wg.Wait()
	wantFloats(t, "sum of gradients", w.Grad(), 2*n, 4*n, 6*n)
}

func TestDetectAnomalyForward(t *testing.T) {
	x := FromSlice([]float64{1, -1})
	var line int
	var err error
	DetectAnomaly(func() {
		line, err = callerLine(), Try(func() { x.Log() })
	})
	e := asError(t, err)
	if e.Op != "Log" || !strings.Contains(e.Msg, "anomaly: forward produced NaN or Inf") || e.Where != at(line) {
		t.Fatalf("got %v, want Log anomaly at %s", e, at(line))
	}
	// Outside DetectAnomaly the same op just returns NaN.
	if y := x.Log().Float64s(); !math.IsNaN(y[1]) {
		t.Fatalf("log(-1) = %v", y[1])
	}
}

func TestDetectAnomalyBackward(t *testing.T) {
	x := FromSlice([]float64{0, 4}).SetRequiresGrad(true)
	var line int
	var err error
	DetectAnomaly(func() {
		var y *Tensor
		line, y = callerLine(), x.Sqrt()
		err = Try(func() { y.Sum().Backward() })
	})
	e := asError(t, err)
	if e.Op != "SqrtBackward" || e.Where != at(line) ||
		!strings.Contains(e.Msg, "backward produced NaN or Inf in the gradient of input 0") ||
		!strings.Contains(e.Msg, "created at "+at(line)) {
		t.Fatalf("got %v\nwant SqrtBackward anomaly created at %s", e, at(line))
	}
	if x.Grad() != nil {
		t.Fatal("a failed backward accumulated a gradient")
	}
}

func TestErrorsNameCaller(t *testing.T) {
	a, b := Zeros(3, 4), Zeros(5, 6)
	line, err := callerLine(), Try(func() { a.MatMul(b) })
	want := fmt.Sprintf("MatMul: shapes [3 4] and [5 6] do not match: inner dims 4 and 5 differ (autograd_test.go:%d)", line)
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	cases := []struct {
		op, msg string
		fn      func()
	}{
		{"Add", "shapes [2 3] and [4] cannot be broadcast together", func() { Zeros(2, 3).Add(Zeros(4)) }},
		{"Sum", "dim 3 out of range for a tensor of rank 2", func() { Zeros(2, 3).Sum(3) }},
		{"Reshape", "shape [4 2] is invalid for input of shape [2 3]", func() { Zeros(2, 3).Reshape(4, 2) }},
		{"View", "is not compatible with input of shape [3 2]", func() { Zeros(2, 3).T().View(6) }},
		{"Bmm", "shapes [2 3 4] and [3 4 5] do not match", func() { Bmm(Zeros(2, 3, 4), Zeros(3, 4, 5)) }},
		{"Cat", "which does not match tensor 0's shape [2 3] except in dim 0", func() { Cat([]*Tensor{Zeros(2, 3), Zeros(2, 4)}, 0) }},
		{"Select", "index 5 out of range for dim 0 of size 2", func() { Zeros(2, 3).Select(0, 5) }},
		{"Select", "cannot be applied to a 0-d tensor", func() { Scalar(1).Select(0, 0) }},
		{"Permute", "dim 1 appears more than once", func() { Zeros(2, 3).Permute(1, 1) }},
		{"Expand", "cannot expand shape [2 3] to [2 4]", func() { Zeros(2, 3).Expand(2, 4) }},
		{"Where", "condition must be bool", func() { Where(Zeros(2), Zeros(2), Zeros(2)) }},
		{"Item", "tensor of shape [2] has 2 elements, want 1", func() { Zeros(2).Item() }},
		{"Clamp", "min 1 is greater than max 0", func() { Zeros(2).Clamp(1, 0) }},
		{"Mean", "needs a floating-point tensor", func() { FromSlice([]int64{1, 2}).Mean() }},
		{"Softmax", "dim 2 out of range", func() { Zeros(2, 3).Softmax(2) }},
		{"Norm", "p must be positive", func() { Zeros(2).Norm(-1) }},
		{"MatMul", "both arguments need at least 1 dim", func() { Scalar(1).MatMul(Zeros(1)) }},
	}
	for _, c := range cases {
		e := asError(t, Try(c.fn))
		if e.Op != c.op || !strings.Contains(e.Msg, c.msg) || !strings.HasPrefix(e.Where, "autograd_test.go:") {
			t.Errorf("got %v\nwant %s: ...%s... (autograd_test.go:N)", e, c.op, c.msg)
		}
	}
}

// TestString compares the values part of String with PyTorch's print output (torch 1.13).
func TestString(t *testing.T) {
	cases := []struct {
		x    *Tensor
		want string
	}{
		{FromSlice([]float32{1, 2.5}), "tensor([1.0000, 2.5000])"},
		{FromSlice([]float32{1, 2, 3, 4}, 2, 2), "tensor([[1., 2.],\n        [3., 4.]])"},
		{FromSlice([]float32{1, 10000}), "tensor([1.0000e+00, 1.0000e+04])"},
		{FromSlice([]float32{1e-5, 1}), "tensor([1.0000e-05, 1.0000e+00])"},
		{Arange(0, 30, 1).DivScalar(7), "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n" +
			"        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n" +
			"        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n" +
			"        3.8571, 4.0000, 4.1429])"},
		{FromSlice([]int64{1, -2, 300}), "tensor([  1,  -2, 300])"},
		{FromSlice([]bool{true, false, true}), "tensor([ True, False,  True])"},
		{Scalar(3.5), "tensor(3.5000)"},
		{Arange(0, 8, 1).Reshape(2, 2, 2), "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"},
		{FromSlice([]float32{1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}), "tensor([1., nan, inf, -inf])"},
		{FromSlice([]float32{-1.5, 2.25}), "tensor([-1.5000,  2.2500])"},
		{Arange(0, 2000, 1), "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"},
		{ArangeOf(Int64, 0, 1200, 1).Reshape(40, 30), "tensor([[   0,    1,    2,  ...,   27,   28,   29],\n" +
			"        [  30,   31,   32,  ...,   57,   58,   59],\n" +
			"        [  60,   61,   62,  ...,   87,   88,   89],\n" +
			"        ...,\n" +
			"        [1110, 1111, 1112,  ..., 1137, 1138, 1139],\n" +
			"        [1140, 1141, 1142,  ..., 1167, 1168, 1169],\n" +
			"        [1170, 1171, 1172,  ..., 1197, 1198, 1199]])"},
		{FromSlice([]float32{1e-8, 1, 2, 3}, 2, 2), "tensor([[1.0000e-08, 1.0000e+00],\n        [2.0000e+00, 3.0000e+00]])"},
		{Zeros(2), "tensor([0., 0.])"},
		{FromSlice([]float32{123456789, 1}), "tensor([1.2346e+08, 1.0000e+00])"},
		{FromSlice([]float32{float32(math.Copysign(0, -1)), 1}), "tensor([-0., 1.])"},
		{Zeros(2, 0), "tensor([]"},
		{FromSlice([]float64{0.1, 0.25}), "tensor([0.1000, 0.2500]"},
		{ArangeOf(Int64, 0, 40, 1).Reshape(2, 20), "tensor([[ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n" +
			"         18, 19],\n        [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,\n         38, 39]])"},
		{FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3).T(), "tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]])"},
	}
	for _, c := range cases {
		s := c.x.String()
		values := s[:strings.Index(s, ", shape=")]
		want := strings.TrimSuffix(c.want, ")")
		if values != want {
			t.Errorf("String():\n%s\nwant values part:\n%s", s, want)
		}
	}
	w := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	if s := w.MulScalar(2).String(); s != "tensor([2., 4.], shape=[2], dtype=float32, grad_fn=<MulBackward>)" {
		t.Errorf("got %s", s)
	}
	if s := w.String(); s != "tensor([1., 2.], shape=[2], dtype=float32, requires_grad=true)" {
		t.Errorf("got %s", s)
	}
}

// TestGradBufferAccumulation covers how a leaf's gradient buffer is kept between Backward
// calls: after CreateGraph (the gradient of a Sum is an expanded view), after SetGrad with a
// strided tensor, and when the caller's output gradient must not be modified.
func TestGradBufferAccumulation(t *testing.T) {
	w := FromSlice([]float64{1, 2, 3}).SetRequiresGrad(true)
	w.Sum().BackwardWith(BackwardOptions{CreateGraph: true})
	w.Sum().Backward()
	wantFloats(t, "after CreateGraph then Backward", w.Grad(), 2, 2, 2)

	w.SetGrad(FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3).T().Select(1, 0)) // strided [1 2 3]
	w.Sum().Backward()
	wantFloats(t, "after SetGrad of a strided tensor", w.Grad(), 2, 3, 4)

	w.ZeroGrad()
	og := FromSlice([]float64{1, 1, 1})
	w.BackwardWith(BackwardOptions{Grad: og, CreateGraph: true})
	w.MulScalar(2).Sum().Backward()
	wantFloats(t, "leaf root", w.Grad(), 3, 3, 3)
	wantFloats(t, "caller's output gradient untouched", og, 1, 1, 1)
}

func TestReadingValuesRecordsNothing(t *testing.T) {
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	before := nodeSeq.Load()
	_ = w.Float32s()
	_ = w.Float64s()
	_ = w.String()
	if n := nodeSeq.Load() - before; n != 0 {
		t.Fatalf("reading values recorded %d autograd nodes", n)
	}
	if e := asError(t, Try(func() { Zeros(3, 1).Expand(3, -2) })); e.Op != "Expand" {
		t.Fatalf("got %v", e)
	}
}
