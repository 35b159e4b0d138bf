package eager

import (
	"sync"
	"unsafe"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// Convolutions, NCHW (and NCL for 1-D) as torch.nn.functional.
//
// Three primitives share one geometry (convGeom) and are each other's gradients, so any
// order of derivative is available (gradient penalties differentiate through conv's backward):
//
//	Conv2d(x, w)                 y = x ⋆ w                          [N O oH oW]
//	ConvTranspose2d(y, w)        the adjoint of Conv2d in x            [N C H W]
//	Conv2dBackwardWeight(x, y)   the adjoint of Conv2d in w        [O C/G kH kW]
//
// Each runs per sample and group as im2col + GEMM: the receptive fields of one sample are
// unfolded into a [C/G·kH·kW, oH·oW] buffer and the weight matrix multiplies it with a
// single-core GEMM (kernels.GemmSerial); samples are tasks that the cores claim, so no
// product is split and every output element is computed the same way on any core count.
// Stride-1 convolutions of narrow images unfold into a zero-padded "wide" layout whose rows
// are single copies (see wide); a 1×1 kernel with stride 1 and no padding skips the
// unfolding. The weight gradient sums over samples in a fixed number of chunks (see
// convBackwardWeight). Products whose operands are unfolded into scratch are computed padded
// to whole GEMM register tiles (zero rows, dropped columns), so that the GEMM reads them in
// place and writes full tiles directly (forward and weight-gradient products with
// kernels.GemmSerialShort's 8-row tile where that pads fewer rows, see convTile), and a bias
// enters the forward GEMM as an extra weight column times a row of ones instead of a
// separate pass over the output. Scratch
// buffers come from size-class pools (getScratch), so a training step allocates only its
// output tensors. On the MNIST CNN's 32→64 layer the GEMM
// takes about half of each op's time and the unfolding most of the rest.

var (
	opConv2d               = defOp("Conv2d", true)
	opConvTranspose2d      = defOp("ConvTranspose2d", true)
	opConv2dBackwardWeight = defOp("Conv2dBackwardWeight", true)
)

// ConvOptions configures Conv2d and Conv1d as torch.nn.functional.conv2d's keyword
// arguments. The zero value means stride 1, padding 0, dilation 1 and 1 group. Each slice
// holds one value per spatial dim (height, width), or a single value for all of them.
type ConvOptions struct {
	Stride   []int
	Padding  []int // zero padding added on both sides of each spatial dim
	Dilation []int
	Groups   int // input and output channels are split into Groups independent convolutions; 0 means 1
}

// ConvTransposeOptions configures ConvTranspose2d and ConvTranspose1d as
// torch.nn.functional.conv_transpose2d's keyword arguments; the zero value means stride 1,
// padding 0, output padding 0, dilation 1 and 1 group. Padding trims the output on both
// sides; OutputPadding adds rows and columns at the bottom and right, to pick which of the
// input sizes that a strided Conv2d maps to the same output size is produced.
type ConvTransposeOptions struct {
	Stride        []int
	Padding       []int
	OutputPadding []int
	Dilation      []int
	Groups        int
}

// floatT is the set of element types the float kernels run on.
type floatT interface{ float32 | float64 }

// convGeom is the geometry of a 2-D convolution in its forward direction: input [n c h w],
// weight [o c/g kh kw], output [n o oh ow].
type convGeom struct {
	n, c, h, w             int
	o, kh, kw              int
	oh, ow                 int
	sh, sw, ph, pw, dh, dw int
	g                      int
}

// kdim is the number of rows of one group's im2col matrix (the GEMM inner dimension).
func (p *convGeom) kdim() int { return p.c / p.g * p.kh * p.kw }

// direct reports whether im2col is the identity (a pointwise convolution).
func (p *convGeom) direct() bool {
	return p.kh == 1 && p.kw == 1 && p.sh == 1 && p.sw == 1 && p.ph == 0 && p.pw == 0
}

func (p *convGeom) attrs() []Attr {
	return []Attr{
		{"stride", []int{p.sh, p.sw}}, {"padding", []int{p.ph, p.pw}},
		{"dilation", []int{p.dh, p.dw}}, {"groups", p.g},
		{"input_size", []int{p.h, p.w}}, {"output_size", []int{p.oh, p.ow}},
		{"kernel_size", []int{p.kh, p.kw}},
	}
}

// grain returns how many samples a worker should take at least, so that tiny convolutions
// stay on one goroutine.
func (p *convGeom) grain() int {
	work := p.o / p.g * p.kdim() * p.oh * p.ow * p.g
	return max(1, (1<<16)/max(1, work))
}

// pair2 expands a per-dim option of a 2-D op: no values gives def for both dims, one value
// applies to both.
func pair2(op, name string, v []int, def int) (int, int) {
	switch len(v) {
	case 0:
		return def, def
	case 1:
		return v[0], v[0]
	case 2:
		return v[0], v[1]
	}
	failf(op, "%s must have 1 or 2 values, got %v", name, v)
	return 0, 0
}

// to2d turns a 1-D op's per-dim option into a 2-D one whose height entry is h.
func to2d(op, name string, v []int, h int) []int {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return []int{h, v[0]}
	}
	failf(op, "%s must have 1 value for a 1-D op, got %v", name, v)
	return nil
}

// checkConvTensors validates the tensor arguments of a convolution with nd spatial dims and
// reports whether x is unbatched.
func checkConvTensors(op string, x, w, b *Tensor, nd int, wname string) bool {
	if x == nil || w == nil {
		failf(op, "nil tensor argument")
	}
	if len(x.shape) != nd+1 && len(x.shape) != nd+2 {
		failf(op, "expected %dD (unbatched) or %dD (batched) input, but got input of shape %v", nd+1, nd+2, x.shape)
	}
	if len(w.shape) != nd+2 {
		failf(op, "expected a %dD weight %s, got shape %v", nd+2, wname, w.shape)
	}
	if !x.dtype.IsFloat() || x.dtype != w.dtype {
		failf(op, "input and weight must have the same floating-point dtype, got %v and %v", x.dtype, w.dtype)
	}
	if b != nil && b.dtype != x.dtype {
		failf(op, "bias must have the input's dtype %v, got %v", x.dtype, b.dtype)
	}
	return len(x.shape) == nd+1
}

