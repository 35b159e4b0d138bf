package eager

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// popOpt returns xs[0] and the rest when present is set, else nil and xs: fixtures list
// optional inputs (weight, bias, running statistics, mask) only when they are given.
func popOpt(xs []*Tensor, present bool) (*Tensor, []*Tensor) {
	if !present {
		return nil, xs
	}
	return xs[0], xs[1:]
}

func init() {
	refOps["layer_norm"] = func(xs []*Tensor, a map[string]any) *Tensor {
		w, rest := popOpt(xs[1:], attrBool(a, "weight"))
		b, _ := popOpt(rest, attrBool(a, "bias"))
		return LayerNorm(xs[0], attrInts(a, "normalized_shape"), w, b, attrFloat(a, "eps"))
	}
	bn := func(xs []*Tensor, a map[string]any) (*Tensor, *Tensor, *Tensor) {
		rm, rest := popOpt(xs[1:], attrBool(a, "running"))
		rv, rest := popOpt(rest, attrBool(a, "running"))
		w, rest := popOpt(rest, attrBool(a, "weight"))
		b, _ := popOpt(rest, attrBool(a, "bias"))
		y := BatchNorm(xs[0], rm, rv, w, b, attrBool(a, "training"), attrFloat(a, "momentum"), attrFloat(a, "eps"))
		return y, rm, rv
	}
	refOps["batch_norm"] = func(xs []*Tensor, a map[string]any) *Tensor {
		y, _, _ := bn(xs, a)
		return y
	}
	refOps["batch_norm_running"] = func(xs []*Tensor, a map[string]any) *Tensor {
		_, rm, rv := bn(xs, a)
		return Cat([]*Tensor{rm, rv}, 0)
	}
	refOps["group_norm"] = func(xs []*Tensor, a map[string]any) *Tensor {
		w, rest := popOpt(xs[1:], attrBool(a, "weight"))
		b, _ := popOpt(rest, attrBool(a, "bias"))
		return GroupNorm(xs[0], attrInt(a, "num_groups"), w, b, attrFloat(a, "eps"))
	}
	refOps["rms_norm"] = func(xs []*Tensor, a map[string]any) *Tensor {
		w, _ := popOpt(xs[1:], attrBool(a, "weight"))
		return RMSNorm(xs[0], attrInts(a, "normalized_shape"), w, attrFloat(a, "eps"))
	}
	refOps["sdpa"] = func(xs []*Tensor, a map[string]any) *Tensor {
		m, _ := popOpt(xs[3:], attrBool(a, "mask"))
		return ScaledDotProductAttention(xs[0], xs[1], xs[2], m, attrBool(a, "causal"), 0, false)
	}

	noGrad64 := func(shape ...int) *Tensor { return RandnOf(Float64, shape...) }
	gradCases = append(gradCases,
		gradCase{name: "LayerNorm/affine", inputs: func() []*Tensor { return []*Tensor{rnd64(3, 4), rnd64(4), rnd64(4)} },
			fn: func(xs []*Tensor) *Tensor { return LayerNorm(xs[0], []int{4}, xs[1], xs[2], 1e-5) }},
		gradCase{name: "LayerNorm/two_dims_weight_only", inputs: func() []*Tensor { return []*Tensor{rnd64(2, 2, 3), rnd64(2, 3)} },
			fn: func(xs []*Tensor) *Tensor { return LayerNorm(xs[0], []int{2, 3}, xs[1], nil, 1e-3) }},
		gradCase{name: "LayerNorm/plain", inputs: func() []*Tensor { return []*Tensor{rnd64(2, 5)} },
			fn: func(xs []*Tensor) *Tensor { return LayerNorm(xs[0], []int{5}, nil, nil, 1e-5) }},
		gradCase{name: "LayerNorm/noncontig", inputs: func() []*Tensor { return []*Tensor{makeNonContig(rnd64(3, 3)), rnd64(3), rnd64(3)} },
			fn: func(xs []*Tensor) *Tensor { return LayerNorm(xs[0], []int{3}, xs[1], xs[2], 1e-5) }},
		gradCase{name: "BatchNorm/train_2d_running", inputs: func() []*Tensor {
			return []*Tensor{rnd64(4, 3), noGrad64(3), pos64(3).Detach(), rnd64(3), rnd64(3)}
		}, fn: func(xs []*Tensor) *Tensor { return BatchNorm(xs[0], xs[1], xs[2], xs[3], xs[4], true, 0.1, 1e-5) }},
		gradCase{name: "BatchNorm/train_3d", inputs: func() []*Tensor { return []*Tensor{rnd64(2, 2, 3), rnd64(2), rnd64(2)} },
			fn: func(xs []*Tensor) *Tensor { return BatchNorm(xs[0], nil, nil, xs[1], xs[2], true, 0.1, 1e-5) }},
		gradCase{name: "BatchNorm/train_4d_no_affine", inputs: func() []*Tensor { return []*Tensor{rnd64(2, 2, 2, 2)} },
			fn: func(xs []*Tensor) *Tensor { return BatchNorm(xs[0], nil, nil, nil, nil, true, 0.1, 1e-5) }},
		gradCase{name: "BatchNorm/eval", inputs: func() []*Tensor {
			return []*Tensor{rnd64(2, 3, 2), noGrad64(3), pos64(3).Detach(), rnd64(3), rnd64(3)}
		}, fn: func(xs []*Tensor) *Tensor { return BatchNorm(xs[0], xs[1], xs[2], xs[3], xs[4], false, 0.1, 1e-5) }},
		gradCase{name: "GroupNorm/affine", inputs: func() []*Tensor { return []*Tensor{rnd64(2, 4, 3), rnd64(4), rnd64(4)} },
			fn: func(xs []*Tensor) *Tensor { return GroupNorm(xs[0], 2, xs[1], xs[2], 1e-5) }},
		gradCase{name: "GroupNorm/4d_plain", inputs: func() []*Tensor { return []*Tensor{rnd64(1, 3, 2, 2)} },
			fn: func(xs []*Tensor) *Tensor { return GroupNorm(xs[0], 3, nil, nil, 1e-5) }},
		gradCase{name: "RMSNorm/weighted", inputs: func() []*Tensor { return []*Tensor{rnd64(2, 3, 4), rnd64(4)} },
			fn: func(xs []*Tensor) *Tensor { return RMSNorm(xs[0], []int{4}, xs[1], 1e-6) }},
		gradCase{name: "RMSNorm/two_dims", inputs: func() []*Tensor { return []*Tensor{rnd64(2, 2, 3)} },
			fn: func(xs []*Tensor) *Tensor { return RMSNorm(xs[0], []int{2, 3}, nil, 1e-6) }},
		gradCase{name: "SDPA/plain", inputs: func() []*Tensor { return []*Tensor{rnd64(2, 3, 4), rnd64(2, 5, 4), rnd64(2, 5, 3)} },
			fn: func(xs []*Tensor) *Tensor {
				return ScaledDotProductAttention(xs[0], xs[1], xs[2], nil, false, 0, false)
			}},
		gradCase{name: "SDPA/causal", inputs: func() []*Tensor { return []*Tensor{rnd64(1, 4, 2), rnd64(1, 3, 2), rnd64(1, 3, 2)} },
			fn: func(xs []*Tensor) *Tensor { return ScaledDotProductAttention(xs[0], xs[1], xs[2], nil, true, 0, false) }},
		gradCase{name: "SDPA/float_mask", inputs: func() []*Tensor {
			return []*Tensor{rnd64(2, 3, 2), rnd64(2, 4, 2), rnd64(2, 4, 3), rnd64(3, 4)}
		}, fn: func(xs []*Tensor) *Tensor {
			return ScaledDotProductAttention(xs[0], xs[1], xs[2], xs[3], false, 0, false)
		}},
		gradCase{name: "SDPA/bool_mask", inputs: func() []*Tensor {
			return []*Tensor{rnd64(2, 3, 2), rnd64(2, 4, 2), rnd64(2, 4, 3), FromSlice([]bool{true, false, true, true, true, true, false, false, false, true, true, false}, 3, 4)}
		}, fn: func(xs []*Tensor) *Tensor {
			return ScaledDotProductAttention(xs[0], xs[1], xs[2], xs[3], false, 0, false)
		}},
	)
}

