package eager

import (
	"math"
	"unsafe"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// Pooling over NCHW (and NCL) inputs, as torch.nn.functional. Every pooling op here is
// linear in its input once the max positions are fixed, so each forward primitive has a
// backward primitive that is its adjoint, and each is the other's gradient:
//
//	MaxPool2d          ↔ MaxPool2dBackward (scatter-add to the argmax) ↔ MaxPool2dGather
//	AvgPool2d          ↔ AvgPool2dBackward
//	AdaptiveAvgPool2d  ↔ AdaptiveAvgPool2dBackward
//
// Kernels run plane by plane (one plane per sample and channel), planes split across workers.

var (
	opMaxPool2d                 = defOp("MaxPool2d", true)
	opMaxPool2dBackward         = defOp("MaxPool2dBackward", true)
	opMaxPool2dGather           = defOp("MaxPool2dGather", true)
	opAvgPool2d                 = defOp("AvgPool2d", true)
	opAvgPool2dBackward         = defOp("AvgPool2dBackward", true)
	opAdaptiveAvgPool2d         = defOp("AdaptiveAvgPool2d", true)
	opAdaptiveAvgPool2dBackward = defOp("AdaptiveAvgPool2dBackward", true)
)

// PoolOptions configures MaxPool2d and MaxPool1d as torch.nn.functional.max_pool2d's
// arguments. Each slice holds one value per spatial dim (height, width), or a single value
// for all of them. Kernel is required; Stride defaults to Kernel, Padding to 0 (the padding
// is -Inf and never wins) and Dilation to 1.
type PoolOptions struct {
	Kernel   []int
	Stride   []int
	Padding  []int // at most half the kernel size
	Dilation []int
	CeilMode bool // round the output size up, so that windows may start in the right padding
}

// AvgPoolOptions configures AvgPool2d and AvgPool1d as torch.nn.functional.avg_pool2d's
// arguments. Kernel is required; Stride defaults to Kernel and Padding (zeros) to 0. The zero
// value of the flags gives PyTorch's defaults: padded zeros count in the divisor
// (count_include_pad=True).
type AvgPoolOptions struct {
	Kernel   []int
	Stride   []int
	Padding  []int // at most half the kernel size
	CeilMode bool  // round the output size up
	// ExcludePad leaves padded positions out of the divisor (count_include_pad=False).
	ExcludePad bool
	// DivisorOverride, if non-zero, divides every window's sum by it instead.
	DivisorOverride int
}

// poolGeom is the geometry of a 2-D pooling over planes of h×w giving oh×ow.
type poolGeom struct {
	n, c, h, w, oh, ow     int
	kh, kw, sh, sw, ph, pw int
	dh, dw                 int
	ceil                   bool
	excludePad             bool // avg only
	divisor                int  // avg only; 0 for none
}

func (p *poolGeom) planes() int { return p.n * p.c }

func (p *poolGeom) grain() int {
	return max(1, (1<<14)/max(1, p.oh*p.ow*p.kh*p.kw))
}

func (p *poolGeom) attrs() []Attr {
	return []Attr{
		{"kernel_size", []int{p.kh, p.kw}}, {"stride", []int{p.sh, p.sw}},
		{"padding", []int{p.ph, p.pw}}, {"dilation", []int{p.dh, p.dw}}, {"ceil_mode", p.ceil},
		{"count_include_pad", !p.excludePad}, {"divisor_override", p.divisor},
		{"input_size", []int{p.h, p.w}}, {"output_size", []int{p.oh, p.ow}},
	}
}

// poolInput validates a pooling input with nd (1 or 2) spatial dims and returns it as a
// batched 4-D tensor, and whether it was unbatched.
func poolInput(op string, nd int, x *Tensor) (*Tensor, bool) {
	if x == nil {
		failf(op, "nil tensor argument")
	}
	r := len(x.shape)
	if r != nd+1 && r != nd+2 {
		failf(op, "expected %dD (unbatched) or %dD (batched) input, but got input of shape %v", nd+1, nd+2, x.shape)
	}
	for _, s := range x.shape[r-nd-1:] {
		if s == 0 {
			failf(op, "expected non-zero channel and spatial sizes (only the batch may be empty), got input of shape %v", x.shape)
		}
	}
	if !x.dtype.IsFloat() {
		failf(op, "needs a floating-point tensor, got %v (shape %v)", x.dtype, x.shape)
	}
	unbatched := r == nd+1
	if unbatched {
		x = x.Unsqueeze(0)
	}
	if nd == 1 {
		x = x.Unsqueeze(2)
	}
	return x, unbatched
}

// poolOutput undoes poolInput's reshaping on a result.
func poolOutput(t *Tensor, nd int, unbatched bool) *Tensor {
	if nd == 1 {
		t = t.Squeeze(2)
	}
	if unbatched {
		t = t.Squeeze(0)
	}
	return t
}

// floorDiv is a/b rounded toward negative infinity (b > 0).
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// poolOutSize is PyTorch's pooling output size for one dim.
func poolOutSize(in, k, s, pad, d int, ceil bool) int {
	num := in + 2*pad - d*(k-1) - 1
	if ceil {
		num += s - 1
	}
	out := floorDiv(num, s) + 1
	if ceil && (out-1)*s >= in+pad { // the last window must start inside the input or left padding
		out--
	}
	return out
}

// setup fills p from a batched 4-D input and the options, validating them; xs is the shape
// the user passed, for messages.
func (p *poolGeom) setup(op string, x *Tensor, xs []int, kernel, stride, padding, dilation []int) {
	p.n, p.c, p.h, p.w = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	if len(kernel) == 0 {
		failf(op, "kernel size must be given")
	}
	p.kh, p.kw = pair2(op, "kernel size", kernel, 0)
	p.sh, p.sw = p.kh, p.kw
	if len(stride) > 0 {
		p.sh, p.sw = pair2(op, "stride", stride, 0)
	}
	p.ph, p.pw = pair2(op, "padding", padding, 0)
	p.dh, p.dw = pair2(op, "dilation", dilation, 1)
	switch {
	case p.kh <= 0 || p.kw <= 0:
		failf(op, "kernel size must be positive, got %v", kernel)
	case p.sh <= 0 || p.sw <= 0:
		failf(op, "stride must be positive, got %v", stride)
	case p.dh <= 0 || p.dw <= 0:
		failf(op, "dilation must be positive, got %v", dilation)
	case p.ph < 0 || p.pw < 0 || 2*p.ph > p.kh || 2*p.pw > p.kw:
		failf(op, "padding should be non-negative and at most half of the kernel size, got padding %v and kernel size %v", padding, kernel)
	}
	p.oh = poolOutSize(p.h, p.kh, p.sh, p.ph, p.dh, p.ceil)
	p.ow = poolOutSize(p.w, p.kw, p.sw, p.pw, p.dw, p.ceil)
	if p.oh < 1 || p.ow < 1 {
		failf(op, "given input of shape %v, the calculated output size %dx%d is too small (kernel size %v, dilation %v, padding %v): the kernel is larger than the input", xs, p.oh, p.ow, kernel, dilation, padding)
	}
}

// MaxPool2d applies 2-D max pooling (torch.nn.functional.max_pool2d) over x [N, C, H, W] or
// an unbatched [C, H, W]. The gradient flows to the first maximum of each window (a NaN
// counts as the maximum). It panics if the kernel does not fit the padded input.
func MaxPool2d(x *Tensor, opts PoolOptions) *Tensor {
	out, _ := maxPoolNd("MaxPool2d", 2, x, opts)
	return out
}

// MaxPool2dWithIndices is MaxPool2d that also returns, as int64, the index of each maximum
// within its input plane (row·W + column), as max_pool2d(..., return_indices=True).
func MaxPool2dWithIndices(x *Tensor, opts PoolOptions) (values, indices *Tensor) {
	return maxPoolNd("MaxPool2d", 2, x, opts)
}

// MaxPool1d applies 1-D max pooling (torch.nn.functional.max_pool1d) over x [N, C, L] or an
// unbatched [C, L]; the options hold one value each.
func MaxPool1d(x *Tensor, opts PoolOptions) *Tensor {
	out, _ := maxPoolNd("MaxPool1d", 1, x, opts)
	return out
}

// MaxPool1dWithIndices is MaxPool1d that also returns the int64 index of each maximum.
func MaxPool1dWithIndices(x *Tensor, opts PoolOptions) (values, indices *Tensor) {
	return maxPoolNd("MaxPool1d", 1, x, opts)
}

func maxPoolNd(op string, nd int, x *Tensor, o PoolOptions) (*Tensor, *Tensor) {
	x4, unbatched := poolInput(op, nd, x)
	xs := x.Shape()
	if nd == 1 {
		o = PoolOptions{Kernel: to2d(op, "kernel size", o.Kernel, 1), Stride: to2d(op, "stride", o.Stride, 1),
			Padding: to2d(op, "padding", o.Padding, 0), Dilation: to2d(op, "dilation", o.Dilation, 1), CeilMode: o.CeilMode}
	}
	p := poolGeom{ceil: o.CeilMode}
	p.setup(op, x4, xs, o.Kernel, o.Stride, o.Padding, o.Dilation)
	out, idx := maxPool2d(x4, p)
	return poolOutput(out, nd, unbatched), poolOutput(idx, nd, unbatched)
}

// maxPool2d is the MaxPool2d primitive on a batched input: it returns the maxima and their
// plane indices.
func maxPool2d(x *Tensor, p poolGeom) (*Tensor, *Tensor) {
	t0 := opStart()
	out := newTensorUninit(x.dtype, []int{p.n, p.c, p.oh, p.ow})
	idx := newTensorUninit(Int64, out.shape)
	xc := x.contig()
	switch x.dtype {
	case Float32:
		maxPoolForward(out.f32(), idx.i64(), xc.f32(), &p)
	case Float64:
		maxPoolForward(out.f64(), idx.i64(), xc.f64(), &p)
	}
	if needsGrad(x, nil) {
		shape := x.shape
		n := record(opMaxPool2d, out, func(g *Tensor) []*Tensor {
			return []*Tensor{maxPool2dBackward(g, idx, shape)}
		}, x)
		n.save(idx)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opMaxPool2d, t0, out, append(p.attrs(), Attr{"indices", idx}), x)
	}
	return out, idx
}