// convOpts parses stride, padding, dilation and groups into p.
func (p *convGeom) parseOpts(op string, stride, padding, dilation []int, groups int) {
	p.sh, p.sw = pair2(op, "stride", stride, 1)
	p.ph, p.pw = pair2(op, "padding", padding, 0)
	p.dh, p.dw = pair2(op, "dilation", dilation, 1)
	p.g = groups
	if p.g == 0 {
		p.g = 1
	}
	switch {
	case p.sh <= 0 || p.sw <= 0:
		failf(op, "stride must be positive, got %v", stride)
	case p.ph < 0 || p.pw < 0:
		failf(op, "padding must be non-negative, got %v", padding)
	case p.dh <= 0 || p.dw <= 0:
		failf(op, "dilation must be positive, got %v", dilation)
	case p.g < 0:
		failf(op, "groups must be positive, got %d", groups)
	}
}

// Conv2d applies a 2-D convolution (cross-correlation, as torch.nn.functional.conv2d) over
// x [N, C, H, W] with weight [O, C/Groups, kH, kW] and an optional bias [O] (nil for none),
// giving [N, O, oH, oW] with oH = (H + 2·padding - dilation·(kH-1) - 1)/stride + 1. An
// unbatched input [C, H, W] gives [O, oH, oW]. x, weight and bias must share a float dtype.
//
// It panics if the channels do not match (C != Groups·weight.Size(1)), if Groups does not
// divide O, or if the dilated kernel is larger than the padded input.
func Conv2d(x, weight, bias *Tensor, opts ConvOptions) *Tensor {
	return convNd("Conv2d", 2, x, weight, bias, opts)
}

// Conv1d applies a 1-D convolution (torch.nn.functional.conv1d) over x [N, C, L] with weight
// [O, C/Groups, k] and an optional bias [O], giving [N, O, oL]; an unbatched input [C, L]
// gives [O, oL]. The options hold one value each. It runs as Conv2d with a height of 1.
func Conv1d(x, weight, bias *Tensor, opts ConvOptions) *Tensor {
	return convNd("Conv1d", 1, x, weight, bias, opts)
}

// ConvTranspose2d applies a 2-D transposed convolution (the gradient of Conv2d with respect
// to its input, as torch.nn.functional.conv_transpose2d) over x [N, Cin, H, W] with weight
// [Cin, Cout/Groups, kH, kW] and an optional bias [Cout], giving [N, Cout, oH, oW] with
// oH = (H-1)·stride - 2·padding + dilation·(kH-1) + output_padding + 1. An unbatched input
// [Cin, H, W] gives [Cout, oH, oW]. OutputPadding must be smaller than the stride or the
// dilation.
func ConvTranspose2d(x, weight, bias *Tensor, opts ConvTransposeOptions) *Tensor {
	return convTransposeNd("ConvTranspose2d", 2, x, weight, bias, opts)
}

// ConvTranspose1d applies a 1-D transposed convolution (torch.nn.functional.conv_transpose1d)
// over x [N, Cin, L] with weight [Cin, Cout/Groups, k] and an optional bias [Cout]; an
// unbatched input [Cin, L] is accepted. It runs as ConvTranspose2d with a height of 1.
func ConvTranspose1d(x, weight, bias *Tensor, opts ConvTransposeOptions) *Tensor {
	return convTransposeNd("ConvTranspose1d", 1, x, weight, bias, opts)
}

// convNd validates a convolution with nd (1 or 2) spatial dims, brings it to the batched
// 2-D form and runs the Conv2d primitive.
func convNd(op string, nd int, x, w, b *Tensor, opts ConvOptions) *Tensor {
	unbatched := checkConvTensors(op, x, w, b, nd, "[out_channels, in_channels/groups, kernel...]")
	xs, ws := x.shape, w.shape
	if unbatched {
		x = x.Unsqueeze(0)
	}
	if nd == 1 {
		x, w = x.Unsqueeze(2), w.Unsqueeze(2)
		opts = ConvOptions{Stride: to2d(op, "stride", opts.Stride, 1), Padding: to2d(op, "padding", opts.Padding, 0),
			Dilation: to2d(op, "dilation", opts.Dilation, 1), Groups: opts.Groups}
	}
	p := convGeometry(op, x, w, b, opts, xs, ws)
	out := conv2d(x, w, b, p)
	if nd == 1 {
		out = out.Squeeze(2)
	}
	if unbatched {
		out = out.Squeeze(0)
	}
	return out
}

// convGeometry validates a batched 2-D convolution and returns its geometry; xs and ws are
// the shapes the user passed, for messages.
func convGeometry(op string, x, w, b *Tensor, opts ConvOptions, xs, ws []int) convGeom {
	p := convGeom{n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3],
		o: w.shape[0], kh: w.shape[2], kw: w.shape[3]}
	p.parseOpts(op, opts.Stride, opts.Padding, opts.Dilation, opts.Groups)
	if p.o%p.g != 0 || p.o == 0 {
		failf(op, "given groups=%d, expected the weight's dim 0 (out channels) to be a positive multiple of %d, but got weight of shape %v", p.g, p.g, ws)
	}
	if w.shape[1]*p.g != p.c {
		failf(op, "given groups=%d, weight of shape %v expects input of shape %v to have %d channels, but got %d channels", p.g, ws, xs, w.shape[1]*p.g, p.c)
	}
	if b != nil && (len(b.shape) != 1 || b.shape[0] != p.o) {
		failf(op, "expected bias of shape [%d] (one per output channel), got %v", p.o, b.shape)
	}
	ekh, ekw := p.dh*(p.kh-1)+1, p.dw*(p.kw-1)+1
	if p.kh <= 0 || p.kw <= 0 || p.h+2*p.ph < ekh || p.w+2*p.pw < ekw {
		failf(op, "kernel size can't be greater than the padded input size: input %v with padding %v, weight %v with dilation %v", xs, opts.Padding, ws, opts.Dilation)
	}
	p.oh = (p.h+2*p.ph-ekh)/p.sh + 1
	p.ow = (p.w+2*p.pw-ekw)/p.sw + 1
	return p
}