func TestDropout(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			x := FullOf(dt, 2, 200, 100).SetRequiresGrad(true)
			if y := Dropout(x, 0.3, false); y != x {
				t.Fatal("eval mode must return x itself")
			}
			if y := Dropout(x, 0, true); y != x {
				t.Fatal("p=0 must return x itself")
			}
			ManualSeed(42)
			y := Dropout(x, 0.3, true)
			if y.DType() != dt || !sameShape(y.Shape(), x.Shape()) {
				t.Fatalf("got %v %v", y.DType(), y.Shape())
			}
			vals := y.Float64s()
			kept, sum := 0, 0.0
			for _, v := range vals {
				switch {
				case v == 0:
				case math.Abs(v-2/0.7) < 1e-6:
					kept++
				default:
					t.Fatalf("element %v is neither 0 nor 2/(1-p)", v)
				}
				sum += v
			}
			n := float64(len(vals))
			// Binomial(20000, 0.7): sd of the kept fraction is about 0.0032; allow 5 sd.
			if frac := float64(kept) / n; math.Abs(frac-0.7) > 0.016 {
				t.Fatalf("kept fraction %v, want about 0.7", frac)
			}
			if mean := sum / n; math.Abs(mean-2) > 0.05 {
				t.Fatalf("mean %v, want about 2 (inverted dropout keeps the expectation)", mean)
			}
			// Same seed, same mask; another draw differs.
			ManualSeed(42)
			if !reflect.DeepEqual(Dropout(x, 0.3, true).Float64s(), vals) {
				t.Fatal("same seed gave a different mask")
			}
			if reflect.DeepEqual(Dropout(x, 0.3, true).Float64s(), vals) {
				t.Fatal("second draw repeated the mask")
			}
			// The gradient is mask*g.
			g := RandnOf(dt, x.Shape()...)
			y.BackwardWith(BackwardOptions{Grad: g})
			gx, gv := x.Grad().Float64s(), g.Float64s()
			for i, v := range vals {
				if want := gv[i] * v / 2; math.Abs(gx[i]-want) > 1e-5*(1+math.Abs(want)) {
					t.Fatalf("grad[%d] = %v, want mask*g = %v", i, gx[i], want)
				}
			}
			// p = 1: all zeros (NaN stays NaN, as x*0 in PyTorch), with a zero gradient.
			x1 := FromSlice([]float64{math.NaN(), 1, -3}).To(dt).SetRequiresGrad(true)
			y1 := Dropout(x1, 1, true)
			if v := y1.Float64s(); !math.IsNaN(v[0]) || v[1] != 0 || v[2] != 0 {
				t.Fatalf("p=1 gave %v", v)
			}
			y1.Sum().Backward()
			if !reflect.DeepEqual(x1.Grad().Float64s(), []float64{0, 0, 0}) {
				t.Fatalf("p=1 gradient %v", x1.Grad().Float64s())
			}
		})
	}
}