// maxPool2dBackward is the MaxPool2dBackward primitive: it adds each g [n c oh ow] into a
// zero tensor of the input's shape at its plane index idx.
func maxPool2dBackward(g, idx *Tensor, shape []int) *Tensor {
	t0 := opStart()
	out := newTensorUninit(g.dtype, shape) // indexScatter zeroes each plane itself
	gc, ic := g.contig(), idx.contig()
	hw, l := shape[2]*shape[3], g.shape[2]*g.shape[3]
	planes := shape[0] * shape[1]
	switch g.dtype {
	case Float32:
		indexScatter(out.f32(), gc.f32(), ic.i64(), planes, hw, l)
	case Float64:
		indexScatter(out.f64(), gc.f64(), ic.i64(), planes, hw, l)
	}
	if needsGrad(g, nil) {
		n := record(opMaxPool2dBackward, out, func(u *Tensor) []*Tensor {
			return []*Tensor{maxPool2dGather(u, idx)}
		}, g)
		n.save(idx)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opMaxPool2dBackward, t0, out, []Attr{{"shape", copyInts(shape)}}, g, idx)
	}
	return out
}

// maxPool2dGather is the MaxPool2dGather primitive: out[n c i j] = x[n c][idx[n c i j]], the
// adjoint of MaxPool2dBackward.
func maxPool2dGather(x, idx *Tensor) *Tensor {
	t0 := opStart()
	out := newTensor(x.dtype, idx.shape)
	xc, ic := x.contig(), idx.contig()
	hw, l := x.shape[2]*x.shape[3], idx.shape[2]*idx.shape[3]
	planes := x.shape[0] * x.shape[1]
	switch x.dtype {
	case Float32:
		indexGather(out.f32(), xc.f32(), ic.i64(), planes, hw, l)
	case Float64:
		indexGather(out.f64(), xc.f64(), ic.i64(), planes, hw, l)
	}
	if needsGrad(x, nil) {
		shape := x.shape
		n := record(opMaxPool2dGather, out, func(g *Tensor) []*Tensor {
			return []*Tensor{maxPool2dBackward(g, idx, shape)}
		}, x)
		n.save(idx)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opMaxPool2dGather, t0, out, nil, x, idx)
	}
	return out
}