// convTransposeNd validates a transposed convolution with nd (1 or 2) spatial dims, brings it
// to the batched 2-D form and runs the ConvTranspose2d primitive.
func convTransposeNd(op string, nd int, x, w, b *Tensor, opts ConvTransposeOptions) *Tensor {
	unbatched := checkConvTensors(op, x, w, b, nd, "[in_channels, out_channels/groups, kernel...]")
	xs, ws := x.shape, w.shape
	if unbatched {
		x = x.Unsqueeze(0)
	}
	if nd == 1 {
		x, w = x.Unsqueeze(2), w.Unsqueeze(2)
		opts = ConvTransposeOptions{Stride: to2d(op, "stride", opts.Stride, 1), Padding: to2d(op, "padding", opts.Padding, 0),
			OutputPadding: to2d(op, "output_padding", opts.OutputPadding, 0),
			Dilation:      to2d(op, "dilation", opts.Dilation, 1), Groups: opts.Groups}
	}
	p := convTransposeGeometry(op, x, w, b, opts, xs, ws)
	out := convTranspose2d(x, w, b, p)
	if nd == 1 {
		out = out.Squeeze(2)
	}
	if unbatched {
		out = out.Squeeze(0)
	}
	return out
}

// convTransposeGeometry validates a batched 2-D transposed convolution and returns the
// geometry of the convolution it is the adjoint of.
func convTransposeGeometry(op string, x, w, b *Tensor, opts ConvTransposeOptions, xs, ws []int) convGeom {
	// In conv terms x is the output [n o oh ow] and the result is the input [n c h w].
	p := convGeom{n: x.shape[0], o: x.shape[1], oh: x.shape[2], ow: x.shape[3],
		kh: w.shape[2], kw: w.shape[3]}
	p.parseOpts(op, opts.Stride, opts.Padding, opts.Dilation, opts.Groups)
	oph, opw := pair2(op, "output_padding", opts.OutputPadding, 0)
	if oph < 0 || opw < 0 || (oph >= p.sh && oph >= p.dh) || (opw >= p.sw && opw >= p.dw) {
		failf(op, "output padding must be non-negative and smaller than either stride or dilation, got output_padding %v, stride %v, dilation %v", opts.OutputPadding, opts.Stride, opts.Dilation)
	}
	if w.shape[0] != p.o {
		failf(op, "weight of shape %v expects input of shape %v to have %d channels, but got %d channels", ws, xs, w.shape[0], p.o)
	}
	if p.o%p.g != 0 {
		failf(op, "given groups=%d, expected the weight's dim 0 (in channels) to be divisible by %d, but got weight of shape %v", p.g, p.g, ws)
	}
	p.c = w.shape[1] * p.g
	if b != nil && (len(b.shape) != 1 || b.shape[0] != p.c) {
		failf(op, "expected bias of shape [%d] (one per output channel), got %v", p.c, b.shape)
	}
	p.h = (p.oh-1)*p.sh - 2*p.ph + p.dh*(p.kh-1) + oph + 1
	p.w = (p.ow-1)*p.sw - 2*p.pw + p.dw*(p.kw-1) + opw + 1
	if p.kh <= 0 || p.kw <= 0 || p.h <= 0 || p.w <= 0 {
		failf(op, "input of shape %v and weight of shape %v give a non-positive output size", xs, ws)
	}
	return p
}

// nonNil returns the non-nil tensors of ts, for the op observer.
func nonNil(ts ...*Tensor) []*Tensor {
	out := ts[:0:0]
	for _, t := range ts {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

// conv2d is the Conv2d primitive: x [n c h w] ⋆ w (+ b) → [n o oh ow] with geometry p.
func conv2d(x, w, b *Tensor, p convGeom) *Tensor {
	t0 := opStart()
	out := newTensorUninit(x.dtype, []int{p.n, p.o, p.oh, p.ow})
	xc, wc := x.contig(), w.contig()
	switch x.dtype {
	case Float32:
		convForward(out.f32(), xc.f32(), wc.f32(), biasData[float32](b), &p)
	case Float64:
		convForward(out.f64(), xc.f64(), wc.f64(), biasData[float64](b), &p)
	}
	if needsGradN(x, w, b) {
		n := record(opConv2d, out, func(g *Tensor) []*Tensor {
			var gx, gw, gb *Tensor
			if x.requiresGrad {
				gx = convTranspose2d(g, w, nil, p)
			}
			if w.requiresGrad {
				gw = conv2dBackwardWeight(x, g, p)
			}
			if b != nil && b.requiresGrad {
				gb = convBiasGrad(g)
			}
			return []*Tensor{gx, gw, gb}
		}, x, w, b)
		n.save(x, w)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opConv2d, t0, out, p.attrs(), nonNil(x, w, b)...)
	}
	return out
}

// convTranspose2d is the ConvTranspose2d primitive: the adjoint of conv2d in its input, taking
// y [n o oh ow] and w to [n c h w] (+ b per channel c).
func convTranspose2d(y, w, b *Tensor, p convGeom) *Tensor {
	t0 := opStart()
	if y.dtype != w.dtype {
		failf("ConvTranspose2d", "input and weight must have the same dtype, got %v and %v", y.dtype, w.dtype)
	}
	out := newTensorUninit(y.dtype, []int{p.n, p.c, p.h, p.w}) // convBackwardInput writes every element
	yc, wc := y.contig(), w.contig()
	switch y.dtype {
	case Float32:
		convBackwardInput(out.f32(), yc.f32(), wc.f32(), biasData[float32](b), &p)
	case Float64:
		convBackwardInput(out.f64(), yc.f64(), wc.f64(), biasData[float64](b), &p)
	}
	if needsGradN(y, w, b) {
		n := record(opConvTranspose2d, out, func(g *Tensor) []*Tensor {
			var gy, gw, gb *Tensor
			if y.requiresGrad {
				gy = conv2d(g, w, nil, p)
			}
			if w.requiresGrad {
				gw = conv2dBackwardWeight(g, y, p)
			}
			if b != nil && b.requiresGrad {
				gb = convBiasGrad(g)
			}
			return []*Tensor{gy, gw, gb}
		}, y, w, b)
		n.save(y, w)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opConvTranspose2d, t0, out, p.attrs(), nonNil(y, w, b)...)
	}
	return out
}

// conv2dBackwardWeight is the Conv2dBackwardWeight primitive: the adjoint of conv2d in its
// weight, taking x [n c h w] and y [n o oh ow] to [o c/g kh kw].
func conv2dBackwardWeight(x, y *Tensor, p convGeom) *Tensor {
	t0 := opStart()
	if x.dtype != y.dtype {
		failf("Conv2dBackwardWeight", "input and output gradient must have the same dtype, got %v and %v", x.dtype, y.dtype)
	}
	out := newTensor(x.dtype, []int{p.o, p.c / p.g, p.kh, p.kw})
	xc, yc := x.contig(), y.contig()
	switch x.dtype {
	case Float32:
		convBackwardWeight(out.f32(), xc.f32(), yc.f32(), &p)
	case Float64:
		convBackwardWeight(out.f64(), xc.f64(), yc.f64(), &p)
	}
	if needsGrad(x, y) {
		n := record(opConv2dBackwardWeight, out, func(g *Tensor) []*Tensor {
			var gx, gy *Tensor
			if x.requiresGrad {
				gx = convTranspose2d(y, g, nil, p)
			}
			if y.requiresGrad {
				gy = conv2d(x, g, nil, p)
			}
			return []*Tensor{gx, gy}
		}, x, y)
		n.save(x, y)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opConv2dBackwardWeight, t0, out, p.attrs(), x, y)
	}
	return out
}

