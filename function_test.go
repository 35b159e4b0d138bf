package eager

import (
	"math"
	"testing"
)

func cubeFunction() *Function {
	return &Function{
		Name: "Cube",
		Forward: func(ctx *FunctionCtx, xs ...*Tensor) *Tensor {
			ctx.SaveForBackward(xs[0])
			return xs[0].Mul(xs[0]).Mul(xs[0])
		},
		Backward: func(ctx *FunctionCtx, g *Tensor) []*Tensor {
			x := ctx.Saved()[0]
			return []*Tensor{g.Mul(x.Mul(x)).MulScalar(3)}
		},
	}
}

func TestFunctionGradients(t *testing.T) {
	f := cubeFunction()
	x := FromSlice([]float64{1, -2, 0.5}).SetRequiresGrad(true)
	y := f.Apply(x)
	if y.GradFn() != "CubeBackward" {
		t.Fatalf("grad fn %q", y.GradFn())
	}
	y.Sum().Backward()
	want := []float64{3, 12, 0.75}
	for i, g := range x.Grad().Float64s() {
		if math.Abs(g-want[i]) > 1e-12 {
			t.Fatalf("grad %v, want %v", x.Grad().Float64s(), want)
		}
	}
	fn := func(xs []*Tensor) *Tensor { return f.Apply(xs[0]) }
	if err := GradCheck(fn, []*Tensor{rnd64(4)}, GradCheckOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := GradGradCheck(fn, []*Tensor{rnd64(4)}, GradCheckOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestFunctionSavedModified(t *testing.T) {
	f := cubeFunction()
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	x := w.MulScalar(2)
	y := f.Apply(x).Sum()
	NoGrad(func() { x.AddScalarInPlace(1) })
	err := Try(func() { y.Backward() })
	if err == nil {
		t.Fatal("expected an error for a saved tensor modified in place")
	}
}

func TestFunctionWrongGradientCount(t *testing.T) {
	f := &Function{
		Name:     "Bad",
		Forward:  func(ctx *FunctionCtx, xs ...*Tensor) *Tensor { return xs[0].Clone() },
		Backward: func(ctx *FunctionCtx, g *Tensor) []*Tensor { return nil },
	}
	x := Ones(2).SetRequiresGrad(true)
	err := Try(func() { f.Apply(x).Sum().Backward() })
	if err == nil || err.(*Error).Op != "Bad" {
		t.Fatalf("got %v", err)
	}
}