// maxPoolForward writes each window's first maximum (or last NaN, as PyTorch) and its plane
// index. Window rows and columns that fall in the padding are skipped, not compared.
func maxPoolForward[T floatT](out []T, idx []int64, x []T, p *poolGeom) {
	hw, l := p.h*p.w, p.oh*p.ow
	ninf := T(math.Inf(-1))
	if p.is2x2() {
		parallel.For(p.planes(), p.grain(), func(lo, hi int) {
			for pl := lo; pl < hi; pl++ {
				op, ip, xp := out[pl*l:(pl+1)*l], idx[pl*l:(pl+1)*l], x[pl*hw:(pl+1)*hw]
				if o32, ok := any(op).([]float32); ok { // vector kernel, the plane in one call
					kernels.MaxPool2x2Plane(o32, ip, any(xp).([]float32), p.w, p.oh, p.ow)
					continue
				}
				maxPool2x2Plane(op, ip, xp, p)
			}
		})
		return
	}
	parallel.For(p.planes(), p.grain(), func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			xp, op, ip := x[pl*hw:(pl+1)*hw], out[pl*l:(pl+1)*l], idx[pl*l:(pl+1)*l]
			for y := 0; y < p.oh; y++ {
				y0, y1 := dilatedWindow(y, p.sh, p.ph, p.kh, p.dh, p.h)
				for xo := 0; xo < p.ow; xo++ {
					x0, x1 := dilatedWindow(xo, p.sw, p.pw, p.kw, p.dw, p.w)
					best, bi := ninf, y0*p.w+x0
					for iy := y0; iy < y1; iy += p.dh {
						row := xp[iy*p.w : (iy+1)*p.w]
						for ix := x0; ix < x1; ix += p.dw {
							if v := row[ix]; v > best || v != v {
								best, bi = v, iy*p.w+ix
							}
						}
					}
					op[y*p.ow+xo], ip[y*p.ow+xo] = best, int64(bi)
				}
			}
		}
	})
}

