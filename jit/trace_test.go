package jit

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

// bitsEqual reports whether two tensors have the same shape, dtype and bit-identical values
// (NaNs of any payload count as equal).
func bitsEqual(t *testing.T, what string, got, want *eager.Tensor) {
	t.Helper()
	if got.DType() != want.DType() || !sameInts(got.Shape(), want.Shape()) {
		t.Fatalf("%s: got %v%v, want %v%v", what, got.DType(), got.Shape(), want.DType(), want.Shape())
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range g {
		if math.Float64bits(g[i]) != math.Float64bits(w[i]) && !(math.IsNaN(g[i]) && math.IsNaN(w[i])) {
			t.Fatalf("%s: element %d: got %v, want %v", what, i, g[i], w[i])
		}
	}
}

func TestReplayTableCoversOps(t *testing.T) {
	for _, op := range eager.Ops() {
		if lookupOp(op.Name) == nil {
			t.Errorf("op %s has no replay function in jit's table", op.Name)
		}
	}
}

func TestCompileMatchesEager(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		x, y := xs[0], xs[1]
		h := x.Mul(y).AddScalar(1).Tanh()
		return []*eager.Tensor{h.Sum(1), h.Softmax(-1).MatMul(y.T())}
	}
	f := Compile(fn)
	eager.ManualSeed(1)
	for call := 0; call < 3; call++ {
		x, y := eager.Randn(3, 4), eager.Randn(3, 4)
		got := f.Call(x, y)
		want := fn(x, y)
		for i := range want {
			bitsEqual(t, "output", got[i], want[i])
		}
	}
	s := f.Stats()
	if s.Traces != 1 || s.Hits != 2 || s.Calls != 3 {
		t.Fatalf("stats %+v, want 1 trace and 2 hits", s)
	}
}

func TestRetraceOnNewShapes(t *testing.T) {
	f := Compile1(func(x *eager.Tensor) *eager.Tensor { return x.Exp().Sum() }, WithCacheSize(2))
	for _, n := range []int{3, 4, 3, 5, 3, 4} {
		x := eager.Randn(n)
		bitsEqual(t, "output", f.Call(x), x.Exp().Sum())
	}
	s := f.Stats()
	// 3 (trace), 4 (trace), 3 (hit), 5 (trace, evicts 4), 3 (hit), 4 (trace, evicts 5)
	if s.Traces != 4 || s.Hits != 2 || s.Evictions != 2 || s.Cached != 2 {
		t.Fatalf("stats %+v", s)
	}
	if s.Reasons[0] != "first call" || !strings.Contains(s.Reasons[1], "input 0: f32[3] -> f32[4]") {
		t.Fatalf("reasons %q", s.Reasons)
	}
	g := eager.Randn(3).SetRequiresGrad(true)
	f.Call(g)
	if r := f.Stats().Reasons[4]; !strings.Contains(r, "f32[3] requires-grad") {
		t.Fatalf("reason %q does not mention requires-grad", r)
	}
}

func TestCapturedParameterUpdatesAreSeen(t *testing.T) {
	w := eager.Ones(3)
	f := Compile1(func(x *eager.Tensor) *eager.Tensor { return x.Mul(w) })
	x := eager.FromSlice([]float32{1, 2, 3})
	bitsEqual(t, "first", f.Call(x), eager.FromSlice([]float32{1, 2, 3}))
	w.MulScalarInPlace(2)
	bitsEqual(t, "after update", f.Call(x), eager.FromSlice([]float32{2, 4, 6}))
	if n := f.Graph().Count("Capture"); n != 1 {
		t.Fatalf("graph has %d captures, want 1:\n%s", n, f.Graph())
	}
}