// convBiasGrad returns the gradient of a per-channel bias from the output gradient
// g [n ch h w]: the sum over samples and positions, [ch]. It is the ordinary Sum, an op that
// jit traces and replays with the same summation order (a private kernel here would be
// invisible to the tracer, and a different order would make compiled and eager results
// differ).
func convBiasGrad(g *Tensor) *Tensor { return g.Sum(0, 2, 3) }

// biasData returns b's contiguous data, or nil for a nil bias.
func biasData[T floatT](b *Tensor) []T {
	if b == nil {
		return nil
	}
	c := b.contig()
	return data[T](c.st)[c.offset : c.offset+c.Numel()]
}

// convForward computes out [n o oh ow] = x [n c h w] ⋆ w [o c/g kh kw] + b. Samples are cut
// into tasks of p.grain() samples that the cores claim as they free up; a task unfolds one
// sample and group at a time into its im2col buffer and multiplies on its own core:
// out[n, group] (og × L) = w[group] (og × K) · col (K × L). Each output element is computed
// by the same operations whichever core runs it.
func convForward[T floatT](out, x, w, b []T, p *convGeom) {
	K, L := p.kdim(), p.oh*p.ow
	cg, og := p.c/p.g, p.o/p.g
	xs, ys := p.c*p.h*p.w, p.o*L
	direct := p.direct()
	if p.wide() {
		convForwardWide(out, x, w, b, p)
		return
	}
	if b != nil && !direct {
		// The bias as one more column of w times a row of ones below col, so that the GEMM
		// writes the output once instead of adding to a bias-filled one.
		wbuf := getScratch[T](p.o * (K + 1))
		defer putScratch(wbuf)
		wb := biasColumn(scratchSlice[T](wbuf, p.o*(K+1)), w, b, K)
		_, _, short := convTile[T](og, L, K+1)
		p.forSamples(func(lo, hi int) {
			buf := getScratch[T]((K + 1) * L)
			defer putScratch(buf)
			col := scratchSlice[T](buf, (K+1)*L)
			fillPlane(col[K*L:], 1)
			for n := lo; n < hi; n++ {
				for gi := 0; gi < p.g; gi++ {
					im2col(col, x[n*xs+gi*cg*p.h*p.w:], p)
					convGemm(short, false, false, og, L, K+1, wb[gi*og*(K+1):], K+1, col, L, out[n*ys+gi*og*L:], L, false)
				}
			}
		})
		return
	}
	_, _, short := convTile[T](og, L, K)
	p.forSamples(func(lo, hi int) {
		var col []T
		if !direct {
			buf := getScratch[T](K * L)
			defer putScratch(buf)
			col = scratchSlice[T](buf, K*L)
		}
		for n := lo; n < hi; n++ {
			yn := out[n*ys : (n+1)*ys]
			for o, bv := range b {
				fillPlane(yn[o*L:(o+1)*L], bv)
			}
			for gi := 0; gi < p.g; gi++ {
				src := x[n*xs+gi*cg*p.h*p.w:]
				if !direct {
					im2col(col, src, p)
					src = col
				}
				convGemm(short, false, false, og, L, K, w[gi*og*K:], K, src, L, yn[gi*og*L:], L, b != nil)
			}
		}
	})
}

// biasColumn writes w [o K] with b as an extra last column into wb [o K+1] and returns it.
func biasColumn[T floatT](wb, w, b []T, K int) []T {
	for o, bv := range b {
		copy(wb[o*(K+1):o*(K+1)+K], w[o*K:(o+1)*K])
		wb[o*(K+1)+K] = bv
	}
	return wb
}

// convBackwardInput computes dx [n c h w] = the adjoint of convForward in x applied to
// y [n o oh ow] (+ b per channel): per sample and group, col (K × L) = w[group]ᵀ (K × og) ·
// y[n, group] (og × L), folded back with col2im. The GEMM reads w transposed in place.
// Samples are split as in convForward.
func convBackwardInput[T floatT](dx, y, w, b []T, p *convGeom) {
	K, L := p.kdim(), p.oh*p.ow
	cg, og := p.c/p.g, p.o/p.g
	hw := p.h * p.w
	xs, ys := p.c*hw, p.o*L
	direct := p.direct()
	if p.wide() && allFinite(w) {
		convBackwardInputWide(dx, y, w, b, p)
		return
	}
	p.forSamples(func(lo, hi int) {
		var col []T
		if !direct {
			buf := getScratch[T](K * L)
			defer putScratch(buf)
			col = scratchSlice[T](buf, K*L)
		}
		for n := lo; n < hi; n++ {
			xn := dx[n*xs : (n+1)*xs]
			if b == nil {
				clear(xn) // per sample, in parallel: the caller's buffer is not zeroed
			}
			for c, bv := range b {
				fillPlane(xn[c*hw:(c+1)*hw], bv)
			}
			for gi := 0; gi < p.g; gi++ {
				dst := xn[gi*cg*hw:]
				if direct { // col2im is the identity: accumulate straight into dx
					kernels.GemmSerial(true, false, K, L, og, w[gi*og*K:], K, y[n*ys+gi*og*L:], L, dst, L, true)
					continue
				}
				kernels.GemmSerial(true, false, K, L, og, w[gi*og*K:], K, y[n*ys+gi*og*L:], L, col, L, false)
				col2im(dst, col, p)
			}
		}
	})
}

// fillPlane sets every element of dst to v: a loop over the first 64 elements, then copies
// that double the filled part (memmove's vector stores beat a loop of scalar ones).
func fillPlane[T floatT](dst []T, v T) {
	n := min(len(dst), 64)
	for i := range dst[:n] {
		dst[i] = v
	}
	for n < len(dst) {
		n += copy(dst[n:], dst[:n])
	}
}

