package eager

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func init() {
	refOps["index_select"] = func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].IndexSelect(attrInt(a, "dim"), xs[1]) }
	refOps["index_add"] = func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].IndexAdd(attrInt(a, "dim"), xs[1], xs[2]) }
	refOps["gather"] = func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].Gather(attrInt(a, "dim"), xs[1]) }
	refOps["scatter"] = func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].Scatter(attrInt(a, "dim"), xs[1], xs[2]) }
	refOps["scatter_add"] = func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].ScatterAdd(attrInt(a, "dim"), xs[1], xs[2])
	}
	refOps["scatter_value"] = func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].ScatterValue(attrInt(a, "dim"), xs[1], attrValue(a, "value"))
	}
	refOps["masked_fill"] = func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].MaskedFill(xs[1], attrValue(a, "value")) }
	refOps["one_hot"] = func(xs []*Tensor, a map[string]any) *Tensor { return OneHot(xs[0], attrInt(a, "num_classes")) }
	refOps["pad"] = func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Pad(attrInts(a, "pads"), a["mode"].(string), attrValue(a, "value"))
	}
	refOps["embedding"] = func(xs []*Tensor, a map[string]any) *Tensor {
		return Embedding(xs[0], xs[1], attrInt(a, "padding_idx"))
	}

	ix := func(v ...int64) *Tensor { return FromSlice(v) }
	ix2 := func(rows, cols int, v ...int64) *Tensor { return FromSlice(v, rows, cols) }
	one := func(shape ...int) func() []*Tensor { return func() []*Tensor { return []*Tensor{rnd64(shape...)} } }
	two := func(a, b []int) func() []*Tensor {
		return func() []*Tensor { return []*Tensor{rnd64(a...), rnd64(b...)} }
	}
	gradCases = append(gradCases,
		gradCase{name: "IndexSelect/dim0_dup", inputs: one(3, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].IndexSelect(0, ix(2, 0, 2, 1))
		}},
		gradCase{name: "IndexSelect/dim-1_3d", inputs: one(2, 3, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].IndexSelect(-1, ix(3, 3, 0))
		}},
		gradCase{name: "IndexSelect/noncontig", inputs: one(4, 3), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Transpose(0, 1).IndexSelect(1, ix(1, 3, 1))
		}},
		gradCase{name: "IndexSelect/0d", inputs: one(), fn: func(xs []*Tensor) *Tensor {
			return xs[0].IndexSelect(0, ix(0)).MulScalar(3)
		}},
		gradCase{name: "IndexAdd/dup", inputs: two([]int{3, 4}, []int{3, 4}), fn: func(xs []*Tensor) *Tensor {
			return xs[0].IndexAdd(0, ix(2, 0, 2), xs[1])
		}},
		gradCase{name: "IndexAdd/dim1_product", inputs: two([]int{2, 3}, []int{2, 2}), fn: func(xs []*Tensor) *Tensor {
			// a product makes the second derivative non-zero
			return xs[0].IndexAdd(1, ix(1, 1), xs[1].Mul(xs[1]))
		}},
		gradCase{name: "Gather/dim0", inputs: one(3, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Gather(0, ix2(2, 4, 2, 0, 1, 2, 0, 0, 2, 1))
		}},
		gradCase{name: "Gather/dim1_dup_smaller", inputs: one(3, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Gather(1, ix2(2, 3, 3, 3, 0, 1, 1, 1))
		}},
		gradCase{name: "Gather/squared", inputs: one(3, 3), fn: func(xs []*Tensor) *Tensor {
			g := xs[0].Gather(1, ix2(3, 2, 0, 0, 2, 1, 1, 1))
			return g.Mul(g)
		}},
		gradCase{name: "Gather/noncontig_3d", inputs: one(2, 3, 2), fn: func(xs []*Tensor) *Tensor {
			idx := FromSlice([]int64{0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1}, 2, 3, 2).Transpose(1, 2)
			return xs[0].Permute(0, 2, 1).Gather(2, idx)
		}},
		gradCase{name: "Scatter/src", inputs: two([]int{3, 4}, []int{2, 4}), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Scatter(0, ix2(2, 4, 1, 0, 2, 0, 2, 1, 0, 1), xs[1])
		}},
		gradCase{name: "Scatter/src_larger_product", inputs: two([]int{3, 4}, []int{2, 5}), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Mul(xs[0]).Scatter(1, ix2(2, 2, 3, 0, 1, 2), xs[1].Mul(xs[1]))
		}},
		gradCase{name: "Scatter/value", inputs: one(3, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].ScatterValue(1, ix2(3, 1, 0, 3, 1), 2.5)
		}},
		gradCase{name: "ScatterAdd/dup", inputs: two([]int{3, 4}, []int{3, 4}), fn: func(xs []*Tensor) *Tensor {
			return xs[0].ScatterAdd(0, ix2(3, 4, 1, 0, 1, 0, 1, 1, 0, 2, 2, 0, 1, 0), xs[1])
		}},
		gradCase{name: "ScatterAdd/smaller_product", inputs: two([]int{3, 4}, []int{2, 3}), fn: func(xs []*Tensor) *Tensor {
			return xs[0].ScatterAdd(1, ix2(2, 2, 3, 3, 1, 1), xs[1].Mul(xs[1])).Mul(xs[0])
		}},
		gradCase{name: "MaskedFill/bcast", inputs: one(3, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].MaskedFill(FromSlice([]bool{true, false, false, true}), -1)
		}},
		gradCase{name: "MaskedFill/squared", inputs: one(2, 3), fn: func(xs []*Tensor) *Tensor {
			m := FromSlice([]bool{true, false, false, false, true, false}, 2, 3)
			return xs[0].Mul(xs[0]).MaskedFill(m, 7)
		}},
		gradCase{name: "Pad/constant", inputs: one(2, 3), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Pad([]int{1, 2, 0, 1}, "constant", 0.5)
		}},
		gradCase{name: "Pad/constant_crop_squared", inputs: one(3, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Mul(xs[0]).Pad([]int{-1, 2, 1, -2}, "constant", 0)
		}},
		gradCase{name: "Pad/constant_noncontig", inputs: one(3, 2), fn: func(xs []*Tensor) *Tensor {
			return xs[0].T().Pad([]int{1, -1}, "constant", 0)
		}},
		gradCase{name: "Pad/reflect", inputs: one(1, 3, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Pad([]int{3, 2, 1, 2}, "reflect", 0)
		}},
		gradCase{name: "Pad/replicate", inputs: one(1, 3, 3), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Pad([]int{2, 1, -1, 2}, "replicate", 0)
		}},
		gradCase{name: "Pad/circular_squared", inputs: one(2, 4), fn: func(xs []*Tensor) *Tensor {
			return xs[0].Mul(xs[0]).Pad([]int{3, 4}, "circular", 0)
		}},
		gradCase{name: "Embedding/plain", inputs: one(5, 3), fn: func(xs []*Tensor) *Tensor {
			return Embedding(ix2(2, 3, 1, 4, 1, 0, 0, 0), xs[0], -1)
		}},
		gradCase{name: "Embedding/padding_idx_squared", inputs: one(3, 2), fn: func(xs []*Tensor) *Tensor {
			// The padding row (by design without gradient) is a constant, not a checked input.
			w := Cat([]*Tensor{xs[0].Narrow(0, 0, 2), FullOf(Float64, 0.5, 1, 2), xs[0].Narrow(0, 2, 1)}, 0)
			e := Embedding(ix2(2, 3, 2, 1, 2, 0, 3, 3), w, 2)
			return e.Mul(e)
		}},
	)
}

