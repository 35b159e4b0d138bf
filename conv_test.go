package eager

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/eagerml/eager/internal/kernels"
)

// optInts reads a per-dim option from a fixture: absent gives nil, a number one value.
func optInts(a map[string]any, k string) []int {
	switch v := a[k].(type) {
	case float64:
		return []int{int(v)}
	case []any:
		return attrInts(a, k)
	}
	return nil
}

func optInt(a map[string]any, k string) int {
	if v, ok := a[k].(float64); ok {
		return int(v)
	}
	return 0
}

func convOptsOf(a map[string]any) ConvOptions {
	return ConvOptions{Stride: optInts(a, "stride"), Padding: optInts(a, "padding"),
		Dilation: optInts(a, "dilation"), Groups: optInt(a, "groups")}
}

func convTOptsOf(a map[string]any) ConvTransposeOptions {
	return ConvTransposeOptions{Stride: optInts(a, "stride"), Padding: optInts(a, "padding"),
		OutputPadding: optInts(a, "output_padding"), Dilation: optInts(a, "dilation"), Groups: optInt(a, "groups")}
}

func poolOptsOf(a map[string]any) PoolOptions {
	return PoolOptions{Kernel: optInts(a, "kernel_size"), Stride: optInts(a, "stride"), Padding: optInts(a, "padding"),
		Dilation: optInts(a, "dilation"), CeilMode: attrBool(a, "ceil_mode")}
}

func avgOptsOf(a map[string]any) AvgPoolOptions {
	exclude := false
	if v, ok := a["count_include_pad"].(bool); ok {
		exclude = !v
	}
	return AvgPoolOptions{Kernel: optInts(a, "kernel_size"), Stride: optInts(a, "stride"), Padding: optInts(a, "padding"),
		CeilMode: attrBool(a, "ceil_mode"), ExcludePad: exclude, DivisorOverride: optInt(a, "divisor_override")}
}

// bias returns the third input, or nil.
func biasOf(xs []*Tensor) *Tensor {
	if len(xs) > 2 {
		return xs[2]
	}
	return nil
}