func TestDataDependentReadFails(t *testing.T) {
	f := Compile1(func(x *eager.Tensor) *eager.Tensor {
		if x.Sum().Item() > 0 { // the line the error must name
			return x
		}
		return x.Neg()
	})
	_, err := f.TryCall(eager.Randn(3))
	var je *Error
	if !errors.As(err, &je) || !errors.Is(err, ErrDataDependent) {
		t.Fatalf("got %v, want a data-dependent *Error", err)
	}
	if je.Op != "Item" || !strings.HasPrefix(je.Where, "trace_test.go:") {
		t.Fatalf("error %q: want op Item at trace_test.go", err)
	}
	// Printing a traced tensor is a read too, even through fmt, which recovers panics of
	// String methods.
	f2 := Compile1(func(x *eager.Tensor) *eager.Tensor { _ = fmt.Sprint(x.Exp()); return x })
	if _, err := f2.TryCall(eager.Randn(2)); !errors.Is(err, ErrDataDependent) || !errors.As(err, &je) ||
		je.Op != "String" || !strings.HasPrefix(je.Where, "trace_test.go:") {
		t.Fatalf("String: got %v", err)
	}
	// Constants made inside fn may be read.
	f3 := Compile1(func(x *eager.Tensor) *eager.Tensor {
		return x.MulScalar(eager.Full(2, 1).Mul(eager.Full(3, 1)).Item())
	})
	bitsEqual(t, "const read", f3.Call(eager.Ones(2)), eager.Full(6, 2))
}

func TestUnsupportedOpFails(t *testing.T) {
	saved := lookupOp("Cos")
	replayMu.Lock()
	delete(replayTable, "Cos")
	replayMu.Unlock()
	defer RegisterOp("Cos", saved)
	f := Compile1(func(x *eager.Tensor) *eager.Tensor { return x.Cos() })
	_, err := f.TryCall(eager.Randn(2))
	var je *Error
	if !errors.As(err, &je) || !errors.Is(err, ErrUnsupported) || je.Op != "Cos" || !strings.HasPrefix(je.Where, "trace_test.go:") {
		t.Fatalf("got %v, want an unsupported-op error naming Cos and trace_test.go", err)
	}
}

func TestRandomOpsDrawFreshValues(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		return []*eager.Tensor{xs[0].Add(eager.Rand(3)), eager.Randn(2, 2), eager.RandInt(0, 10, 4)}
	}
	f := Compile(fn)
	x := eager.Zeros(3)
	for call := 0; call < 3; call++ {
		eager.ManualSeed(uint64(call))
		got := f.Call(x)
		eager.ManualSeed(uint64(call))
		want := fn(x)
		for i := range want {
			bitsEqual(t, "random output", got[i], want[i])
		}
	}
}

func TestMaxDimIndices(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		v, i := xs[0].MaxDim(1, false)
		return []*eager.Tensor{v.Mul(v), i.AddScalar(1), xs[0].ArgMax(0)}
	}
	f := Compile(fn)
	for call := 0; call < 2; call++ {
		x := eager.Randn(4, 5)
		got, want := f.Call(x), fn(x)
		for i := range want {
			bitsEqual(t, "output", got[i], want[i])
		}
	}
}

func TestGraphPrinting(t *testing.T) {
	w := eager.Randn(4, 2)
	f := Compile1(func(x *eager.Tensor) *eager.Tensor { return x.MatMul(w).ReLU().MulScalar(0.5) })
	f.Call(eager.Randn(3, 4))
	gs := f.Graphs()
	if len(gs) != len(DefaultPasses)+1 || gs[0].Pass != "trace" {
		t.Fatalf("got %d snapshots", len(gs))
	}
	s := gs[0].Graph.String()
	for _, want := range []string{"Input #0 : f32[3 4]", "Capture #0 : f32[4 2]", "Bmm(", "return %"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	d := gs[len(gs)-1].Graph.DOT()
	if !strings.HasPrefix(d, "digraph jit {") || !strings.Contains(d, "->") {
		t.Errorf("DOT():\n%s", d)
	}
}