// poolNoFast turns the special-cased pooling loops off, for tests comparing them with the
// general ones.
var poolNoFast bool

// is2x2 reports whether the pooling is the common 2×2 window with stride 2, no padding and
// no dilation, whose windows all lie inside the input (also with ceil mode, for even sizes).
func (p *poolGeom) is2x2() bool {
	return !poolNoFast && p.kh == 2 && p.kw == 2 && p.sh == 2 && p.sw == 2 && p.ph == 0 && p.pw == 0 &&
		p.dh == 1 && p.dw == 1 && 2*p.oh <= p.h && 2*p.ow <= p.w
}

// maxPool2x2Plane is maxPoolForward's loop for one plane of a 2×2 stride-2 pooling (float64;
// float32 runs kernels.MaxPool2x2Plane, the same rule in vector code). It keeps
// the general loop's choice (the first maximum in row-major window order, or the last NaN)
// but without data-dependent branches, which mispredict on ReLU outputs full of ties: the
// four values are mapped to integers ordered as the floats (ordKey), and the running
// maximum and its position are kept with integer compares that compile to conditional
// moves. Windows holding a NaN take the general rule.
func maxPool2x2Plane[T floatT](out []T, idx []int64, x []T, p *poolGeom) {
	w := p.w
	for y := 0; y < p.oh; y++ {
		r0 := x[2*y*w : 2*y*w+2*p.ow]
		r1 := x[(2*y+1)*w : (2*y+1)*w+2*p.ow]
		o := out[y*p.ow : (y+1)*p.ow]
		ix := idx[y*p.ow : (y+1)*p.ow]
		base := int64(2 * y * w)
		for j := range o {
			a, b, c, d := r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]
			// One assignment per condition, so that each becomes a conditional move.
			ka, kb, kc, kd := ordKey(a), ordKey(b), ordKey(c), ordKey(d)
			k := int64(0)
			if kb > ka {
				k = 1
			}
			best := max(ka, kb)
			if kc > best {
				k = int64(w)
			}
			best = max(best, kc)
			if kd > best {
				k = int64(w) + 1
			}
			if a != a || b != b || c != c || d != d {
				k = maxPoolNaNWindow(a, b, c, d, int64(w))
			}
			at := base + 2*int64(j) + k
			o[j], ix[j] = x[at], at
		}
	}
}