func init() {
	refOps["conv2d"] = func(xs []*Tensor, a map[string]any) *Tensor { return Conv2d(xs[0], xs[1], biasOf(xs), convOptsOf(a)) }
	refOps["conv1d"] = func(xs []*Tensor, a map[string]any) *Tensor { return Conv1d(xs[0], xs[1], biasOf(xs), convOptsOf(a)) }
	refOps["conv_transpose2d"] = func(xs []*Tensor, a map[string]any) *Tensor {
		return ConvTranspose2d(xs[0], xs[1], biasOf(xs), convTOptsOf(a))
	}
	refOps["conv_transpose1d"] = func(xs []*Tensor, a map[string]any) *Tensor {
		return ConvTranspose1d(xs[0], xs[1], biasOf(xs), convTOptsOf(a))
	}
	refOps["conv2d_backward_weight"] = func(xs []*Tensor, a map[string]any) *Tensor {
		ws := attrInts(a, "weight_size")
		p := convGeometry("Conv2dBackwardWeight", xs[0], ZerosOf(xs[0].dtype, ws...), nil, convOptsOf(a), xs[0].shape, ws)
		return conv2dBackwardWeight(xs[0], xs[1], p)
	}
	refOps["conv2d_gradx"] = func(xs []*Tensor, a map[string]any) *Tensor {
		y := Conv2d(xs[0], xs[1], xs[2], convOptsOf(a))
		return Grad([]*Tensor{y.Mul(y).Sum()}, xs[:1], GradOptions{CreateGraph: true})[0]
	}
	refOps["max_pool2d"] = func(xs []*Tensor, a map[string]any) *Tensor { return MaxPool2d(xs[0], poolOptsOf(a)) }
	refOps["max_pool2d_indices"] = func(xs []*Tensor, a map[string]any) *Tensor {
		_, i := MaxPool2dWithIndices(xs[0], poolOptsOf(a))
		return i
	}
	refOps["max_pool1d"] = func(xs []*Tensor, a map[string]any) *Tensor { return MaxPool1d(xs[0], poolOptsOf(a)) }
	refOps["max_pool1d_indices"] = func(xs []*Tensor, a map[string]any) *Tensor {
		_, i := MaxPool1dWithIndices(xs[0], poolOptsOf(a))
		return i
	}
	refOps["max_pool2d_backward"] = func(xs []*Tensor, a map[string]any) *Tensor {
		_, idx := MaxPool2dWithIndices(xs[0].Detach(), poolOptsOf(a))
		return maxPool2dBackward(xs[1], idx, xs[0].shape)
	}
	refOps["max_pool2d_gather"] = func(xs []*Tensor, a map[string]any) *Tensor { return maxPool2dGather(xs[0], xs[1]) }
	refOps["avg_pool2d"] = func(xs []*Tensor, a map[string]any) *Tensor { return AvgPool2d(xs[0], avgOptsOf(a)) }
	refOps["avg_pool1d"] = func(xs []*Tensor, a map[string]any) *Tensor { return AvgPool1d(xs[0], avgOptsOf(a)) }
	refOps["avg_pool2d_backward"] = func(xs []*Tensor, a map[string]any) *Tensor {
		o := avgOptsOf(a)
		p := poolGeom{ceil: o.CeilMode, excludePad: o.ExcludePad, divisor: o.DivisorOverride}
		shape := attrInts(a, "input_size")
		p.setup("AvgPool2dBackward", ZerosOf(xs[0].dtype, shape...), shape, o.Kernel, o.Stride, o.Padding, nil)
		return avgPool2dBackward(xs[0], p)
	}
	refOps["adaptive_avg_pool2d"] = func(xs []*Tensor, a map[string]any) *Tensor {
		s := attrInts(a, "output_size")
		return AdaptiveAvgPool2d(xs[0], s[0], s[1])
	}
	refOps["adaptive_avg_pool1d"] = func(xs []*Tensor, a map[string]any) *Tensor {
		return AdaptiveAvgPool1d(xs[0], attrInt(a, "output_size"))
	}
	refOps["adaptive_avg_pool2d_backward"] = func(xs []*Tensor, a map[string]any) *Tensor {
		s := attrInts(a, "input_size")
		g := xs[0]
		p := poolGeom{n: s[0], c: s[1], h: s[2], w: s[3], oh: g.shape[2], ow: g.shape[3]}
		return adaptiveAvgPool2dBackward(g, p)
	}

	in := func(shapes ...[]int) func() []*Tensor {
		return func() []*Tensor {
			out := make([]*Tensor, len(shapes))
			for i, s := range shapes {
				out[i] = rnd64(s...)
			}
			return out
		}
	}
	conv := func(o ConvOptions) func(xs []*Tensor) *Tensor {
		return func(xs []*Tensor) *Tensor { return Conv2d(xs[0], xs[1], biasOf(xs), o) }
	}
	convT := func(o ConvTransposeOptions) func(xs []*Tensor) *Tensor {
		return func(xs []*Tensor) *Tensor { return ConvTranspose2d(xs[0], xs[1], biasOf(xs), o) }
	}
	// Fixed argmax positions for the gather primitive: the maxima of a fixed input.
	var gatherIdx *Tensor
	NoGrad(func() {
		ManualSeed(7)
		_, gatherIdx = MaxPool2dWithIndices(RandnOf(Float64, 1, 2, 5, 5), PoolOptions{Kernel: []int{3}, Stride: []int{1}, Padding: []int{1}})
	})
	gradCases = append(gradCases,
		gradCase{name: "Conv2d", inputs: in([]int{2, 2, 4, 4}, []int{3, 2, 2, 2}, []int{3}), fn: conv(ConvOptions{})},
		gradCase{name: "Conv2d/stride2_pad1_dilation", inputs: in([]int{1, 2, 5, 6}, []int{2, 2, 2, 3}, []int{2}),
			fn: conv(ConvOptions{Stride: []int{2, 1}, Padding: []int{1}, Dilation: []int{1, 2}})},
		gradCase{name: "Conv2d/groups_nobias", inputs: in([]int{1, 4, 4, 3}, []int{4, 2, 2, 2}),
			fn: conv(ConvOptions{Groups: 2, Padding: []int{1, 0}})},
		gradCase{name: "Conv2d/depthwise", inputs: in([]int{1, 2, 4, 4}, []int{2, 1, 3, 3}, []int{2}),
			fn: conv(ConvOptions{Groups: 2, Padding: []int{1}, Stride: []int{2}})},
		gradCase{name: "Conv2d/pointwise", inputs: in([]int{2, 2, 2, 3}, []int{3, 2, 1, 1}, []int{3}), fn: conv(ConvOptions{})},
		gradCase{name: "Conv2d/unbatched", inputs: in([]int{2, 3, 3}, []int{2, 2, 2, 2}), fn: conv(ConvOptions{})},
		gradCase{name: "Conv2d/gradient_penalty", inputs: in([]int{1, 2, 4, 4}, []int{2, 2, 2, 2}, []int{2}),
			fn: func(xs []*Tensor) *Tensor { // |∂ sum(conv(x)²)/∂x|² differentiated in x, w and b
				y := Conv2d(xs[0], xs[1], xs[2], ConvOptions{Padding: []int{1}})
				gx := Grad([]*Tensor{y.Mul(y).Sum()}, xs[:1], GradOptions{CreateGraph: true})[0]
				return gx.Mul(gx).Sum()
			}, skipGradGrad: true},
		gradCase{name: "ConvTranspose2d", inputs: in([]int{1, 2, 3, 3}, []int{2, 2, 3, 2}, []int{2}),
			fn: convT(ConvTransposeOptions{Stride: []int{2}, Padding: []int{1}, OutputPadding: []int{1, 0}})},
		gradCase{name: "ConvTranspose2d/groups_dilation", inputs: in([]int{1, 4, 2, 3}, []int{4, 1, 2, 2}),
			fn: convT(ConvTransposeOptions{Groups: 2, Dilation: []int{2, 1}})},
		gradCase{name: "Conv1d", inputs: in([]int{2, 2, 6}, []int{3, 2, 3}, []int{3}),
			fn: func(xs []*Tensor) *Tensor {
				return Conv1d(xs[0], xs[1], xs[2], ConvOptions{Stride: []int{2}, Padding: []int{1}})
			}},
		gradCase{name: "ConvTranspose1d", inputs: in([]int{1, 2, 4}, []int{2, 3, 2}),
			fn: func(xs []*Tensor) *Tensor {
				return ConvTranspose1d(xs[0], xs[1], nil, ConvTransposeOptions{Stride: []int{2}, OutputPadding: []int{1}})
			}},
		gradCase{name: "Conv2dBackwardWeight", inputs: in([]int{2, 2, 4, 4}, []int{2, 3, 2, 2}),
			fn: func(xs []*Tensor) *Tensor {
				p := convGeometry("Conv2dBackwardWeight", xs[0], ZerosOf(Float64, 3, 2, 3, 3), nil,
					ConvOptions{Stride: []int{2}, Padding: []int{1}}, nil, nil)
				return conv2dBackwardWeight(xs[0], xs[1], p)
			}},
		gradCase{name: "MaxPool2d", inputs: in([]int{2, 2, 4, 5}), fn: func(xs []*Tensor) *Tensor {
			return MaxPool2d(xs[0], PoolOptions{Kernel: []int{2}})
		}},
		gradCase{name: "MaxPool2d/overlap_pad_dilation_ceil", inputs: in([]int{1, 2, 6, 5}), fn: func(xs []*Tensor) *Tensor {
			return MaxPool2d(xs[0], PoolOptions{Kernel: []int{3, 2}, Stride: []int{2, 1}, Padding: []int{1}, Dilation: []int{1, 2}, CeilMode: true})
		}},
		gradCase{name: "MaxPool2dGather", inputs: in([]int{1, 2, 5, 5}), fn: func(xs []*Tensor) *Tensor {
			return maxPool2dGather(xs[0], gatherIdx)
		}},
		gradCase{name: "MaxPool1d", inputs: in([]int{2, 2, 7}), fn: func(xs []*Tensor) *Tensor {
			return MaxPool1d(xs[0], PoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}})
		}},
		gradCase{name: "AvgPool2d", inputs: in([]int{2, 2, 4, 4}), fn: func(xs []*Tensor) *Tensor {
			return AvgPool2d(xs[0], AvgPoolOptions{Kernel: []int{2}})
		}},
		gradCase{name: "AvgPool2d/pad_ceil_exclude", inputs: in([]int{1, 2, 5, 6}), fn: func(xs []*Tensor) *Tensor {
			return AvgPool2d(xs[0], AvgPoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}, CeilMode: true, ExcludePad: true})
		}},
		gradCase{name: "AvgPool2d/divisor", inputs: in([]int{1, 1, 4, 5}), fn: func(xs []*Tensor) *Tensor {
			return AvgPool2d(xs[0], AvgPoolOptions{Kernel: []int{2, 3}, Stride: []int{1}, Padding: []int{1}, DivisorOverride: 4})
		}},
		gradCase{name: "AvgPool1d", inputs: in([]int{2, 2, 7}), fn: func(xs []*Tensor) *Tensor {
			return AvgPool1d(xs[0], AvgPoolOptions{Kernel: []int{3}, Stride: []int{2}, Padding: []int{1}})
		}},
		gradCase{name: "AdaptiveAvgPool2d", inputs: in([]int{2, 2, 5, 7}), fn: func(xs []*Tensor) *Tensor {
			return AdaptiveAvgPool2d(xs[0], 3, 4)
		}},
		gradCase{name: "AdaptiveAvgPool2d/upsample", inputs: in([]int{1, 2, 3, 2}), fn: func(xs []*Tensor) *Tensor {
			return AdaptiveAvgPool2d(xs[0], 4, 3)
		}},
		gradCase{name: "AdaptiveAvgPool1d", inputs: in([]int{1, 2, 7}), fn: func(xs []*Tensor) *Tensor {
			return AdaptiveAvgPool1d(xs[0], 3)
		}},
	)
}

