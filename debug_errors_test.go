package eager

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestAutogradMisuseMessages checks the four autograd mistakes the debugging issue lists, each
// reached the way users reach it, for the op, the user's exact line, and a message that says
// what to do. (autograd_test.go covers the basic cases; these are the realistic variants.)
func TestAutogradMisuseMessages(t *testing.T) {
	at := func(line int) string { return fmt.Sprintf("debug_errors_test.go:%d", line) }
	cases := []struct {
		name string
		run  func() (line int, err error) // line: where the failing call is
		op   string
		msgs []string // all must appear
	}{
		{"Backward on a non-scalar", func() (int, error) {
			w := Randn(3, 4).SetRequiresGrad(true)
			y := w.MulScalar(2)
			return callerLine(), Try(func() { y.Backward() })
		}, "Backward", []string{"only for one-element outputs", "shape [3 4]",
			"pass the output gradient explicitly (BackwardOptions.Grad)", "reduce the output first (e.g. Sum or Mean)"}},
		{"Grad of a non-scalar", func() (int, error) {
			w := Randn(2).SetRequiresGrad(true)
			return callerLine(), Try(func() { Grad([]*Tensor{w.Exp()}, []*Tensor{w}, GradOptions{}) })
		}, "Grad", []string{"only for one-element outputs", "pass the output gradient explicitly"}},
		{"no grad path: parameters never required grad", func() (int, error) {
			w, x := Randn(4, 2), Randn(3, 4)
			loss := x.MatMul(w).Sum()
			return callerLine(), Try(func() { loss.Backward() })
		}, "Backward", []string{"does not require grad and has no grad_fn", "call SetRequiresGrad(true) on the parameters"}},
		{"no grad path: loss computed under NoGrad", func() (int, error) {
			w := Randn(4, 2).SetRequiresGrad(true)
			var loss *Tensor
			NoGrad(func() { loss = Randn(3, 4).MatMul(w).Sum() })
			return callerLine(), Try(func() { loss.Backward() })
		}, "Backward", []string{"does not require grad", "do not compute the output inside NoGrad"}},
		{"second backward through a shared trunk", func() (int, error) {
			w := Randn(3).SetRequiresGrad(true)
			h := w.Exp() // shared by both losses
			h.Sum().Backward()
			return callerLine(), Try(func() { h.Mul(h).Sum().Backward() })
		}, "Backward", []string{"backward through the graph a second time", "ExpBackward",
			"pass RetainGraph: true to the first call"}},
		{"second Grad through a freed graph", func() (int, error) {
			w := Randn(3).SetRequiresGrad(true)
			y := w.Sin().Sum()
			Grad([]*Tensor{y}, []*Tensor{w}, GradOptions{})
			return callerLine(), Try(func() { Grad([]*Tensor{y}, []*Tensor{w}, GradOptions{}) })
		}, "Grad", []string{"a second time", "RetainGraph: true"}},
		{"in-place change of a saved activation", func() (int, error) {
			w := Randn(2, 3).SetRequiresGrad(true)
			a := w.Sigmoid() // Sigmoid saves its output
			loss := a.Sum()
			NoGrad(func() { a.MulScalarInPlace(0.5) })
			return callerLine(), Try(func() { loss.Backward() })
		}, "Backward", []string{"needed by SigmoidBackward", "modified by an in-place operation",
			"version 1, expected version 0", "make a copy (Clone) before modifying it", "run under DetectAnomaly"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line, err := c.run()
			e := asError(t, err)
			if e.Op != c.op || e.Where != at(line) {
				t.Fatalf("got %v\nwant op %s at %s", e, c.op, at(line))
			}
			for _, m := range c.msgs {
				if !strings.Contains(e.Msg, m) {
					t.Errorf("message lacks %q:\n%s", m, e.Msg)
				}
			}
		})
	}
}

// TestDTypeMisuseMessages checks dtype errors name the op, the dtypes and the caller's line.
func TestDTypeMisuseMessages(t *testing.T) {
	ints := FromSlice([]int64{1, 2, 3, 4}, 2, 2)
	cases := []struct {
		op, msg string
		fn      func()
	}{
		{"MatMul", "needs floating-point tensors, got int64 and float32", func() { ints.MatMul(Zeros(2, 2)) }},
		{"SetRequiresGrad", "only floating-point tensors can require grad, got int64", func() { ints.SetRequiresGrad(true) }},
		{"Where", "condition must be bool", func() { Where(ints, Zeros(2, 2), Zeros(2, 2)) }},
	}
	for _, c := range cases {
		e := asError(t, Try(c.fn))
		if e.Op != c.op || !strings.Contains(e.Msg, c.msg) || !strings.HasPrefix(e.Where, "debug_errors_test.go:") {
			t.Errorf("got %v\nwant %s: ...%s... (debug_errors_test.go:N)", e, c.op, c.msg)
		}
	}
}

// An in-place update whose operand partly overlaps the tensor it modifies is refused (its
// result would depend on the order the elements are written in); the tensor itself, and
// disjoint views of one storage, broadcast or not, are fine.
func TestInPlaceOverlapMessages(t *testing.T) {
	v := Arange(0, 10, 1)
	a, b := v.Narrow(0, 0, 6), v.Narrow(0, 4, 6)
	sq := Randn(3, 3)
	cases := []struct {
		op string
		fn func()
	}{
		{"AddInPlace", func() { a.AddInPlace(b) }},
		{"AddInPlace", func() { sq.AddInPlace(sq.T()) }},
		{"MulInPlace", func() { b.MulInPlace(v.Narrow(0, 5, 1)) }}, // broadcast from inside b
		{"AddScaledInPlace", func() { a.AddScaledInPlace(b, 2) }},
		{"AddcmulInPlace", func() { a.AddcmulInPlace(b, a, 1) }},
		{"AddcdivInPlace", func() { a.AddcdivInPlace(a, b, 1) }},
	}
	for _, c := range cases {
		e := asError(t, Try(c.fn))
		if e.Op != c.op || !strings.Contains(e.Msg, "overlaps in memory") || !strings.HasPrefix(e.Where, "debug_errors_test.go:") {
			t.Errorf("got %v\nwant %s: ...overlaps in memory... (debug_errors_test.go:N)", e, c.op)
		}
	}
	want := v.Float32s()
	for i := range 4 {
		want[6+i] += want[i] // disjoint views of one storage
	}
	for i := range 4 {
		want[i] *= 2 * want[9] // a disjoint element, broadcast
	}
	v.Narrow(0, 6, 4).AddInPlace(v.Narrow(0, 0, 4))
	v.Narrow(0, 0, 4).MulInPlace(v.Narrow(0, 9, 1).MulScalar(2))
	if got := v.Float32s(); !slices.Equal(got, want) {
		t.Fatalf("in-place updates between disjoint views: got %v, want %v", got, want)
	}
	s := sq.Float32s()
	sq.AddInPlace(sq) // the tensor itself
	for i, x := range sq.Float32s() {
		if x != 2*s[i] {
			t.Fatalf("x += x: element %d is %v, want %v", i, x, 2*s[i])
		}
	}
}