// ordKey maps a non-NaN float to an integer with the same order, -0 and +0 to the same one.
func ordKey[T floatT](v T) int64 {
	v += 0 // -0 becomes +0
	if unsafe.Sizeof(v) == 4 {
		b := int32(math.Float32bits(float32(v)))
		return int64(b ^ (b >> 31 & 0x7fffffff))
	}
	b := int64(math.Float64bits(float64(v)))
	return b ^ (b >> 63 & 0x7fffffffffffffff)
}

// maxPoolNaNWindow is the general rule on a 2×2 window (positions 0, 1, w, w+1 in order):
// the first maximum, or the last NaN.
func maxPoolNaNWindow[T floatT](a, b, c, d T, w int64) int64 {
	best, k := T(math.Inf(-1)), int64(0)
	for i, v := range [4]T{a, b, c, d} {
		if v > best || v != v {
			best, k = v, []int64{0, 1, w, w + 1}[i]
		}
	}
	return k
}

// dilatedWindow returns the first in-range input position of output position o's window and
// the end of the window clipped to the input; positions step by d.
func dilatedWindow(o, s, pad, k, d, n int) (int, int) {
	start := o*s - pad
	end := min(start+(k-1)*d+1, n)
	for start < 0 {
		start += d
	}
	return start, end
}

// indexScatter sets dst [planes hw] to zero plus src [planes l] added at the plane indices idx.
func indexScatter[T floatT](dst, src []T, idx []int64, planes, hw, l int) {
	parallel.For(planes, max(1, (1<<15)/max(1, l)), func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			d := dst[pl*hw : (pl+1)*hw]
			clear(d) // here rather than by the allocation: in parallel, and the plane stays in cache
			for i, v := range src[pl*l : (pl+1)*l] {
				d[idx[pl*l+i]] += v
			}
		}
	})
}

// indexGather sets dst [planes l] to src [planes hw] read at the plane indices idx.
func indexGather[T floatT](dst, src []T, idx []int64, planes, hw, l int) {
	parallel.For(planes, max(1, (1<<15)/max(1, l)), func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			s := src[pl*hw : (pl+1)*hw]
			d := dst[pl*l : (pl+1)*l]
			for i, j := range idx[pl*l : (pl+1)*l] {
				d[i] = s[j]
			}
		}
	})
}

// AvgPool2d applies 2-D average pooling (torch.nn.functional.avg_pool2d) over x [N, C, H, W]
// or an unbatched [C, H, W]. By default padded zeros count in each window's divisor, as
// PyTorch's count_include_pad=True; set ExcludePad to leave them out.
func AvgPool2d(x *Tensor, opts AvgPoolOptions) *Tensor { return avgPoolNd("AvgPool2d", 2, x, opts) }

// AvgPool1d applies 1-D average pooling (torch.nn.functional.avg_pool1d) over x [N, C, L] or
// an unbatched [C, L]; the options hold one value each.
func AvgPool1d(x *Tensor, opts AvgPoolOptions) *Tensor { return avgPoolNd("AvgPool1d", 1, x, opts) }

func avgPoolNd(op string, nd int, x *Tensor, o AvgPoolOptions) *Tensor {
	x4, unbatched := poolInput(op, nd, x)
	xs := x.Shape()
	if nd == 1 {
		o.Kernel, o.Stride, o.Padding = to2d(op, "kernel size", o.Kernel, 1), to2d(op, "stride", o.Stride, 1), to2d(op, "padding", o.Padding, 0)
	}
	p := poolGeom{ceil: o.CeilMode, excludePad: o.ExcludePad, divisor: o.DivisorOverride}
	p.setup(op, x4, xs, o.Kernel, o.Stride, o.Padding, nil)
	return poolOutput(avgPool2d(x4, p), nd, unbatched)
}