// naiveConv2d is the textbook convolution loop, the reference for the im2col + GEMM path.
func naiveConv2d(x, w []float64, p convGeom) []float64 {
	out := make([]float64, p.n*p.o*p.oh*p.ow)
	cg, og := p.c/p.g, p.o/p.g
	for n := 0; n < p.n; n++ {
		for o := 0; o < p.o; o++ {
			g := o / og
			for y := 0; y < p.oh; y++ {
				for xo := 0; xo < p.ow; xo++ {
					var s float64
					for ci := 0; ci < cg; ci++ {
						c := g*cg + ci
						for i := 0; i < p.kh; i++ {
							for j := 0; j < p.kw; j++ {
								iy, ix := y*p.sh-p.ph+i*p.dh, xo*p.sw-p.pw+j*p.dw
								if iy < 0 || iy >= p.h || ix < 0 || ix >= p.w {
									continue
								}
								s += x[((n*p.c+c)*p.h+iy)*p.w+ix] * w[((o*cg+ci)*p.kh+i)*p.kw+j]
							}
						}
					}
					out[((n*p.o+o)*p.oh+y)*p.ow+xo] = s
				}
			}
		}
	}
	return out
}

// TestConv2dNaive checks forward and both gradients against naive loops on shapes large
// enough to split the batch across workers and the weight gradient into several chunks.
func TestConv2dNaive(t *testing.T) {
	ManualSeed(3)
	for _, tc := range []struct {
		name string
		x, w []int
		o    ConvOptions
	}{
		{"plain", []int{20, 6, 9, 10}, []int{8, 6, 3, 3}, ConvOptions{Padding: []int{1}}},
		{"strided_groups", []int{17, 6, 11, 9}, []int{9, 2, 3, 2}, ConvOptions{Stride: []int{2, 1}, Padding: []int{1, 0}, Dilation: []int{1, 2}, Groups: 3}},
		{"pointwise", []int{19, 8, 7, 7}, []int{6, 8, 1, 1}, ConvOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := RandnOf(Float64, tc.x...).SetRequiresGrad(true)
			w := RandnOf(Float64, tc.w...).SetRequiresGrad(true)
			y := Conv2d(x, w, nil, tc.o)
			p := convGeometry("Conv2d", x, w, nil, tc.o, x.shape, w.shape)
			want := naiveConv2d(x.Float64s(), w.Float64s(), p)
			if i, ok := closeEnough(y.Float64s(), want, 1e-10, 1e-9); !ok {
				t.Fatalf("forward element %d: got %v, want %v", i, y.Float64s()[i], want[i])
			}
			// For a linear map, <g, conv(x, w)> is differentiated exactly by perturbing one
			// coordinate: check the gradients against naive convolutions of basis tensors.
			g := RandnOf(Float64, y.shape...)
			y.BackwardWith(BackwardOptions{Grad: g})
			gf, xf, wf := g.Float64s(), x.Float64s(), w.Float64s()
			dot := func(a, b []float64) float64 {
				var s float64
				for i := range a {
					s += a[i] * b[i]
				}
				return s
			}
			gx, gw := x.Grad().Float64s(), w.Grad().Float64s()
			for _, k := range []int{0, 7, len(xf) / 2, len(xf) - 1} {
				e := make([]float64, len(xf))
				e[k] = 1
				if d := dot(gf, naiveConv2d(e, wf, p)); math.Abs(d-gx[k]) > 1e-9 {
					t.Fatalf("grad x[%d] = %v, want %v", k, gx[k], d)
				}
			}
			for k := range wf {
				e := make([]float64, len(wf))
				e[k] = 1
				if d := dot(gf, naiveConv2d(xf, e, p)); math.Abs(d-gw[k]) > 1e-9*math.Max(1, math.Abs(d)) {
					t.Fatalf("grad w[%d] = %v, want %v", k, gw[k], d)
				}
			}
		})
	}
}

// TestConvFloat32MatchesFloat64 runs the float32 kernels against the float64 ones.
func TestConvFloat32MatchesFloat64(t *testing.T) {
	ManualSeed(4)
	x := RandnOf(Float64, 9, 4, 8, 8)
	w := RandnOf(Float64, 6, 2, 3, 3)
	b := RandnOf(Float64, 6)
	o := ConvOptions{Stride: []int{2}, Padding: []int{1}, Groups: 2}
	want := Conv2d(x, w, b, o).Float64s()
	x32, w32, b32 := x.To(Float32).SetRequiresGrad(true), w.To(Float32).SetRequiresGrad(true), b.To(Float32).SetRequiresGrad(true)
	y := Conv2d(x32, w32, b32, o)
	if y.dtype != Float32 {
		t.Fatalf("dtype %v", y.dtype)
	}
	if i, ok := closeEnough(y.Float64s(), want, 1e-4, 1e-4); !ok {
		t.Fatalf("element %d: got %v, want %v", i, y.Float64s()[i], want[i])
	}
	y.Sum().Backward()
	for _, g := range []*Tensor{x32.Grad(), w32.Grad(), b32.Grad()} {
		if g == nil || g.dtype != Float32 {
			t.Fatalf("missing float32 gradient")
		}
	}
}

// TestConvDeterministic checks that repeated runs give bit-identical weight gradients.
func TestConvDeterministic(t *testing.T) {
	ManualSeed(5)
	x := Randn(33, 3, 12, 12)
	w := Randn(8, 3, 3, 3).SetRequiresGrad(true)
	var first []float32
	for run := 0; run < 3; run++ {
		w.ZeroGrad()
		Conv2d(x, w, nil, ConvOptions{Padding: []int{1}}).Sum().Backward()
		got := w.Grad().Float32s()
		if first == nil {
			first = got
			continue
		}
		for i := range got {
			if got[i] != first[i] {
				t.Fatalf("run %d: element %d differs: %v vs %v", run, i, got[i], first[i])
			}
		}
	}
}