func TestSDPADropout(t *testing.T) {
	q, k, v := RandnOf(Float64, 2, 3, 4), RandnOf(Float64, 2, 5, 4), RandnOf(Float64, 2, 5, 3)
	plain := ScaledDotProductAttention(q, k, v, nil, false, 0, false).Float64s()
	if got := ScaledDotProductAttention(q, k, v, nil, false, 0.5, false).Float64s(); !reflect.DeepEqual(got, plain) {
		t.Fatal("dropout must not apply when train is false")
	}
	// With train, it equals attention with the same dropout mask applied to the weights.
	ManualSeed(9)
	got := ScaledDotProductAttention(q, k, v, nil, false, 0.5, true)
	ManualSeed(9)
	mask := bernoulliMask(Float64, []int{2, 3, 5}, 0.5)
	want := q.MulScalar(0.5).MatMul(k.Transpose(-2, -1)).Softmax(-1).Mul(mask).MatMul(v)
	if i, ok := closeEnough(got.Float64s(), want.Float64s(), 1e-12, 1e-12); !ok {
		t.Fatalf("element %d: got %v, want %v", i, got.Float64s()[i], want.Float64s()[i])
	}
}

func TestBatchNormRunningStats(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			x := RandnOf(dt, 4, 3, 2).SetRequiresGrad(true)
			rm, rv := ZerosOf(dt, 3), OnesOf(dt, 3)
			vm, vv := rm.Version(), rv.Version()
			y := BatchNorm(x, rm, rv, nil, nil, true, 0.25, 1e-5)
			if rm.Version() == vm || rv.Version() == vv {
				t.Fatal("running statistics were updated without bumping their versions")
			}
			if rm.RequiresGrad() || rv.RequiresGrad() {
				t.Fatal("running statistics must not join the graph")
			}
			xs := x.Detach()
			mean := xs.Mean(0, 2).Float64s()
			uvar := xs.Permute(1, 0, 2).Reshape(3, -1).Var(1).Float64s()
			for c := 0; c < 3; c++ {
				if w := 0.25 * mean[c]; math.Abs(rm.Float64s()[c]-w) > 1e-6 {
					t.Fatalf("runningMean[%d] = %v, want %v", c, rm.Float64s()[c], w)
				}
				if w := 0.75 + 0.25*uvar[c]; math.Abs(rv.Float64s()[c]-w) > 1e-6 {
					t.Fatalf("runningVar[%d] = %v, want %v (unbiased)", c, rv.Float64s()[c], w)
				}
			}
			y.Sum().Backward() // the update must not disturb backward
			// Evaluation uses the running statistics, for any batch size, and changes nothing.
			vm, vv = rm.Version(), rv.Version()
			x1 := RandnOf(dt, 1, 3, 2)
			e := BatchNorm(x1, rm, rv, nil, nil, false, 0.25, 1e-5)
			if rm.Version() != vm || rv.Version() != vv {
				t.Fatal("evaluation modified the running statistics")
			}
			want := x1.Sub(rm.Reshape(3, 1)).Div(rv.Reshape(3, 1).AddScalar(1e-5).Sqrt())
			if i, ok := closeEnough(e.Float64s(), want.Float64s(), 1e-5, 1e-5); !ok {
				t.Fatalf("eval element %d: got %v want %v", i, e.Float64s()[i], want.Float64s()[i])
			}
			// Without running statistics, evaluation normalises with the batch statistics.
			a := BatchNorm(x.Detach(), nil, nil, nil, nil, false, 0.1, 1e-5).Float64s()
			b := BatchNorm(x.Detach(), nil, nil, nil, nil, true, 0.1, 1e-5).Float64s()
			if !reflect.DeepEqual(a, b) {
				t.Fatal("eval without running statistics must use batch statistics")
			}
		})
	}
}