// avgPool2d is the AvgPool2d primitive on a batched input.
func avgPool2d(x *Tensor, p poolGeom) *Tensor {
	t0 := opStart()
	out := newTensor(x.dtype, []int{p.n, p.c, p.oh, p.ow})
	xc := x.contig()
	switch x.dtype {
	case Float32:
		avgPoolKernel(out.f32(), xc.f32(), &p, false)
	case Float64:
		avgPoolKernel(out.f64(), xc.f64(), &p, false)
	}
	if needsGrad(x, nil) {
		record(opAvgPool2d, out, func(g *Tensor) []*Tensor {
			return []*Tensor{avgPool2dBackward(g, p)}
		}, x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opAvgPool2d, t0, out, p.attrs(), x)
	}
	return out
}

// avgPool2dBackward is the AvgPool2dBackward primitive: each g [n c oh ow], divided by its
// window's divisor, is added over the window of an input-shaped tensor.
func avgPool2dBackward(g *Tensor, p poolGeom) *Tensor {
	t0 := opStart()
	out := newTensor(g.dtype, []int{p.n, p.c, p.h, p.w})
	gc := g.contig()
	switch g.dtype {
	case Float32:
		avgPoolKernel(gc.f32(), out.f32(), &p, true)
	case Float64:
		avgPoolKernel(gc.f64(), out.f64(), &p, true)
	}
	if needsGrad(g, nil) {
		record(opAvgPool2dBackward, out, func(u *Tensor) []*Tensor {
			return []*Tensor{avgPool2d(u, p)}
		}, g)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opAvgPool2dBackward, t0, out, p.attrs(), g)
	}
	return out
}

// avgPoolKernel computes y [planes oh ow] as the window averages of x [planes h w] or, with
// adjoint set, adds each y/divisor back over its window of x. The window and divisor follow
// PyTorch: the window is clipped to the padded input for the count_include_pad divisor and to
// the input for the sum.
func avgPoolKernel[T floatT](y, x []T, p *poolGeom, adjoint bool) {
	hw, l := p.h*p.w, p.oh*p.ow
	parallel.For(p.planes(), p.grain(), func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			xp, yp := x[pl*hw:(pl+1)*hw], y[pl*l:(pl+1)*l]
			for oy := 0; oy < p.oh; oy++ {
				y0 := oy*p.sh - p.ph
				y1 := min(y0+p.kh, p.h+p.ph)
				hpad := y1 - y0
				y0, y1 = max(y0, 0), min(y1, p.h)
				for ox := 0; ox < p.ow; ox++ {
					x0 := ox*p.sw - p.pw
					x1 := min(x0+p.kw, p.w+p.pw)
					size := hpad * (x1 - x0)
					x0, x1 = max(x0, 0), min(x1, p.w)
					if y0 >= y1 || x0 >= x1 {
						continue
					}
					switch {
					case p.divisor != 0:
						size = p.divisor
					case p.excludePad:
						size = (y1 - y0) * (x1 - x0)
					}
					if adjoint {
						v := yp[oy*p.ow+ox] / T(size)
						for iy := y0; iy < y1; iy++ {
							row := xp[iy*p.w+x0 : iy*p.w+x1]
							for i := range row {
								row[i] += v
							}
						}
						continue
					}
					var s T
					for iy := y0; iy < y1; iy++ {
						for _, v := range xp[iy*p.w+x0 : iy*p.w+x1] {
							s += v
						}
					}
					yp[oy*p.ow+ox] = s / T(size)
				}
			}
		}
	})
}

// AdaptiveAvgPool2d applies 2-D adaptive average pooling
// (torch.nn.functional.adaptive_avg_pool2d) over x [N, C, H, W] or an unbatched [C, H, W],
// giving outH×outW: output row i averages input rows floor(i·H/outH) up to
// ceil((i+1)·H/outH), and likewise for columns.
func AdaptiveAvgPool2d(x *Tensor, outH, outW int) *Tensor {
	return adaptiveAvgPoolNd("AdaptiveAvgPool2d", 2, x, outH, outW)
}

// AdaptiveAvgPool1d applies 1-D adaptive average pooling
// (torch.nn.functional.adaptive_avg_pool1d) over x [N, C, L] or an unbatched [C, L].
func AdaptiveAvgPool1d(x *Tensor, outL int) *Tensor {
	return adaptiveAvgPoolNd("AdaptiveAvgPool1d", 1, x, 1, outL)
}