// attrValue reads a float attr that may be encoded as "inf", "-inf" or "nan".
func attrValue(a map[string]any, k string) float64 {
	switch v := a[k].(type) {
	case string:
		switch v {
		case "inf":
			return math.Inf(1)
		case "-inf":
			return math.Inf(-1)
		}
		return math.NaN()
	case float64:
		return v
	}
	return 0
}

func TestIndexOpsDTypes(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			x := ArangeOf(dt, 0, 12, 1).Reshape(3, 4).Detach().SetRequiresGrad(true)
			idx := FromSlice([]int64{2, 0, 2})
			y := x.IndexSelect(0, idx)
			if y.DType() != dt {
				t.Fatalf("dtype %v, want %v", y.DType(), dt)
			}
			want := []float64{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}
			if got := y.Float64s(); !equalF64(got, want) {
				t.Fatalf("IndexSelect = %v, want %v", got, want)
			}
			y.Sum().Backward()
			wantG := []float64{1, 1, 1, 1, 0, 0, 0, 0, 2, 2, 2, 2}
			if g := x.Grad(); g.DType() != dt || !equalF64(g.Float64s(), wantG) {
				t.Fatalf("grad = %v, want %v", g, wantG)
			}
			g := x.Gather(1, FromSlice([]int64{3, 3, 0, 1, 2, 2}, 3, 2))
			if got, w := g.Float64s(), []float64{3, 3, 4, 5, 10, 10}; !equalF64(got, w) {
				t.Fatalf("Gather = %v, want %v", got, w)
			}
		})
	}
}