// TestNormSavedInPlace checks that LayerNorm and BatchNorm report an input modified in place
// between forward and backward.
func TestNormSavedInPlace(t *testing.T) {
	for name, f := range map[string]func(x, w *Tensor) *Tensor{
		"LayerNorm": func(x, w *Tensor) *Tensor { return LayerNorm(x, []int{3}, w, nil, 1e-5) },
		"BatchNorm": func(x, w *Tensor) *Tensor { return BatchNorm(x, nil, nil, w, nil, true, 0.1, 1e-5) },
	} {
		t.Run(name, func(t *testing.T) {
			x := Randn(4, 3)
			w := Randn(3).SetRequiresGrad(true)
			y := f(x, w)
			x.AddScalarInPlace(1)
			err := Try(func() { y.Sum().Backward() })
			if err == nil || !strings.Contains(err.Error(), "modified by an in-place operation") {
				t.Fatalf("got %v", err)
			}
		})
	}
}

// layerNormComposite is LayerNorm built from primitive ops: the reference for the fused
// primitive and the baseline of BenchmarkLayerNorm.
func layerNormComposite(x *Tensor, ns []int, w, b *Tensor, eps float64) *Tensor {
	dims := make([]int, len(ns))
	for i := range dims {
		dims[i] = len(x.shape) - len(ns) + i
	}
	xc := x.Sub(x.MeanKeepDim(dims...))
	y := xc.Mul(xc.Square().MeanKeepDim(dims...).AddScalar(eps).Rsqrt())
	if w != nil {
		y = y.Mul(w)
	}
	if b != nil {
		y = y.Add(b)
	}
	return y
}