// TestConvGradFnNames checks the names autograd shows for the conv and pool primitives.
func TestConvGradFnNames(t *testing.T) {
	x := Randn(1, 2, 4, 4).SetRequiresGrad(true)
	w := Randn(2, 2, 3, 3)
	for _, c := range []struct {
		got, want string
	}{
		{Conv2d(x, w, nil, ConvOptions{}).GradFn(), "Conv2dBackward"},
		{ConvTranspose2d(x, w, nil, ConvTransposeOptions{}).GradFn(), "ConvTranspose2dBackward"},
		{MaxPool2d(x, PoolOptions{Kernel: []int{2}}).GradFn(), "MaxPool2dBackward"},
		{AvgPool2d(x, AvgPoolOptions{Kernel: []int{2}}).GradFn(), "AvgPool2dBackward"},
		{AdaptiveAvgPool2d(x, 1, 1).GradFn(), "AdaptiveAvgPool2dBackward"},
	} {
		if c.got != c.want {
			t.Errorf("GradFn %q, want %q", c.got, c.want)
		}
	}
}

// TestMaxPoolIndicesModified checks that changing the returned indices in place before
// backward is reported, since the backward reads them.
func TestMaxPoolIndicesModified(t *testing.T) {
	x := Randn(1, 1, 4, 4).SetRequiresGrad(true)
	v, idx := MaxPool2dWithIndices(x, PoolOptions{Kernel: []int{2}})
	idx.FillInPlace(0)
	err := Try(func() { v.Sum().Backward() })
	if err == nil || !strings.Contains(err.Error(), "modified by an in-place operation") {
		t.Fatalf("got %v, want an in-place modification error", err)
	}
}

func TestConvPoolErrors(t *testing.T) {
	x := Randn(2, 3, 8, 8)
	w := Randn(4, 3, 3, 3)
	cases := []struct {
		name, op, msg string
		fn            func()
	}{
		{"channel mismatch", "Conv2d", "to have 3 channels, but got 4 channels", func() { Conv2d(Randn(2, 4, 8, 8), w, nil, ConvOptions{}) }},
		{"groups do not divide out channels", "Conv2d", "positive multiple of 2", func() { Conv2d(Randn(2, 6, 8, 8), Randn(3, 3, 3, 3), nil, ConvOptions{Groups: 2}) }},
		{"groups do not divide in channels", "Conv2d", "to have 4 channels, but got 3 channels", func() { Conv2d(x, Randn(4, 2, 3, 3), nil, ConvOptions{Groups: 2}) }},
		{"kernel larger than input", "Conv2d", "kernel size can't be greater than the padded input size", func() { Conv2d(Randn(1, 3, 2, 8), w, nil, ConvOptions{}) }},
		{"dilated kernel larger than input", "Conv2d", "kernel size can't be greater", func() { Conv2d(Randn(1, 3, 4, 4), w, nil, ConvOptions{Dilation: []int{2}}) }},
		{"input rank", "Conv2d", "expected 3D (unbatched) or 4D (batched) input", func() { Conv2d(Randn(3, 8), w, nil, ConvOptions{}) }},
		{"weight rank", "Conv2d", "expected a 4D weight", func() { Conv2d(x, Randn(4, 3, 3), nil, ConvOptions{}) }},
		{"dtype mismatch", "Conv2d", "same floating-point dtype", func() { Conv2d(x.To(Float64), w, nil, ConvOptions{}) }},
		{"int input", "Conv2d", "same floating-point dtype", func() { Conv2d(x.To(Int64), w.To(Int64), nil, ConvOptions{}) }},
		{"bias shape", "Conv2d", "expected bias of shape [4]", func() { Conv2d(x, w, Randn(3), ConvOptions{}) }},
		{"zero stride", "Conv2d", "stride must be positive", func() { Conv2d(x, w, nil, ConvOptions{Stride: []int{0}}) }},
		{"negative padding", "Conv2d", "padding must be non-negative", func() { Conv2d(x, w, nil, ConvOptions{Padding: []int{-1}}) }},
		{"three strides", "Conv2d", "stride must have 1 or 2 values", func() { Conv2d(x, w, nil, ConvOptions{Stride: []int{1, 1, 1}}) }},
		{"negative groups", "Conv2d", "groups must be positive", func() { Conv2d(x, w, nil, ConvOptions{Groups: -1}) }},
		{"nil input", "Conv2d", "nil tensor", func() { Conv2d(nil, w, nil, ConvOptions{}) }},
		{"conv1d channel mismatch", "Conv1d", "to have 2 channels, but got 3 channels", func() { Conv1d(Randn(2, 3, 9), Randn(4, 2, 3), nil, ConvOptions{}) }},
		{"conv1d two strides", "Conv1d", "stride must have 1 value", func() { Conv1d(Randn(2, 3, 9), Randn(4, 3, 3), nil, ConvOptions{Stride: []int{1, 2}}) }},
		{"conv1d kernel larger than input", "Conv1d", "kernel size can't be greater", func() { Conv1d(Randn(2, 3, 2), Randn(4, 3, 3), nil, ConvOptions{}) }},
		{"transpose channel mismatch", "ConvTranspose2d", "to have 4 channels, but got 3 channels", func() { ConvTranspose2d(x, w, nil, ConvTransposeOptions{}) }},
		{"transpose groups", "ConvTranspose2d", "divisible by 2", func() { ConvTranspose2d(Randn(1, 3, 4, 4), Randn(3, 1, 3, 3), nil, ConvTransposeOptions{Groups: 2}) }},
		{"transpose output padding", "ConvTranspose2d", "output padding must be", func() {
			ConvTranspose2d(Randn(1, 4, 4, 4), w, nil, ConvTransposeOptions{Stride: []int{2}, OutputPadding: []int{2}})
		}},
		{"transpose bias", "ConvTranspose2d", "expected bias of shape [3]", func() { ConvTranspose2d(Randn(1, 4, 4, 4), w, Randn(4), ConvTransposeOptions{}) }},
		{"transpose empty output", "ConvTranspose2d", "non-positive output size", func() {
			ConvTranspose2d(Randn(1, 4, 1, 1), Randn(4, 3, 1, 1), nil, ConvTransposeOptions{Padding: []int{1}})
		}},
		{"maxpool no kernel", "MaxPool2d", "kernel size must be given", func() { MaxPool2d(x, PoolOptions{}) }},
		{"maxpool kernel larger than input", "MaxPool2d", "output size 0x2 is too small", func() { MaxPool2d(Randn(1, 1, 2, 8), PoolOptions{Kernel: []int{3}}) }},
		{"maxpool padding too large", "MaxPool2d", "at most half of the kernel size", func() { MaxPool2d(x, PoolOptions{Kernel: []int{2}, Padding: []int{2}}) }},
		{"maxpool zero dilation", "MaxPool2d", "dilation must be positive", func() { MaxPool2d(x, PoolOptions{Kernel: []int{2}, Dilation: []int{0}}) }},
		{"maxpool rank", "MaxPool2d", "expected 3D (unbatched) or 4D (batched) input", func() { MaxPool2d(Randn(8, 8), PoolOptions{Kernel: []int{2}}) }},
		{"maxpool int", "MaxPool2d", "needs a floating-point tensor", func() { MaxPool2d(x.To(Int64), PoolOptions{Kernel: []int{2}}) }},
		{"maxpool empty channel", "MaxPool2d", "expected non-zero channel", func() { MaxPool2d(Zeros(1, 0, 4, 4), PoolOptions{Kernel: []int{2}}) }},
		{"maxpool1d two kernels", "MaxPool1d", "kernel size must have 1 value", func() { MaxPool1d(Randn(1, 2, 8), PoolOptions{Kernel: []int{2, 2}}) }},
		{"avgpool kernel larger than input", "AvgPool2d", "too small", func() { AvgPool2d(Randn(3, 2, 2), AvgPoolOptions{Kernel: []int{3}}) }},
		{"avgpool padding too large", "AvgPool2d", "at most half of the kernel size", func() { AvgPool2d(x, AvgPoolOptions{Kernel: []int{3}, Padding: []int{2}}) }},
		{"avgpool negative stride", "AvgPool2d", "stride must be positive", func() { AvgPool2d(x, AvgPoolOptions{Kernel: []int{3}, Stride: []int{-1}}) }},
		{"avgpool1d rank", "AvgPool1d", "expected 2D (unbatched) or 3D (batched) input", func() { AvgPool1d(x, AvgPoolOptions{Kernel: []int{3}}) }},
		{"adaptive zero size", "AdaptiveAvgPool2d", "output size must be positive", func() { AdaptiveAvgPool2d(x, 0, 2) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Try(c.fn)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Op != c.op || !strings.Contains(e.Msg, c.msg) || !strings.HasPrefix(e.Where, "conv_test.go:") {
				t.Fatalf("got Op %q, Msg %q, Where %q; want Op %q, a message containing %q, Where in conv_test.go", e.Op, e.Msg, e.Where, c.op, c.msg)
			}
		})
	}
}