// The wide layout, for stride-1 convolutions of narrow images. Each sample's group of
// channels is copied into a zero-padded buffer xp whose planes are hp×wp (hp = h+2·ph,
// wp = w+2·pw) plus a tail of (kw-1)·dw zeros, and the output is computed for oh×wp positions
// instead of oh×ow: the extra wp-ow columns of each output row are discarded. Then the im2col
// row of channel ci and kernel offset (i, j) is the contiguous run of oh·wp elements of xp
// starting at ci·ps + i·dh·wp + j·dw (ps the padded plane size), one copy instead of oh
// short ones, and col2im likewise adds whole rows. The GEMM does (wp-ow)/ow more work, so
// the layout is used only when that costs less than the short copies it saves (measured on
// the CNN benchmark layers: extra columns times output channels at most 16 output columns,
// and never more than double), and not when the unfolded matrix is smaller than the output
// (K < og: one input channel), where compacting the wide output costs more than the copies.

// convNoWide turns the wide layout off, for tests comparing it with the plain one.
var convNoWide bool

// wide reports whether the wide layout is used.
func (p *convGeom) wide() bool {
	wp := p.w + 2*p.pw
	return !convNoWide && p.sh == 1 && p.sw == 1 && !p.direct() && p.kdim() >= p.o/p.g &&
		wp-p.ow <= p.ow && (wp-p.ow)*p.o/p.g <= 16*p.ow
}

// wideSizes returns the padded row length wp, the padded plane size ps (with its tail) and
// the wide output length lw = oh·wp.
func (p *convGeom) wideSizes() (wp, ps, lw int) {
	wp = p.w + 2*p.pw
	return wp, (p.h+2*p.ph)*wp + (p.kw-1)*p.dw, p.oh * wp
}

// padPlanes copies cg planes of x [cg h w] into the interiors of the padded planes xp
// [cg ps]. It writes nothing else: the padding (and the tail) must be zero already. The
// kernels clear xp once per task and reuse it for every sample and group, whose copies all
// write the same interior positions, so that the padding is not cleared again per row.
func padPlanes[T floatT](xp, x []T, cg int, p *convGeom) {
	wp, ps, _ := p.wideSizes()
	hw := p.h * p.w
	for ci := 0; ci < cg; ci++ {
		dst := xp[ci*ps+p.ph*wp+p.pw:]
		src := x[ci*hw : (ci+1)*hw]
		if wp == p.w { // no column padding: the rows are contiguous in both
			copy(dst[:hw], src)
			continue
		}
		for r := 0; r < p.h; r++ {
			copy(dst[r*wp:r*wp+p.w], src[r*p.w:(r+1)*p.w])
		}
	}
}

// im2colWide unfolds padded planes xp [cg ps] into col [K lw], lw ≥ the wide output length
// (a longer row reads on past the plane: xp must hold the elements it reads).
func im2colWide[T floatT](col, xp []T, cg, lw int, p *convGeom) {
	wp, ps, _ := p.wideSizes()
	r := 0
	for ci := 0; ci < cg; ci++ {
		for i := 0; i < p.kh; i++ {
			for j := 0; j < p.kw; j++ {
				o := ci*ps + i*p.dh*wp + j*p.dw
				copy(col[r*lw:(r+1)*lw], xp[o:o+lw])
				r++
			}
		}
	}
}

// spreadWide copies rows planes of y [rows oh ow] into the first lw columns of yw [rows ld].
// It writes only the oh·ow positions of the planes: the extra columns of the wide layout must
// be zero already (the kernels clear yw once per task, as xp for padPlanes).
func spreadWide[T floatT](yw, y []T, rows, ld int, p *convGeom) {
	wp := p.w + 2*p.pw
	L := p.oh * p.ow
	for o := 0; o < rows; o++ {
		src := y[o*L : (o+1)*L]
		dst := yw[o*ld:]
		for r := 0; r < p.oh; r++ {
			copy(dst[r*wp:r*wp+p.ow], src[r*p.ow:(r+1)*p.ow])
		}
	}
}

// clearWideColumns zeroes the extra columns of the rows of col [rows lw].
func clearWideColumns[T floatT](col []T, rows int, p *convGeom) {
	wp, _, lw := p.wideSizes()
	for r := 0; r < rows; r++ {
		row := col[r*lw : (r+1)*lw]
		for y := 0; y < p.oh; y++ {
			for k := y*wp + p.ow; k < (y+1)*wp; k++ {
				row[k] = 0
			}
		}
	}
}

// convForwardWide is convForward in the wide layout.
func convForwardWide[T floatT](out, x, w, b []T, p *convGeom) {
	K, L := p.kdim(), p.oh*p.ow
	cg, og := p.c/p.g, p.o/p.g
	xs, ys := p.c*p.h*p.w, p.o*L
	wp, ps, lw := p.wideSizes()
	// The product is computed padded to whole register tiles, og to mp rows (zero weights)
	// and lw to lwp columns (col's rows run on into the next plane or a zero tail; those
	// columns are dropped with the other extra ones), so that the GEMM reads w and col in
	// place and writes every tile straight into yw. With a bias, w gets it as an extra
	// column and col a row of ones (see convForward).
	kb := K
	if b != nil {
		kb = K + 1
	}
	mr, nr, short := convTile[T](og, lw, kb)
	mp, lwp := (og+mr-1)/mr*mr, (lw+nr-1)/nr*nr
	wbuf := getScratch[T](p.g * mp * kb)
	defer putScratch(wbuf)
	wk := scratchSlice[T](wbuf, p.g*mp*kb)
	clear(wk)
	for o := 0; o < p.o; o++ {
		gi, r := o/og, o%og
		row := wk[(gi*mp+r)*kb : (gi*mp+r+1)*kb]
		copy(row, w[o*K:(o+1)*K])
		if b != nil {
			row[K] = b[o]
		}
	}
	xl := cg*ps + lwp - lw // padded planes and a zero tail
	p.forSamples(func(lo, hi int) {
		buf := getScratch[T](xl + kb*lwp + mp*lwp)
		defer putScratch(buf)
		s := scratchSlice[T](buf, xl+kb*lwp+mp*lwp)
		xp, col, yw := s[:xl], s[xl:xl+kb*lwp], s[xl+kb*lwp:]
		clear(xp) // the padding and the tail; padPlanes writes the interiors
		if b != nil {
			fillPlane(col[K*lwp:], 1)
		}
		for n := lo; n < hi; n++ {
			for gi := 0; gi < p.g; gi++ {
				padPlanes(xp, x[n*xs+gi*cg*p.h*p.w:], cg, p)
				im2colWide(col, xp, cg, lwp, p)
				convGemm(short, false, false, mp, lwp, kb, wk[gi*mp*kb:], kb, col, lwp, yw, lwp, false)
				for o := 0; o < og; o++ {
					c := gi*og + o
					dst := out[n*ys+c*L : n*ys+(c+1)*L]
					src := yw[o*lwp : (o+1)*lwp]
					for r := 0; r < p.oh; r++ {
						copy(dst[r*p.ow:(r+1)*p.ow], src[r*wp:r*wp+p.ow])
					}
				}
			}
		}
	})
}