// batchNormComposite is training-mode BatchNorm (no running statistics) from primitive ops.
func batchNormComposite(x, w, b *Tensor, eps float64) *Tensor {
	dims := []int{0}
	for i := 2; i < len(x.shape); i++ {
		dims = append(dims, i)
	}
	wb := make([]int, len(x.shape)-1)
	for i := range wb {
		wb[i] = 1
	}
	wb[0] = x.shape[1]
	xc := x.Sub(x.MeanKeepDim(dims...))
	y := xc.Mul(xc.Square().MeanKeepDim(dims...).AddScalar(eps).Rsqrt())
	if w != nil {
		y = y.Mul(w.Reshape(wb...))
	}
	if b != nil {
		y = y.Add(b.Reshape(wb...))
	}
	return y
}

// TestNormMatchesComposite compares the fused primitives with the composites: outputs and
// first-order gradients (the fused backward kernel) with and without affine parameters, in
// float32 and float64, and second derivatives (the tensor-op backward) in float64.
func TestNormMatchesComposite(t *testing.T) {
	ManualSeed(5)
	type fn func(x, w, b *Tensor) *Tensor
	for _, c := range []struct {
		name       string
		xs, ps     []int
		fused, ref fn
	}{
		{"LayerNorm", []int{3, 4, 5}, []int{4, 5},
			func(x, w, b *Tensor) *Tensor { return LayerNorm(x, []int{4, 5}, w, b, 1e-5) },
			func(x, w, b *Tensor) *Tensor { return layerNormComposite(x, []int{4, 5}, w, b, 1e-5) }},
		{"BatchNorm", []int{3, 4, 5}, []int{4},
			func(x, w, b *Tensor) *Tensor { return BatchNorm(x, nil, nil, w, b, true, 0.1, 1e-5) },
			func(x, w, b *Tensor) *Tensor { return batchNormComposite(x, w, b, 1e-5) }},
		{"BatchNorm4d", []int{2, 3, 2, 3}, []int{3},
			func(x, w, b *Tensor) *Tensor { return BatchNorm(x, nil, nil, w, b, true, 0.1, 1e-5) },
			func(x, w, b *Tensor) *Tensor { return batchNormComposite(x, w, b, 1e-5) }},
	} {
		for _, dt := range []DType{Float32, Float64} {
			for _, affine := range []string{"wb", "w", "b", "none"} {
				t.Run(fmt.Sprintf("%s/%v/%s/first_order", c.name, dt, affine), func(t *testing.T) {
					x := RandnOf(dt, c.xs...).SetRequiresGrad(true)
					var w, b *Tensor
					ins := []*Tensor{x}
					if strings.Contains(affine, "w") {
						w = RandnOf(dt, c.ps...).SetRequiresGrad(true)
						ins = append(ins, w)
					}
					if strings.Contains(affine, "b") {
						b = RandnOf(dt, c.ps...).SetRequiresGrad(true)
						ins = append(ins, b)
					}
					g := RandnOf(dt, c.xs...)
					run := func(f fn) []float64 {
						y := f(x, w, b)
						all := y.Float64s()
						for _, gi := range Grad([]*Tensor{y}, ins, GradOptions{GradOutputs: []*Tensor{g}}) {
							all = append(all, gi.Float64s()...)
						}
						return all
					}
					got, want := run(c.fused), run(c.ref)
					tol := 1e-10
					if dt == Float32 {
						tol = 1e-4
					}
					if i, ok := closeEnough(got, want, tol, tol); !ok {
						t.Fatalf("value %d: fused %v, composite %v", i, got[i], want[i])
					}
				})
			}
		}
		t.Run(c.name+"/second_order", func(t *testing.T) {
			x, w, b := rnd64(c.xs...), rnd64(c.ps...), rnd64(c.ps...)
			g := RandnOf(Float64, c.xs...)
			run := func(f fn) []float64 {
				y := f(x, w, b)
				gs := Grad([]*Tensor{y}, []*Tensor{x, w, b}, GradOptions{GradOutputs: []*Tensor{g}, CreateGraph: true})
				// A scalar of the first-order gradients, differentiated again.
				s := gs[0].Square().Sum().Add(gs[1].Mul(gs[2]).Sum())
				gg := Grad([]*Tensor{s}, []*Tensor{x, w}, GradOptions{})
				var all []float64
				for _, t := range append(append([]*Tensor{y}, gs...), gg...) {
					all = append(all, t.Float64s()...)
				}
				return all
			}
			got, want := run(c.fused), run(c.ref)
			if i, ok := closeEnough(got, want, 1e-10, 1e-9); !ok {
				t.Fatalf("value %d: fused %v, composite %v", i, got[i], want[i])
			}
		})
	}
}