// BenchmarkConv2d times the two convolutions of an MNIST network (batch 64, 28×28 input,
// 1→32 then 32→64 channels, 3×3, no padding as in PyTorch's MNIST example), forward alone
// and forward plus backward (weight and bias gradients; input gradient too for the second
// layer, whose input is an activation).
func BenchmarkConv2d(b *testing.B) {
	for _, l := range []struct {
		name          string
		c, o, h       int
		inputGradient bool
	}{
		{"conv1_1x32_28x28", 1, 32, 28, false},
		{"conv2_32x64_26x26", 32, 64, 26, true},
	} {
		ManualSeed(1)
		x := Randn(64, l.c, l.h, l.h).SetRequiresGrad(l.inputGradient)
		w := Randn(l.o, l.c, 3, 3).MulScalar(0.1).Detach().SetRequiresGrad(true)
		bias := Zeros(l.o).SetRequiresGrad(true)
		oh := l.h - 2
		flops := 2.0 * 64 * float64(l.o*l.c*9*oh*oh)
		b.Run(fmt.Sprintf("f32/%s/forward", l.name), func(b *testing.B) {
			b.ReportAllocs()
			NoGrad(func() {
				for i := 0; i < b.N; i++ {
					Conv2d(x, w, bias, ConvOptions{})
				}
			})
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		g := Ones(64, l.o, oh, oh)
		b.Run(fmt.Sprintf("f32/%s/forward_backward", l.name), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				y := Conv2d(x, w, bias, ConvOptions{})
				y.BackwardWith(BackwardOptions{Grad: g})
				w.ZeroGrad()
				bias.ZeroGrad()
				x.ZeroGrad()
			}
			passes := 2.0
			if l.inputGradient {
				passes = 3
			}
			b.ReportMetric(passes*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkCNNLayers times each conv and pool primitive of the `eager bench` CNN workloads
// (MNIST CNN and LeNet-5, batch 64, float32) on its own: forward, weight gradient, input
// gradient, bias gradient, pool forward and backward; no_short_tile runs the same products
// padded to the 12-row GEMM tile, for the short tile's gain in one run.
func BenchmarkCNNLayers(b *testing.B) {
	type layer struct {
		name  string
		c, o  int
		h, k  int
		pad   int
		input bool // the input gradient is needed (not the first layer)
	}
	for _, net := range []struct {
		name   string
		layers []layer
	}{
		{"cnn", []layer{{"conv1", 1, 32, 28, 3, 1, false}, {"conv2", 32, 64, 14, 3, 1, true}}},
		{"lenet", []layer{{"conv1", 1, 6, 28, 5, 2, false}, {"conv2", 6, 16, 14, 5, 0, true}}},
	} {
		for _, l := range net.layers {
			ManualSeed(1)
			x := Randn(64, l.c, l.h, l.h)
			w := Randn(l.o, l.c, l.k, l.k)
			bias := Randn(l.o)
			opts := ConvOptions{Padding: []int{l.pad}}
			p := convGeometry("Conv2d", x, w, bias, opts, x.shape, w.shape)
			var y *Tensor
			NoGrad(func() { y = conv2d(x, w, bias, p) })
			run := func(name string, fn func()) {
				b.Run(net.name+"/"+l.name+"/"+name, func(b *testing.B) {
					b.ReportAllocs()
					NoGrad(func() {
						for i := 0; i < b.N; i++ {
							fn()
						}
					})
				})
			}
			run("forward", func() { conv2d(x, w, bias, p) })
			run("grad_weight", func() { conv2dBackwardWeight(x, y, p) })
			// The same products on the 12-row tile, for the short tile's gain in one run.
			noShort := func(fn func()) func() {
				return func() { convNoShort = true; fn(); convNoShort = false }
			}
			run("forward/no_short_tile", noShort(func() { conv2d(x, w, bias, p) }))
			run("grad_weight/no_short_tile", noShort(func() { conv2dBackwardWeight(x, y, p) }))
			run("grad_bias", func() { convBiasGrad(y) })
			if l.input {
				run("grad_input", func() { convTranspose2d(y, w, nil, p) })
			}
			pp := poolGeom{}
			pp.setup("MaxPool2d", y, y.shape, []int{2}, nil, nil, nil)
			var pooled, idx, act *Tensor
			NoGrad(func() {
				act = y.ReLU() // as in the workloads: ties at zero
				pooled, idx = maxPool2d(act, pp)
			})
			run("maxpool", func() { maxPool2d(act, pp) })
			run("maxpool_backward", func() { maxPool2dBackward(pooled, idx, y.shape) })
		}
	}
}

// BenchmarkConvWide compares the wide and plain layouts on the CNN workloads' stride-1 layers.
func BenchmarkConvWide(b *testing.B) {
	for _, l := range []struct {
		name           string
		c, o, h, k, pd int
	}{
		{"cnn1", 1, 32, 28, 3, 1}, {"cnn2", 32, 64, 14, 3, 1}, {"lenet1", 1, 6, 28, 5, 2}, {"lenet2", 6, 16, 14, 5, 0},
	} {
		ManualSeed(1)
		x := Randn(64, l.c, l.h, l.h)
		w := Randn(l.o, l.c, l.k, l.k)
		bias := Randn(l.o)
		p := convGeometry("Conv2d", x, w, bias, ConvOptions{Padding: []int{l.pd}}, x.shape, w.shape)
		var y *Tensor
		NoGrad(func() { y = conv2d(x, w, bias, p) })
		for _, plain := range []bool{false, true} {
			name := "wide"
			if plain {
				name = "plain"
			}
			b.Run(l.name+"/forward/"+name, func(b *testing.B) {
				convNoWide = plain
				defer func() { convNoWide = false }()
				for i := 0; i < b.N; i++ {
					conv2d(x, w, bias, p)
				}
			})
			b.Run(l.name+"/grad_input/"+name, func(b *testing.B) {
				convNoWide = plain
				defer func() { convNoWide = false }()
				for i := 0; i < b.N; i++ {
					convTranspose2d(y, w, nil, p)
				}
			})
		}
	}
}

// naiveConvGrads returns the input and weight gradients of <g, conv(x, w)> by the textbook
// loops, the reference for the kernels' adjoints.
func naiveConvGrads(x, w, g []float64, p convGeom) (gx, gw []float64) {
	gx, gw = make([]float64, p.n*p.c*p.h*p.w), make([]float64, len(w))
	cg, og := p.c/p.g, p.o/p.g
	for n := 0; n < p.n; n++ {
		for o := 0; o < p.o; o++ {
			grp := o / og
			for y := 0; y < p.oh; y++ {
				for xo := 0; xo < p.ow; xo++ {
					gv := g[((n*p.o+o)*p.oh+y)*p.ow+xo]
					for ci := 0; ci < cg; ci++ {
						c := grp*cg + ci
						for i := 0; i < p.kh; i++ {
							for j := 0; j < p.kw; j++ {
								iy, ix := y*p.sh-p.ph+i*p.dh, xo*p.sw-p.pw+j*p.dw
								if iy < 0 || iy >= p.h || ix < 0 || ix >= p.w {
									continue
								}
								xi, wi := ((n*p.c+c)*p.h+iy)*p.w+ix, ((o*cg+ci)*p.kh+i)*p.kw+j
								gx[xi] += gv * w[wi]
								gw[wi] += gv * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return gx, gw
}

// TestConvKernelsRandom checks the forward, input-gradient and weight-gradient kernels (the
// wide and plain layouts, pointwise and strided paths) against the textbook loops over random
// geometries: strides, paddings, dilations, groups, one channel, odd and narrow sizes, and
// batches large enough to be split into tasks and weight-gradient chunks.
func TestConvKernelsRandom(t *testing.T) {
	defer func() { convNoWide = false }()
	ManualSeed(11)
	r := rand.New(rand.NewPCG(11, 12))
	rng := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	wide := 0
	defer func() {
		t.Logf("%d cases used the wide layout", wide)
		if wide < 10 {
			t.Errorf("only %d cases used the wide layout", wide)
		}
	}()
	for tc := 0; tc < 80; tc++ {
		g := []int{1, 1, 1, 2, 3}[rng(0, 4)]
		cg, og := rng(1, 4), rng(1, 5)
		if tc%5 == 0 {
			g, cg = 1, 1 // one input channel
		}
		kh, kw := rng(1, 5), rng(1, 5)
		sh, sw := []int{1, 1, 2, 3}[rng(0, 3)], []int{1, 1, 1, 2}[rng(0, 3)]
		dh, dw := []int{1, 1, 2}[rng(0, 2)], []int{1, 1, 3}[rng(0, 2)]
		ph, pw := rng(0, 2), rng(0, 3)
		n := []int{1, 2, 5, 40}[rng(0, 3)]
		h := max(rng(1, 12), dh*(kh-1)+1-2*ph)
		w := max(rng(1, 30), dw*(kw-1)+1-2*pw)
		opts := ConvOptions{Stride: []int{sh, sw}, Padding: []int{ph, pw}, Dilation: []int{dh, dw}, Groups: g}
		x := RandnOf(Float64, n, g*cg, h, w)
		wt := RandnOf(Float64, g*og, cg, kh, kw)
		p := convGeometry("Conv2d", x, wt, nil, opts, x.shape, wt.shape)
		gy := RandnOf(Float64, n, g*og, p.oh, p.ow)
		want := naiveConv2d(x.Float64s(), wt.Float64s(), p)
		wantGX, wantGW := naiveConvGrads(x.Float64s(), wt.Float64s(), gy.Float64s(), p)
		convNoWide = false
		if p.wide() {
			wide++
		}
		for _, plain := range []bool{false, true} {
			convNoWide = plain
			name := fmt.Sprintf("case %d %+v wide=%v", tc, p, p.wide())
			var y, gx, gw *Tensor
			NoGrad(func() {
				y = conv2d(x, wt, nil, p)
				gx = convTranspose2d(gy, wt, nil, p)
				gw = conv2dBackwardWeight(x, gy, p)
			})
			if i, ok := closeEnough(y.Float64s(), want, 1e-10, 1e-9); !ok {
				t.Fatalf("%s: forward element %d: got %v, want %v", name, i, y.Float64s()[i], want[i])
			}
			if i, ok := closeEnough(gx.Float64s(), wantGX, 1e-10, 1e-9); !ok {
				t.Fatalf("%s: input gradient element %d: got %v, want %v", name, i, gx.Float64s()[i], wantGX[i])
			}
			if i, ok := closeEnough(gw.Float64s(), wantGW, 1e-10, 1e-9); !ok {
				t.Fatalf("%s: weight gradient element %d: got %v, want %v", name, i, gw.Float64s()[i], wantGW[i])
			}
		}
	}
}

// TestConvWideNonFinite checks that the wide layout's extra columns never leak: an infinity
// in the input or the weight must give the textbook loops' NaNs and infinities, no more.
func TestConvWideNonFinite(t *testing.T) {
	ManualSeed(12)
	x := RandnOf(Float64, 3, 2, 6, 9)
	wt := RandnOf(Float64, 4, 2, 3, 3)
	p := convGeometry("Conv2d", x, wt, nil, ConvOptions{Padding: []int{1}}, x.shape, wt.shape)
	if !p.wide() {
		t.Fatalf("geometry %+v does not use the wide layout", p)
	}
	gy := RandnOf(Float64, 3, 4, p.oh, p.ow)
	x.st.f64()[2*9+8] = math.Inf(1) // last column of a row: read by extra columns
	wt.st.f64()[5] = math.Inf(-1)
	wantGX, wantGW := naiveConvGrads(x.Float64s(), wt.Float64s(), gy.Float64s(), p)
	var gx, gw *Tensor
	NoGrad(func() {
		gx = convTranspose2d(gy, wt, nil, p)
		gw = conv2dBackwardWeight(x, gy, p)
	})
	same := func(what string, got, want []float64) {
		for i := range want {
			a, b := got[i], want[i]
			if math.IsNaN(a) != math.IsNaN(b) || (!math.IsNaN(b) && math.Abs(a-b) > 1e-9*math.Max(1, math.Abs(b)) && a != b) {
				t.Fatalf("%s element %d: got %v, want %v", what, i, a, b)
			}
		}
	}
	same("input gradient", gx.Float64s(), wantGX)
	same("weight gradient", gw.Float64s(), wantGW)
}

// TestMaxPool2x2Fast checks the 2×2 stride-2 max-pool loop against the general one, values
// and indices, on odd sizes, ceil mode, ties, infinities and NaNs.
func TestMaxPool2x2Fast(t *testing.T) {
	defer func() { poolNoFast = false }()
	r := rand.New(rand.NewPCG(13, 14))
	vals := []float64{0, 1, -1, 2, math.Inf(1), math.Inf(-1), math.NaN(), math.Copysign(0, -1)}
	for _, dt := range []DType{Float32, Float64} {
		for _, tc := range []struct {
			h, w int
			ceil bool
		}{{2, 2, false}, {5, 7, false}, {6, 8, true}, {9, 4, false}, {28, 28, false}} {
			x := RandnOf(dt, 3, 2, tc.h, tc.w)
			for i := 0; i < x.Numel(); i++ {
				if r.IntN(3) == 0 {
					v := vals[r.IntN(len(vals))]
					if dt == Float32 {
						x.st.f32()[i] = float32(v)
					} else {
						x.st.f64()[i] = v
					}
				}
			}
			opts := PoolOptions{Kernel: []int{2}, CeilMode: tc.ceil}
			poolNoFast = false
			p := poolGeom{ceil: tc.ceil}
			p.setup("MaxPool2d", x, x.shape, opts.Kernel, nil, nil, nil)
			if !p.is2x2() {
				t.Fatalf("%v: fast path not taken", tc)
			}
			v1, i1 := MaxPool2dWithIndices(x, opts)
			poolNoFast = true
			v2, i2 := MaxPool2dWithIndices(x, opts)
			a, b := v1.Float64s(), v2.Float64s()
			ia, ib := i1.Int64s(), i2.Int64s()
			for i := range a {
				if ia[i] != ib[i] || math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
					t.Fatalf("%v %v element %d: fast %v at %d, general %v at %d", dt, tc, i, a[i], ia[i], b[i], ib[i])
				}
			}
		}
	}
}

// BenchmarkMaxPool2x2 compares the 2×2 fast path with the general loop on ReLU outputs.
func BenchmarkMaxPool2x2(b *testing.B) {
	ManualSeed(1)
	x := Randn(64, 32, 28, 28).ReLU()
	for _, general := range []bool{false, true} {
		b.Run(fmt.Sprintf("general=%v", general), func(b *testing.B) {
			poolNoFast = general
			defer func() { poolNoFast = false }()
			NoGrad(func() {
				for i := 0; i < b.N; i++ {
					MaxPool2d(x, PoolOptions{Kernel: []int{2}})
				}
			})
		})
	}
}

// TestConvPoolSameBitsAcrossProcs checks that the conv and pool kernels give bit-identical
// results for any GOMAXPROCS (sample tasks, weight-gradient chunks, plane splits).
func TestConvPoolSameBitsAcrossProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	ManualSeed(15)
	for _, pad := range []int{1, 0} { // wide and plain layouts
		x := Randn(37, 8, 14, 14)
		w := Randn(16, 8, 3, 3)
		b := Randn(16)
		p := convGeometry("Conv2d", x, w, b, ConvOptions{Padding: []int{pad}}, x.shape, w.shape)
		gy := Randn(37, 16, p.oh, p.ow)
		var want [][]float32
		for _, procs := range []int{1, 2, 3, 1} {
			runtime.GOMAXPROCS(procs)
			var got [][]float32
			NoGrad(func() {
				y := conv2d(x, w, b, p)
				v, _ := MaxPool2dWithIndices(y, PoolOptions{Kernel: []int{2}})
				got = [][]float32{y.Float32s(), convTranspose2d(gy, w, nil, p).Float32s(),
					conv2dBackwardWeight(x, gy, p).Float32s(), convBiasGrad(gy).Float32s(), v.Float32s()}
			})
			if want == nil {
				want = got
				continue
			}
			for k := range got {
				for i := range got[k] {
					if math.Float32bits(got[k][i]) != math.Float32bits(want[k][i]) {
						t.Fatalf("pad %d, result %d, element %d differs with GOMAXPROCS=%d: %v vs %v", pad, k, i, procs, got[k][i], want[k][i])
					}
				}
			}
		}
	}
}

// TestConvKernelsRandomFloat32 is TestConvKernelsRandom in float32, whose GEMM register tile
// differs from float64's, so that the products padded to whole tiles (wide forward and
// input gradient, weight gradients) are checked with both tile shapes.
func TestConvKernelsRandomFloat32(t *testing.T) {
	ManualSeed(21)
	r := rand.New(rand.NewPCG(21, 22))
	rng := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	for tc := 0; tc < 60; tc++ {
		g := []int{1, 1, 1, 2, 3}[rng(0, 4)]
		cg, og := rng(1, 4), rng(1, 40)
		if tc%4 == 0 {
			g, cg = 1, 1
		}
		kh, kw := rng(1, 5), rng(1, 5)
		sh := []int{1, 1, 1, 2}[rng(0, 3)]
		ph, pw := rng(0, 2), rng(0, 2)
		n := []int{1, 3, 20}[rng(0, 2)]
		h := max(rng(1, 14), kh-2*ph)
		w := max(rng(1, 30), kw-2*pw)
		opts := ConvOptions{Stride: []int{sh}, Padding: []int{ph, pw}, Groups: g}
		x := RandnOf(Float32, n, g*cg, h, w)
		wt := RandnOf(Float32, g*og, cg, kh, kw)
		bias := RandnOf(Float32, g*og)
		p := convGeometry("Conv2d", x, wt, bias, opts, x.shape, wt.shape)
		gy := RandnOf(Float32, n, g*og, p.oh, p.ow)
		x64, w64, gy64 := x.To(Float64).Float64s(), wt.To(Float64).Float64s(), gy.To(Float64).Float64s()
		want := naiveConv2d(x64, w64, p)
		L := p.oh * p.ow
		for i := range want {
			want[i] += float64(bias.Float32s()[i/L%p.o])
		}
		wantGX, wantGW := naiveConvGrads(x64, w64, gy64, p)
		var y, gx, gw *Tensor
		NoGrad(func() {
			y = conv2d(x, wt, bias, p)
			gx = convTranspose2d(gy, wt, nil, p)
			gw = conv2dBackwardWeight(x, gy, p)
		})
		name := fmt.Sprintf("case %d %+v wide=%v", tc, p, p.wide())
		for _, c := range []struct {
			what      string
			got, want []float64
		}{{"forward", y.To(Float64).Float64s(), want}, {"input gradient", gx.To(Float64).Float64s(), wantGX}, {"weight gradient", gw.To(Float64).Float64s(), wantGW}} {
			if i, ok := closeEnough(c.got, c.want, 1e-3, 1e-4); !ok {
				t.Fatalf("%s: %s element %d: got %v, want %v", name, c.what, i, c.got[i], c.want[i])
			}
		}
	}
}

// TestConvShortTileSameBits checks that padding products to the GEMM's short tile (8 rows)
// instead of its standard one changes no bit of any conv kernel (forward with and without
// bias, input and weight gradients; wide and plain layouts), on LeNet's and the MNIST CNN's
// layers and on random geometries down to products small enough to leave the blocked path.
func TestConvShortTileSameBits(t *testing.T) {
	defer func() { convNoShort, convNoWide = false, false }()
	ManualSeed(31)
	r := rand.New(rand.NewPCG(31, 32))
	rng := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	type geom struct{ n, c, o, h, w, kh, kw, sh, ph, dh, g int }
	cases := []geom{
		{64, 1, 6, 28, 28, 5, 5, 1, 2, 1, 1}, {64, 6, 16, 14, 14, 5, 5, 1, 0, 1, 1}, // LeNet
		{8, 1, 32, 28, 28, 3, 3, 1, 1, 1, 1}, {8, 32, 64, 14, 14, 3, 3, 1, 1, 1, 1}, // MNIST CNN
		{1, 1, 1, 14, 14, 1, 1, 2, 0, 1, 1}, {3, 6, 6, 5, 5, 1, 1, 2, 0, 1, 2}, {2, 2, 6, 7, 9, 2, 3, 2, 1, 2, 2},
	}
	for len(cases) < 70 {
		g := []int{1, 1, 2, 3}[rng(0, 3)]
		kh, kw, ph := rng(1, 5), rng(1, 5), rng(0, 2)
		dh := []int{1, 1, 2}[rng(0, 2)]
		cases = append(cases, geom{[]int{1, 2, 5, 17}[rng(0, 3)], g * rng(1, 6), g * rng(1, 20),
			max(rng(1, 16), dh*(kh-1)+1), max(rng(1, 20), dh*(kw-1)+1), kh, kw, []int{1, 1, 2}[rng(0, 2)], ph, dh, g})
	}
	short := 0
	for i, c := range cases {
		for _, dt := range []DType{Float32, Float64} {
			x := RandnOf(dt, c.n, c.c, c.h, c.w)
			wt := RandnOf(dt, c.o, c.c/c.g, c.kh, c.kw)
			bias, biasT := RandnOf(dt, c.o), RandnOf(dt, c.c)
			opts := ConvOptions{Stride: []int{c.sh}, Padding: []int{c.ph}, Dilation: []int{c.dh}, Groups: c.g}
			p := convGeometry("Conv2d", x, wt, bias, opts, x.shape, wt.shape)
			gy := RandnOf(dt, c.n, c.o, p.oh, p.ow)
			if _, _, s := convTile[float32](c.o/c.g, p.oh*p.ow, p.kdim()); s && dt == Float32 {
				short++
			}
			for _, plain := range []bool{false, true} {
				convNoWide = plain
				var want []*Tensor
				for _, noShort := range []bool{true, false} {
					convNoShort = noShort
					var got []*Tensor
					NoGrad(func() {
						got = []*Tensor{conv2d(x, wt, nil, p), conv2d(x, wt, bias, p), convTranspose2d(gy, wt, nil, p),
							convTranspose2d(gy, wt, biasT, p), conv2dBackwardWeight(x, gy, p)}
					})
					if want == nil {
						want = got
						continue
					}
					for k := range got {
						a, b := got[k].To(Float64).Float64s(), want[k].To(Float64).Float64s()
						for j := range a {
							if math.Float64bits(a[j]) != math.Float64bits(b[j]) && !(math.IsNaN(a[j]) && math.IsNaN(b[j])) {
								t.Fatalf("case %d %+v %v plain=%v: result %d element %d: short tile %v, standard %v", i, c, dt, plain, k, j, a[j], b[j])
							}
						}
					}
				}
			}
		}
	}
	if mr, _ := kernels.GemmTile[float32](); mr > 8 {
		if smr, _ := kernels.GemmShortTile[float32](); smr == 8 && short < 10 {
			t.Errorf("only %d cases used the short tile", short)
		}
	}
}

// TestConvWideStaleScratch runs the random kernel checks with the scratch pools primed with
// NaN-filled buffers, so that a kernel reading scratch it has not written (the padding of
// the wide layout's planes, the extra columns of its output gradient, which are cleared once
// per task and then reused for every sample and group) gives NaNs.
func TestConvWideStaleScratch(t *testing.T) {
	prime := func() {
		var bufs []*[]uint64
		for n := 1; n <= 1<<16; n *= 2 {
			for _, m := range []int{n, n + n/2} {
				b := getScratch[float64](m)
				for i := range *b {
					(*b)[i] = ^uint64(0) // a NaN as float64 and as two float32s
				}
				bufs = append(bufs, b)
			}
		}
		for _, b := range bufs {
			putScratch(b)
		}
	}
	prime()
	t.Run("Float64", TestConvKernelsRandom)
	prime()
	t.Run("Float32", TestConvKernelsRandomFloat32)
	prime()
	t.Run("ShortTile", TestConvShortTileSameBits)
}