func equalF64(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGatherDoubleBackward checks that Gather's backward (ScatterAdd) and ScatterAdd's backward
// (Gather) are recorded ops: the gradient of a gradient reaches the output gradient.
func TestGatherDoubleBackward(t *testing.T) {
	x := FromSlice([]float64{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
	idx := FromSlice([]int64{1, 1, 0, 1}, 2, 2)
	y := x.Gather(1, idx)
	v := FromSlice([]float64{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
	gx := Grad([]*Tensor{y}, []*Tensor{x}, GradOptions{GradOutputs: []*Tensor{v}, CreateGraph: true})[0]
	if gx.GradFn() != "ScatterAddBackward" {
		t.Fatalf("grad of Gather has GradFn %q, want ScatterAddBackward", gx.GradFn())
	}
	// gx = [[0, 1+2], [3, 4]]; d(sum(gx * w))/dv = gather(w)
	w := FromSlice([]float64{10, 20, 30, 40}, 2, 2)
	gv := Grad([]*Tensor{gx.Mul(w).Sum()}, []*Tensor{v}, GradOptions{})[0]
	if got, want := gv.Float64s(), []float64{20, 20, 30, 40}; !equalF64(got, want) {
		t.Fatalf("second-order grad = %v, want %v", got, want)
	}
}

func TestEmbeddingPaddingIdx(t *testing.T) {
	w := RandnOf(Float32, 4, 3).SetRequiresGrad(true)
	idx := FromSlice([]int64{1, 2, 2, 0, 1, 2}, 2, 3)
	e := Embedding(idx, w, 2)
	if got := e.Shape(); !sameShape(got, []int{2, 3, 3}) {
		t.Fatalf("shape %v", got)
	}
	e.Sum().Backward()
	want := []float64{1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0, 0}
	if got := w.Grad().Float64s(); !equalF64(got, want) {
		t.Fatalf("grad %v, want %v", got, want)
	}
	// The forward values at the padding index are still the padding row.
	row := w.Detach().Select(0, 2).Float64s()
	if got := e.Select(0, 0).Select(0, 1).Float64s(); !equalF64(got, row) {
		t.Fatalf("padding lookup %v, want %v", got, row)
	}
}

func TestIndexOpsNoGradRecordsNothing(t *testing.T) {
	x := RandnOf(Float64, 3, 4).SetRequiresGrad(true)
	var y *Tensor
	NoGrad(func() {
		y = x.Gather(0, FromSlice([]int64{0, 1, 2, 0}, 1, 4)).Pad([]int{1, 1}, "reflect", 0)
	})
	if y.RequiresGrad() {
		t.Fatal("output of ops under NoGrad requires grad")
	}
}

func TestIndexSavedIndexModified(t *testing.T) {
	x := RandnOf(Float64, 3, 2).SetRequiresGrad(true)
	idx := FromSlice([]int64{0, 2})
	y := x.IndexSelect(0, idx)
	idx.FillInPlace(1)
	err := Try(func() { y.Sum().Backward() })
	if err == nil || !strings.Contains(err.Error(), "modified by an in-place operation") {
		t.Fatalf("got %v, want an in-place modification error", err)
	}
}

func TestIndexOpErrors(t *testing.T) {
	x := Zeros(3, 4)
	i64 := func(v ...int64) *Tensor { return FromSlice(v) }
	cases := []struct {
		name, op, msg string
		fn            func()
	}{
		{"index_select/dim", "IndexSelect", "dim 2 out of range", func() { x.IndexSelect(2, i64(0)) }},
		{"index_select/dtype", "IndexSelect", "index must be an int64 tensor, got float32", func() { x.IndexSelect(0, Zeros(1)) }},
		{"index_select/negative", "IndexSelect", "index -1 is out of bounds for dim 0 with size 3", func() { x.IndexSelect(0, i64(0, -1)) }},
		{"index_select/high", "IndexSelect", "index 4 is out of bounds for dim 1 with size 4", func() { x.IndexSelect(1, i64(4)) }},
		{"index_select/matrix", "IndexSelect", "must be a vector", func() { x.IndexSelect(0, FromSlice([]int64{0}, 1, 1)) }},
		{"index_select/nil", "IndexSelect", "nil index", func() { x.IndexSelect(0, nil) }},
		{"index_add/shape", "IndexAdd", "must match self", func() { x.IndexAdd(0, i64(0, 1), Zeros(2, 3)) }},
		{"index_add/count", "IndexAdd", "number of indices (2)", func() { x.IndexAdd(0, i64(0, 1), Zeros(3, 4)) }},
		{"index_add/dtype", "IndexAdd", "same dtype", func() { x.IndexAdd(0, i64(0), ZerosOf(Float64, 1, 4)) }},
		{"index_add/range", "IndexAdd", "index 3 is out of bounds", func() { x.IndexAdd(0, i64(3), Zeros(1, 4)) }},
		{"gather/dim", "Gather", "dim -3 out of range", func() { x.Gather(-3, FromSlice([]int64{0}, 1, 1)) }},
		{"gather/rank", "Gather", "same number of dims", func() { x.Gather(0, i64(0)) }},
		{"gather/size", "Gather", "must not be larger than the input", func() { x.Gather(0, ZerosOf(Int64, 1, 5)) }},
		{"gather/dtype", "Gather", "int64", func() { x.Gather(0, ZerosOf(Bool, 1, 1)) }},
		{"gather/range", "Gather", "index 3 is out of bounds for dim 0 with size 3", func() { x.Gather(0, FromSlice([]int64{3}, 1, 1)) }},
		{"gather/negative", "Gather", "index -1 is out of bounds for dim 1 with size 4", func() { x.Gather(1, FromSlice([]int64{0, -1}, 1, 2)) }},
		{"scatter/dtype", "Scatter", "same dtype", func() { x.Scatter(0, ZerosOf(Int64, 1, 1), ZerosOf(Float64, 1, 1)) }},
		{"scatter/src_small", "Scatter", "no larger than src", func() { x.Scatter(0, ZerosOf(Int64, 1, 2), Zeros(1, 1)) }},
		{"scatter/rank", "Scatter", "same number of dims", func() { x.Scatter(0, ZerosOf(Int64, 2), Zeros(2)) }},
		{"scatter/range", "Scatter", "index 5 is out of bounds for dim 0 with size 3", func() { x.Scatter(0, FromSlice([]int64{0, 5}, 1, 2), Zeros(1, 2)) }},
		{"scatter/dim", "Scatter", "dim 2 out of range", func() { x.Scatter(2, ZerosOf(Int64, 1, 1), Zeros(1, 1)) }},
		{"scatter_add/range", "ScatterAdd", "index -2 is out of bounds", func() { x.ScatterAdd(1, FromSlice([]int64{-2}, 1, 1), Zeros(1, 1)) }},
		{"scatter_add/index_dtype", "ScatterAdd", "int64", func() { x.ScatterAdd(1, Zeros(1, 1), Zeros(1, 1)) }},
		{"scatter_value/range", "ScatterValue", "index 4 is out of bounds for dim 1 with size 4", func() { x.ScatterValue(1, FromSlice([]int64{4}, 1, 1), 1) }},
		{"scatter_value/index_dtype", "ScatterValue", "int64", func() { x.ScatterValue(1, Zeros(1, 1), 1) }},
		{"masked_fill/dtype", "MaskedFill", "mask must be a bool tensor, got float32", func() { x.MaskedFill(Zeros(3, 4), 1) }},
		{"masked_fill/shape", "MaskedFill", "", func() { x.MaskedFill(ZerosOf(Bool, 3, 1, 3), 1) }},
		{"one_hot/dtype", "OneHot", "int64", func() { OneHot(Zeros(2), 3) }},
		{"one_hot/negative", "OneHot", "non-negative, got -2", func() { OneHot(i64(0, -2), 3) }},
		{"one_hot/high", "OneHot", "class value 3 must be smaller than numClasses 3", func() { OneHot(i64(3), 3) }},
		{"one_hot/empty", "OneHot", "empty", func() { OneHot(ZerosOf(Int64, 0), -1) }},
		{"one_hot/classes", "OneHot", "-1 or non-negative", func() { OneHot(i64(0), -2) }},
		{"pad/odd", "Pad", "divisible by 2", func() { x.Pad(oddPads(), "constant", 0) }},
		{"pad/too_long", "Pad", "more than the 2 dims", func() { x.Pad([]int{1, 1, 1, 1, 1, 1}, "constant", 0) }},
		{"pad/negative_size", "Pad", "negative size", func() { x.Pad([]int{-2, -3}, "constant", 0) }},
		{"pad/mode", "Pad", `unknown padding mode "edge"`, func() { x.Pad([]int{1, 1}, "edge", 0) }},
		{"pad/value", "Pad", "does not take a value", func() { x.Pad([]int{1, 1}, "reflect", 1) }},
		{"pad/reflect_size", "Pad", "must be smaller than dim 1 of size 4", func() { x.Pad([]int{4, 1}, "reflect", 0) }},
		{"pad/circular_wrap", "Pad", "more than once", func() { x.Pad([]int{0, 0, 4, 0}, "circular", 0) }},
		{"pad/replicate_empty", "Pad", "leaves no elements", func() { x.Pad([]int{-4, 0}, "replicate", 0) }},
		{"embedding/dtype", "Embedding", "int64", func() { Embedding(Zeros(2), x, -1) }},
		{"embedding/weight", "Embedding", "must be 2-D", func() { Embedding(i64(0), Zeros(4), -1) }},
		{"embedding/range", "Embedding", "index 3 is out of bounds for dim 0 with size 3", func() { Embedding(i64(0, 3), x, -1) }},
		{"embedding/negative", "Embedding", "index -1 is out of bounds", func() { Embedding(i64(-1), x, -1) }},
		{"embedding/padding_idx", "Embedding", "paddingIdx 3 must be within the 3 embeddings", func() { Embedding(i64(0), x, 3) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Try(c.fn)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a panic with *Error", err)
			}
			if e.Op != c.op || !strings.Contains(e.Msg, c.msg) {
				t.Fatalf("got %q, want op %s and message containing %q", e.Error(), c.op, c.msg)
			}
			if !strings.HasPrefix(e.Where, "index_test.go:") {
				t.Fatalf("Where = %q, want index_test.go:line", e.Where)
			}
		})
	}
}

func TestIndexOpsEdgeCases(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	// An empty index gives an empty result of the index's shape.
	if got := x.Gather(1, ZerosOf(Int64, 2, 0)).Shape(); !sameShape(got, []int{2, 0}) {
		t.Fatalf("Gather with empty index: shape %v", got)
	}
	// Scatter on 0-d tensors.
	s := Scalar(1).Scatter(0, ScalarOf(Int64, 0), Scalar(7))
	if s.Dim() != 0 || s.Item() != 7 {
		t.Fatalf("0-d Scatter = %v", s)
	}
	// Pad with nothing to pad returns a copy, not x itself.
	for _, mode := range []string{"constant", "reflect", "replicate", "circular"} {
		p := x.Pad([]int{0, 0}, mode, 0)
		if p == x || p.st == x.st || !equalF64(p.Float64s(), x.Float64s()) {
			t.Fatalf("%s: zero padding must return an equal copy", mode)
		}
	}
	// Non-constant modes accept an unbatched 2-D input and an int64 one.
	r := FromSlice([]int64{0, 1, 2, 3}, 1, 4).Pad([]int{2, 1}, "reflect", 0)
	if got, want := r.Float64s(), []float64{2, 1, 0, 1, 2, 3, 2}; !equalF64(got, want) {
		t.Fatalf("reflect int64 = %v, want %v", got, want)
	}
}

func TestIndexOpsObserved(t *testing.T) {
	x := RandnOf(Float64, 2, 3).SetRequiresGrad(true)
	seen := opsSeen(func() {
		y := x.Pad([]int{1, 1}, "replicate", 0).Pad([]int{1, 0}, "constant", 2)
		y = y.Gather(1, FromSlice([]int64{0, 1, 4, 3}, 2, 2)).MaskedFill(FromSlice([]bool{true, false}), 0)
		y.Sum().Backward()
		OneHot(FromSlice([]int64{1, 0}), 2)
	})
	for _, name := range []string{"IndexSelect", "IndexAdd", "ConstantPad", "Gather", "ScatterAdd", "Where", "OneHot"} {
		if !seen[name] {
			t.Errorf("op %s not reported to the observer (saw %v)", name, seen)
		}
	}
}

// oddPads returns a pad list of odd length, hidden from staticcheck's constant check.
func oddPads() []int { return []int{1} }