func TestNNErrors(t *testing.T) {
	x := Randn(2, 4)
	x64 := RandnOf(Float64, 2, 4)
	q, k, v := Randn(2, 3, 4), Randn(2, 5, 4), Randn(2, 5, 6)
	cases := []struct {
		op, msg string
		fn      func()
	}{
		{"Dropout", "between 0 and 1, but got 1.5", func() { Dropout(x, 1.5, true) }},
		{"Dropout", "between 0 and 1, but got -0.1", func() { Dropout(x, -0.1, false) }},
		{"Dropout", "but got NaN", func() { Dropout(x, math.NaN(), true) }},
		{"Dropout", "floating-point", func() { Dropout(ZerosOf(Int64, 3), 0.5, true) }},
		{"LayerNorm", "given normalizedShape [3], expected input with shape [*, 3], but got input of shape [2 4]", func() { LayerNorm(x, []int{3}, nil, nil, 1e-5) }},
		{"LayerNorm", "expected input with shape [*, 2, 2, 4]", func() { LayerNorm(x, []int{2, 2, 4}, nil, nil, 1e-5) }},
		{"LayerNorm", "at least one dim", func() { LayerNorm(x, nil, nil, nil, 1e-5) }},
		{"LayerNorm", "expected weight of shape [4], but got weight of shape [3]", func() { LayerNorm(x, []int{4}, Ones(3), nil, 1e-5) }},
		{"LayerNorm", "expected bias of shape [4], but got bias of shape [1 4]", func() { LayerNorm(x, []int{4}, nil, Ones(1, 4), 1e-5) }},
		{"LayerNorm", "weight has dtype float64 but the input has dtype float32", func() { LayerNorm(x, []int{4}, OnesOf(Float64, 4), nil, 1e-5) }},
		{"LayerNorm", "floating-point", func() { LayerNorm(ZerosOf(Int64, 2, 4), []int{4}, nil, nil, 1e-5) }},
		{"BatchNorm", "runningMean should contain 4 elements (the channels of input of shape [2 4]), not 3", func() { BatchNorm(x, Zeros(3), Ones(4), nil, nil, false, 0.1, 1e-5) }},
		{"BatchNorm", "runningVar should contain 4 elements", func() { BatchNorm(x, Zeros(4), Ones(5), nil, nil, true, 0.1, 1e-5) }},
		{"BatchNorm", "weight should contain 4 elements", func() { BatchNorm(x, nil, nil, Ones(2), nil, true, 0.1, 1e-5) }},
		{"BatchNorm", "bias should contain 4 elements", func() { BatchNorm(x, nil, nil, nil, Ones(8), true, 0.1, 1e-5) }},
		{"BatchNorm", "runningMean has dtype float64", func() { BatchNorm(x, ZerosOf(Float64, 4), Ones(4), nil, nil, true, 0.1, 1e-5) }},
		{"BatchNorm", "at least 2 dims, got shape [4]", func() { BatchNorm(Randn(4), nil, nil, nil, nil, true, 0.1, 1e-5) }},
		{"BatchNorm", "more than 1 value per channel when training, got input of shape [1 4]", func() { BatchNorm(Randn(1, 4), nil, nil, nil, nil, true, 0.1, 1e-5) }},
		{"BatchNorm", "both be given", func() { BatchNorm(x, Zeros(4), nil, nil, nil, false, 0.1, 1e-5) }},
		{"BatchNorm", "must not require grad", func() { BatchNorm(x, Zeros(4).SetRequiresGrad(true), Ones(4), nil, nil, true, 0.1, 1e-5) }},
		{"GroupNorm", "divisible by numGroups, but got input of shape [2 5 3] and numGroups=2", func() { GroupNorm(Randn(2, 5, 3), 2, nil, nil, 1e-5) }},
		{"GroupNorm", "numGroups=0", func() { GroupNorm(Randn(2, 4, 3), 0, nil, nil, 1e-5) }},
		{"GroupNorm", "expected weight of shape [4], but got weight of shape [3]", func() { GroupNorm(Randn(2, 4, 3), 2, Ones(3), nil, 1e-5) }},
		{"GroupNorm", "at least 2 dims", func() { GroupNorm(Randn(4), 2, nil, nil, 1e-5) }},
		{"RMSNorm", "given normalizedShape [3], expected input with shape [*, 3]", func() { RMSNorm(x, []int{3}, nil, 1e-6) }},
		{"RMSNorm", "expected weight of shape [4], but got weight of shape [2 2]", func() { RMSNorm(x64, []int{4}, OnesOf(Float64, 2, 2), 1e-6) }},
		{"ScaledDotProductAttention", "same embedding size", func() { ScaledDotProductAttention(q, Randn(2, 5, 3), v, nil, false, 0, false) }},
		{"ScaledDotProductAttention", "same sequence length", func() { ScaledDotProductAttention(q, k, Randn(2, 4, 6), nil, false, 0, false) }},
		{"ScaledDotProductAttention", "at least 2 dims", func() { ScaledDotProductAttention(Randn(4), k, v, nil, false, 0, false) }},
		{"ScaledDotProductAttention", "cannot be broadcast", func() { ScaledDotProductAttention(q, Randn(3, 5, 4), Randn(3, 5, 6), nil, false, 0, false) }},
		{"ScaledDotProductAttention", "same floating-point dtype", func() { ScaledDotProductAttention(q, k.To(Float64), v, nil, false, 0, false) }},
		{"ScaledDotProductAttention", "must not be given when causal", func() { ScaledDotProductAttention(q, k, v, OnesOf(Bool, 3, 5), true, 0, false) }},
		{"ScaledDotProductAttention", "mask of shape [3 4] does not broadcast to the attention shape [2 3 5]", func() { ScaledDotProductAttention(q, k, v, OnesOf(Bool, 3, 4), false, 0, false) }},
		{"ScaledDotProductAttention", "mask of shape [4 2 3 5]", func() { ScaledDotProductAttention(q, k, v, Zeros(4, 2, 3, 5), false, 0, false) }},
		{"ScaledDotProductAttention", "mask must be bool or have the query's dtype float32, got int64", func() { ScaledDotProductAttention(q, k, v, ZerosOf(Int64, 3, 5), false, 0, false) }},
		{"ScaledDotProductAttention", "between 0 and 1, but got 2", func() { ScaledDotProductAttention(q, k, v, nil, false, 2, true) }},
	}
	for _, c := range cases {
		// Each fn is a one-line literal, so its starting line is the line of the call.
		_, line := runtime.FuncForPC(reflect.ValueOf(c.fn).Pointer()).FileLine(reflect.ValueOf(c.fn).Pointer())
		where := fmt.Sprintf("nnops_test.go:%d", line)
		t.Run(c.op+"/"+c.msg, func(t *testing.T) {
			err := Try(c.fn)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("want an *Error, got %v", err)
			}
			if e.Op != c.op || !strings.Contains(e.Msg, c.msg) || e.Where != where {
				t.Fatalf("got Op %q Msg %q Where %q; want Op %q, Msg containing %q, Where %q", e.Op, e.Msg, e.Where, c.op, c.msg, where)
			}
		})
	}
}