// convBackwardInputWide is convBackwardInput in the wide layout: y is spread to oh×wp with
// zeros in the extra columns, so that the extra columns of col are exact zeros (w is
// finite) and folding whole rows back adds nothing where it should not.
func convBackwardInputWide[T floatT](dx, y, w, b []T, p *convGeom) {
	K, L := p.kdim(), p.oh*p.ow
	cg, og := p.c/p.g, p.o/p.g
	hw := p.h * p.w
	xs, ys := p.c*hw, p.o*L
	wp, ps, lw := p.wideSizes()
	// As in convForwardWide, the product col (K × lw) = w[group]ᵀ · yw is computed padded
	// to whole register tiles: K to mp rows (w copied with zero columns) and lw to lwp
	// columns (yw's are zero), so that w and yw are read in place and tiles written directly.
	// (The short tile measured no faster here: the depth og is small, and K rarely pads
	// much less to 8 rows than to 12.)
	mr, nr := kernels.GemmTile[T]()
	mp, lwp := (K+mr-1)/mr*mr, (lw+nr-1)/nr*nr
	wbuf := getScratch[T](p.o * mp)
	defer putScratch(wbuf)
	wt := scratchSlice[T](wbuf, p.o*mp)
	for o := 0; o < p.o; o++ {
		copy(wt[o*mp:o*mp+K], w[o*K:(o+1)*K])
		clear(wt[o*mp+K : (o+1)*mp])
	}
	p.forSamples(func(lo, hi int) {
		buf := getScratch[T](cg*ps + mp*lwp + og*lwp)
		defer putScratch(buf)
		s := scratchSlice[T](buf, cg*ps+mp*lwp+og*lwp)
		xp, col, yw := s[:cg*ps], s[cg*ps:cg*ps+mp*lwp], s[cg*ps+mp*lwp:]
		clear(yw) // the extra columns; spreadWide writes the rest
		for n := lo; n < hi; n++ {
			for gi := 0; gi < p.g; gi++ {
				spreadWide(yw, y[n*ys+gi*og*L:], og, lwp, p)
				kernels.GemmSerial(true, false, mp, lwp, og, wt[gi*og*mp:], mp, yw, lwp, col, lwp, false)
				clear(xp)
				r := 0
				for ci := 0; ci < cg; ci++ {
					for i := 0; i < p.kh; i++ {
						for j := 0; j < p.kw; j++ {
							o := ci*ps + i*p.dh*wp + j*p.dw
							d := xp[o : o+lw]
							kernels.Add(d, d, col[r*lwp:r*lwp+lw])
							r++
						}
					}
				}
				for ci := 0; ci < cg; ci++ {
					c := gi*cg + ci
					dst := dx[n*xs+c*hw : n*xs+(c+1)*hw]
					src := xp[ci*ps+p.ph*wp+p.pw:]
					for r := 0; r < p.h; r++ {
						copy(dst[r*p.w:(r+1)*p.w], src[r*wp:r*wp+p.w])
					}
					if b != nil {
						kernels.AddScalar(dst, dst, b[c])
					}
				}
			}
		}
	})
}

// allFinite reports whether v holds no infinity or NaN, from its (vectorised) sum: a sum
// that is finite proves it. (A float64 sum may overflow for finite values too; callers
// then take their slower path, which is correct for any values.)
func allFinite[T floatT](v []T) bool {
	s := kernels.Sum(v)
	return s-s == 0
}

// tileUse is the fraction of the GEMM's register tiles that an m×n product fills. (It
// decides the orientation of weight-gradient products, which for matrix-vector shapes
// changes the order of the sums: it keeps GemmSerial's tile, not convTile's, so that the
// short tile changes no bit.)
func tileUse[T floatT](m, n int) float64 {
	mr, nr := kernels.GemmTile[T]()
	return float64(m*n) / float64((m+mr-1)/mr*mr*((n+nr-1)/nr*nr))
}

// convTile returns the GEMM register tile that the conv kernels use for an m×n×k product
// (m rows before any padding to whole tiles), and whether it is kernels.GemmSerialShort's:
// the short tile where it pads m to fewer rows than GemmSerial's (6 or 16 output channels
// fill 8-row tiles, but only half or two thirds of 12-row ones). The two give the same bits
// for the same product, and the rows kept from products padded to either height are the
// same as long as the shorter one still takes the blocked path (kernels.GemmBlocked): the
// choice changes only the speed.
func convTile[T floatT](m, n, k int) (mr, nr int, short bool) {
	mr, nr = kernels.GemmTile[T]()
	smr, _ := kernels.GemmShortTile[T]()
	if ms := (m + smr - 1) / smr * smr; !convNoShort && smr < mr && ms < (m+mr-1)/mr*mr && kernels.GemmBlocked(ms, n, k) {
		return smr, nr, true
	}
	return mr, nr, false
}

// convNoShort turns the short tile off, for tests comparing the two.
var convNoShort bool