func adaptiveAvgPoolNd(op string, nd int, x *Tensor, oh, ow int) *Tensor {
	x4, unbatched := poolInput(op, nd, x)
	if oh <= 0 || ow <= 0 {
		failf(op, "output size must be positive, got %dx%d", oh, ow)
	}
	p := poolGeom{n: x4.shape[0], c: x4.shape[1], h: x4.shape[2], w: x4.shape[3], oh: oh, ow: ow}
	return poolOutput(adaptiveAvgPool2d(x4, p), nd, unbatched)
}

// adaptiveAvgPool2d is the AdaptiveAvgPool2d primitive on a batched input.
func adaptiveAvgPool2d(x *Tensor, p poolGeom) *Tensor {
	t0 := opStart()
	out := newTensor(x.dtype, []int{p.n, p.c, p.oh, p.ow})
	xc := x.contig()
	switch x.dtype {
	case Float32:
		adaptiveAvgKernel(out.f32(), xc.f32(), &p, false)
	case Float64:
		adaptiveAvgKernel(out.f64(), xc.f64(), &p, false)
	}
	if needsGrad(x, nil) {
		record(opAdaptiveAvgPool2d, out, func(g *Tensor) []*Tensor {
			return []*Tensor{adaptiveAvgPool2dBackward(g, p)}
		}, x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opAdaptiveAvgPool2d, t0, out, []Attr{{"input_size", []int{p.h, p.w}}, {"output_size", []int{p.oh, p.ow}}}, x)
	}
	return out
}

// adaptiveAvgPool2dBackward is the AdaptiveAvgPool2dBackward primitive, the adjoint of
// AdaptiveAvgPool2d: each g is spread evenly over its window.
func adaptiveAvgPool2dBackward(g *Tensor, p poolGeom) *Tensor {
	t0 := opStart()
	out := newTensor(g.dtype, []int{p.n, p.c, p.h, p.w})
	gc := g.contig()
	switch g.dtype {
	case Float32:
		adaptiveAvgKernel(gc.f32(), out.f32(), &p, true)
	case Float64:
		adaptiveAvgKernel(gc.f64(), out.f64(), &p, true)
	}
	if needsGrad(g, nil) {
		record(opAdaptiveAvgPool2dBackward, out, func(u *Tensor) []*Tensor {
			return []*Tensor{adaptiveAvgPool2d(u, p)}
		}, g)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opAdaptiveAvgPool2dBackward, t0, out, []Attr{{"input_size", []int{p.h, p.w}}, {"output_size", []int{p.oh, p.ow}}}, g)
	}
	return out
}

// adaptiveAvgKernel is avgPoolKernel for adaptive windows [floor(i·n/o), ceil((i+1)·n/o)).
func adaptiveAvgKernel[T floatT](y, x []T, p *poolGeom, adjoint bool) {
	hw, l := p.h*p.w, p.oh*p.ow
	work := max(1, l*((p.h+p.oh-1)/p.oh)*((p.w+p.ow-1)/p.ow))
	parallel.For(p.planes(), max(1, (1<<14)/work), func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			xp, yp := x[pl*hw:(pl+1)*hw], y[pl*l:(pl+1)*l]
			for oy := 0; oy < p.oh; oy++ {
				y0, y1 := oy*p.h/p.oh, ((oy+1)*p.h+p.oh-1)/p.oh
				for ox := 0; ox < p.ow; ox++ {
					x0, x1 := ox*p.w/p.ow, ((ox+1)*p.w+p.ow-1)/p.ow
					size := T((y1 - y0) * (x1 - x0))
					if adjoint {
						v := yp[oy*p.ow+ox] / size
						for iy := y0; iy < y1; iy++ {
							row := xp[iy*p.w+x0 : iy*p.w+x1]
							for i := range row {
								row[i] += v
							}
						}
						continue
					}
					var s T
					for iy := y0; iy < y1; iy++ {
						for _, v := range xp[iy*p.w+x0 : iy*p.w+x1] {
							s += v
						}
					}
					yp[oy*p.ow+ox] = s / size
				}
			}
		}
	})
}