// BenchmarkLayerNorm compares the fused LayerNorm primitive with the same function composed
// of primitive ops, forward alone and forward+backward.
func BenchmarkLayerNorm(b *testing.B) {
	x := Randn(64, 512).SetRequiresGrad(true)
	w, bias := Randn(512).SetRequiresGrad(true), Randn(512).SetRequiresGrad(true)
	g := Randn(64, 512)
	for _, impl := range []struct {
		name string
		f    func() *Tensor
	}{
		{"fused", func() *Tensor { return LayerNorm(x, []int{512}, w, bias, 1e-5) }},
		{"composite", func() *Tensor { return layerNormComposite(x, []int{512}, w, bias, 1e-5) }},
	} {
		b.Run("f32/64x512/fwd/"+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(4 * 64 * 512)
			for i := 0; i < b.N; i++ {
				NoGrad(func() { impl.f() })
			}
		})
		b.Run("f32/64x512/fwdbwd/"+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(4 * 64 * 512)
			for i := 0; i < b.N; i++ {
				impl.f().BackwardWith(BackwardOptions{Grad: g})
			}
		})
	}
}

// BenchmarkBatchNorm compares training-mode BatchNorm with its composite.
func BenchmarkBatchNorm(b *testing.B) {
	x := Randn(16, 32, 16, 16).SetRequiresGrad(true)
	w, bias := Randn(32).SetRequiresGrad(true), Randn(32).SetRequiresGrad(true)
	g := Randn(16, 32, 16, 16)
	for _, impl := range []struct {
		name string
		f    func() *Tensor
	}{
		{"fused", func() *Tensor { return BatchNorm(x, nil, nil, w, bias, true, 0.1, 1e-5) }},
		{"composite", func() *Tensor { return batchNormComposite(x, w, bias, 1e-5) }},
	} {
		b.Run("f32/16x32x16x16/fwd/"+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(4 * int64(x.Numel()))
			for i := 0; i < b.N; i++ {
				NoGrad(func() { impl.f() })
			}
		})
		b.Run("f32/16x32x16x16/fwdbwd/"+impl.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(4 * int64(x.Numel()))
			for i := 0; i < b.N; i++ {
				impl.f().BackwardWith(BackwardOptions{Grad: g})
			}
		})
	}
}

// TestNormObserved runs the primitives with absent weight and bias under an op observer and
// anomaly detection: absent parameters are left out of the inputs (the has_weight and
// has_bias attrs say which are there).
func TestNormObserved(t *testing.T) {
	var got [][]*Tensor
	old := SetOpObserver(func(op *OpInfo, inputs []*Tensor, _ *Tensor, _ []Attr) {
		if op.Name == "LayerNorm" || op.Name == "BatchNorm" {
			got = append(got, inputs)
		}
	})
	defer func() { SetOpObserver(old) }()
	DetectAnomaly(func() {
		x := Randn(4, 3).SetRequiresGrad(true)
		LayerNorm(x, []int{3}, nil, nil, 1e-5).Sum().Backward()
		BatchNorm(x, nil, nil, nil, Zeros(3), true, 0.1, 1e-5).Sum().Backward()
	})
	if len(got) != 2 || len(got[0]) != 1 || len(got[1]) != 2 || got[1][1] == nil {
		t.Fatalf("observer saw %v", got)
	}
}