// convGemm is kernels.GemmSerial, or GemmSerialShort when short.
func convGemm[T floatT](short, transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	if short {
		kernels.GemmSerialShort(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
		return
	}
	kernels.GemmSerial(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// forSamples runs fn over [0, p.n) in tasks of p.grain() samples, on all cores when there
// is more than one task. Tasks write disjoint samples, so the result does not depend on
// which core runs which task.
func (p *convGeom) forSamples(fn func(lo, hi int)) {
	per := p.grain()
	tasks := (p.n + per - 1) / per
	if tasks <= 1 {
		fn(0, p.n)
		return
	}
	parallel.Tasks(tasks, func(t int) { fn(t*per, min((t+1)*per, p.n)) })
}

// convBackwardWeight computes dw [o c/g kh kw] = Σ_n y[n, group] (og × L) · colᵀ (L × K),
// with col unfolded by the row-copying im2col. The product is formed as it is or transposed,
// dwᵀ (K × og) += col (K × L) · y[n, group]ᵀ (L × og), whichever shape fits the GEMM's
// register tiles better (K is often a multiple of the row tile and og of the column tile). The batch is cut into a fixed number of
// chunks that depends only on the problem size; each chunk sums its samples in order into its
// own buffer, and the buffers are added in chunk order, so the result does not depend on the
// core count or on which core ran which chunk.
func convBackwardWeight[T floatT](dw, x, y []T, p *convGeom) {
	K, L := p.kdim(), p.oh*p.ow
	cg, og := p.c/p.g, p.o/p.g
	xs, ys := p.c*p.h*p.w, p.o*L
	work := p.o * K * L
	if p.n == 0 {
		clear(dw)
		return
	}
	chunks := min(p.n, 8, max(1, p.n*work/(1<<18)))
	size := (p.n + chunks - 1) / chunks
	chunks = (p.n + size - 1) / size
	if p.wide() {
		convBackwardWeightWide(dw, x, y, p, chunks, size)
		return
	}
	direct := p.direct()
	// dw (og × K) = y · colᵀ, or dwᵀ (K × og) = col · yᵀ: whichever fills the GEMM's
	// register tiles better. Both pack the transposed operand and read the other in place.
	// In the second form an unfolded col gets its rows rounded up to whole register tiles
	// (the extra rows zero, their results dropped), so that it is read in place instead of
	// having a partial panel packed.
	byRows := tileUse[T](og, K) > tileUse[T](K, og)
	_, _, short := convTile[T](og, K, L) // the tile of the product's rows
	kr := K                              // rows of col
	if !byRows {
		var mr int
		mr, _, short = convTile[T](K, og, L)
		if !direct {
			kr = (K + mr - 1) / mr * mr
		}
	}
	gw := og * kr // per group: [og K] (byRows) or [kr og]
	nw := p.g * gw
	pbuf := getScratch[T](chunks * nw)
	defer putScratch(pbuf)
	partial := scratchSlice[T](pbuf, chunks*nw)
	gemm := func(col, yn []T, ld int, acc []T, add bool) {
		if byRows {
			convGemm(short, false, true, og, K, ld, yn, ld, col, ld, acc, K, add)
		} else {
			convGemm(short, false, true, kr, og, ld, col, ld, yn, ld, acc, og, add)
		}
	}
	run := func(ch int) {
		acc := partial[ch*nw : (ch+1)*nw]
		n0 := ch * size
		var col []T
		if !direct {
			buf := getScratch[T](kr * L)
			defer putScratch(buf)
			col = scratchSlice[T](buf, kr*L)
			clear(col[K*L:])
		}
		for n := n0; n < min(n0+size, p.n); n++ {
			for gi := 0; gi < p.g; gi++ {
				src := x[n*xs+gi*cg*p.h*p.w:]
				if !direct {
					im2col(col, src, p)
					src = col
				}
				gemm(src, y[n*ys+gi*og*L:], L, acc[gi*gw:], n > n0)
			}
		}
	}
	if chunks == 1 {
		run(0)
	} else {
		parallel.Tasks(chunks, run)
	}
	sum := partial[:nw]
	for ch := 1; ch < chunks; ch++ {
		kernels.Add(sum, sum, partial[ch*nw:(ch+1)*nw])
	}
	if byRows {
		copy(dw, sum)
		return
	}
	for gi := 0; gi < p.g; gi++ {
		src, dst := sum[gi*gw:(gi+1)*gw], dw[gi*og*K:(gi+1)*og*K]
		for k := 0; k < K; k++ {
			for o, v := range src[k*og : (k+1)*og] {
				dst[o*K+k] = v
			}
		}
	}
}

// convBackwardWeightWide is convBackwardWeight in the wide layout, in the same chunks of
// samples: per sample and group, dw (og × K) += yw (og × lw) · colᵀ, or dwᵀ (K × og) +=
// col · ywᵀ, the extra columns of yw zeroed and those of col finite (zeroed when x is not).
// Both operands are unfolded into scratch with their row counts rounded up to whole
// register tiles (the extra rows zero), so that the GEMM reads its first operand in place
// instead of packing a partial panel, and writes whole tiles of the padded product straight
// into the chunk's accumulator instead of through a scratch tile; the padding is dropped at
// the end.
func convBackwardWeightWide[T floatT](dw, x, y []T, p *convGeom, chunks, size int) {
	K, L := p.kdim(), p.oh*p.ow
	cg, og := p.c/p.g, p.o/p.g
	xs, ys := p.c*p.h*p.w, p.o*L
	_, ps, lw := p.wideSizes()
	byRows := tileUse[T](og, K) > tileUse[T](K, og)
	// The product is rows × cols: og × K (byRows) or K × og, padded to mp × np.
	rows, cols := K, og
	if byRows {
		rows, cols = og, K
	}
	mr, nr, short := convTile[T](rows, cols, lw)
	mp, np := (rows+mr-1)/mr*mr, (cols+nr-1)/nr*nr
	kr, orows := mp, np // rows of col and yw in scratch
	if byRows {
		kr, orows = np, mp
	}
	nw := p.g * mp * np
	pbuf := getScratch[T](chunks * nw)
	defer putScratch(pbuf)
	partial := scratchSlice[T](pbuf, chunks*nw) // chunk ch: per group, [mp np]
	run := func(ch int) {
		acc := partial[ch*nw : (ch+1)*nw]
		n0 := ch * size
		buf := getScratch[T](cg*ps + kr*lw + orows*lw)
		defer putScratch(buf)
		s := scratchSlice[T](buf, cg*ps+kr*lw+orows*lw)
		xp, col, yw := s[:cg*ps], s[cg*ps:cg*ps+kr*lw], s[cg*ps+kr*lw:]
		clear(col[K*lw:])
		clear(xp) // the padding; padPlanes writes the interiors
		clear(yw) // the extra columns and rows; spreadWide writes the rest
		a, b := col, yw
		if byRows {
			a, b = yw, col
		}
		for n := n0; n < min(n0+size, p.n); n++ {
			for gi := 0; gi < p.g; gi++ {
				xg := x[n*xs+gi*cg*p.h*p.w : n*xs+(gi+1)*cg*p.h*p.w]
				padPlanes(xp, xg, cg, p)
				im2colWide(col, xp, cg, lw, p)
				if !allFinite(xg) { // else 0·(extra column) is 0 already
					clearWideColumns(col, K, p)
				}
				spreadWide(yw, y[n*ys+gi*og*L:], og, lw, p)
				convGemm(short, false, true, mp, np, lw, a, lw, b, lw, acc[gi*mp*np:], np, n > n0)
			}
		}
	}
	if chunks == 1 {
		run(0)
	} else {
		parallel.Tasks(chunks, run)
	}
	sum := partial[:nw]
	for ch := 1; ch < chunks; ch++ {
		kernels.Add(sum, sum, partial[ch*nw:(ch+1)*nw])
	}
	for gi := 0; gi < p.g; gi++ {
		src, dst := sum[gi*mp*np:(gi+1)*mp*np], dw[gi*og*K:(gi+1)*og*K]
		for r := 0; r < rows; r++ {
			for c, v := range src[r*np : r*np+cols] {
				if byRows {
					dst[r*K+c] = v
				} else {
					dst[c*K+r] = v
				}
			}
		}
	}
}

// validRange returns the output positions [lo, hi) of a row whose input position i·s + off
// lies in [0, w), for i in [0, ow).
func validRange(off, s, w, ow int) (int, int) {
	lo, hi := 0, 0
	if off < 0 {
		lo = (-off + s - 1) / s
	}
	if w-1-off >= 0 {
		hi = min((w-1-off)/s+1, ow)
	}
	return min(lo, hi), hi
}

// im2col unfolds one sample's group of channels x [c/g h w] into col [K L], K = c/g·kh·kw:
//
//	col[(ci·kh+i)·kw+j][y·ow+x] = x[ci][y·sh-ph+i·dh][x·sw-pw+j·dw]   (0 in the padding)
//
// Each output row is a run of copies (stride 1) or strided loads between zero-filled ends.
func im2col[T floatT](col, x []T, p *convGeom) {
	L, hw := p.oh*p.ow, p.h*p.w
	r := 0
	for c := 0; c < p.c/p.g; c++ {
		xc := x[c*hw : (c+1)*hw]
		for i := 0; i < p.kh; i++ {
			for j := 0; j < p.kw; j++ {
				row := col[r*L : (r+1)*L]
				r++
				off := j*p.dw - p.pw
				lo, hi := validRange(off, p.sw, p.w, p.ow)
				for y := 0; y < p.oh; y++ {
					seg := row[y*p.ow : (y+1)*p.ow]
					iy := y*p.sh - p.ph + i*p.dh
					if iy < 0 || iy >= p.h {
						clear(seg)
						continue
					}
					if lo >= hi { // the whole row lies in the padding
						clear(seg)
						continue
					}
					src := xc[iy*p.w : (iy+1)*p.w]
					if p.sw == 1 && p.ow <= 32 { // short rows: loops beat memmove calls
						for k := range seg[:lo] {
							seg[k] = 0
						}
						s, d := src[lo+off:hi+off], seg[lo:hi]
						for k := range d {
							d[k] = s[k]
						}
						for k := hi; k < len(seg); k++ {
							seg[k] = 0
						}
						continue
					}
					clear(seg[:lo])
					clear(seg[hi:])
					if p.sw == 1 {
						copy(seg[lo:hi], src[lo+off:hi+off])
						continue
					}
					ix := lo*p.sw + off
					for k := lo; k < hi; k++ {
						seg[k] = src[ix]
						ix += p.sw
					}
				}
			}
		}
	}
}

// col2im is the adjoint of im2col: it adds each entry of col [K L] into x [c/g h w] at the
// position im2col read it from.
func col2im[T floatT](x, col []T, p *convGeom) {
	L, hw := p.oh*p.ow, p.h*p.w
	r := 0
	for c := 0; c < p.c/p.g; c++ {
		xc := x[c*hw : (c+1)*hw]
		for i := 0; i < p.kh; i++ {
			for j := 0; j < p.kw; j++ {
				row := col[r*L : (r+1)*L]
				r++
				off := j*p.dw - p.pw
				lo, hi := validRange(off, p.sw, p.w, p.ow)
				if lo >= hi {
					continue
				}
				for y := 0; y < p.oh; y++ {
					iy := y*p.sh - p.ph + i*p.dh
					if iy < 0 || iy >= p.h {
						continue
					}
					seg := row[y*p.ow+lo : y*p.ow+hi]
					dst := xc[iy*p.w : (iy+1)*p.w]
					if p.sw == 1 {
						d := dst[lo+off : hi+off]
						if len(d) > 32 {
							kernels.Add(d, d, seg)
							continue
						}
						seg = seg[:len(d)]
						for k := range d {
							d[k] += seg[k]
						}
						continue
					}
					ix := lo*p.sw + off
					for _, v := range seg {
						dst[ix] += v
						ix += p.sw
					}
				}
			}
		}
	}
}

// Scratch buffers of the conv kernels (im2col matrices, weight-gradient partials) and of
// reductions are reused instead of allocated and cleared anew: large ones come from and go
// back to the buffer cache (cache.go), which keeps them across garbage collections and shares
// them with tensor storage; small ones from pools of power-of-two byte sizes. Contents are
// not cleared: every kernel writes its scratch before reading it.
var scratchPools [48]sync.Pool // class i: *[]uint64 of 1<<i bytes (at least 8)

// scratchClass returns the pool class of a buffer of n bytes.
func scratchClass(n int) int {
	c := 3
	for 1<<c < n {
		c++
	}
	return c
}

// getScratch returns a buffer of at least n elements of T.
func getScratch[T floatT](n int) *[]uint64 {
	if nb := n * int(unsafe.Sizeof(T(0))); nb >= minCachedBytes {
		p, c, _ := cachedBuffer(nb, false) // scratch is written before it is read
		b := unsafe.Slice((*uint64)(p), classBytes(c)/8)
		return &b
	}
	c := scratchClass(max(1, n) * int(unsafe.Sizeof(T(0))))
	if v := scratchPools[c].Get(); v != nil {
		return v.(*[]uint64)
	}
	b := make([]uint64, (1<<c)/8)
	return &b
}

// putScratch returns a buffer from getScratch to its pool.
func putScratch(b *[]uint64) {
	if nb := len(*b) * 8; nb >= minCachedBytes {
		c, _ := sizeClass(nb)
		cacheBuffer(unsafe.Pointer(unsafe.SliceData(*b)), c)
		return
	}
	scratchPools[scratchClass(len(*b)*8)].Put(b)
}

// scratchSlice views the first n elements of a scratch buffer as T.
func scratchSlice[T floatT](b *[]uint64, n int) []T {
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(*b))), n)
}
