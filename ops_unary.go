package eager

import (
	"math"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// unaryDef is one elementwise unary op: its element function (computed in float64 and rounded
// for float32, so float32 results are correctly rounded), optional vector kernels (Exp, Tanh
// and Sigmoid in float32 use SIMD approximations within 2 ulp (Exp) or 3 (Tanh, Sigmoid) of
// the rounded float64 value;
// jit's fused loops call the same kernels through UnaryKernels, so compiled and eager results
// stay identical) and its backward, written with differentiable tensor ops from the input x,
// the output y and the output gradient g.
type unaryDef struct {
	op  *OpInfo
	f   func(v float64) float64
	f32 func(dst, src []float32) // optional vector kernel
	f64 func(dst, src []float64) // optional vector kernel
	// bw returns the input gradient; saveX/saveY say which of x and y it reads.
	bw           func(g, x, y *Tensor) *Tensor
	saveX, saveY bool
	intOK        bool   // int64 input keeps its dtype (Neg, Abs); otherwise it becomes float32
	attrs        []Attr // the op's parameters, as the op observer reports them
}

// run32 computes dst = d(src) for float32 on one goroutine's share of the elements: the
// vector kernel, or the element function in float64 rounded to float32. apply's chunks and
// deferred ops' tiles (deferNode.compute) both call it.
func (d *unaryDef) run32(dst, src []float32) {
	if d.f32 != nil {
		d.f32(dst, src)
		return
	}
	for i, v := range src[:len(dst)] {
		dst[i] = float32(d.f(float64(v)))
	}
}

// scalarUnaryGrain is the least number of elements per goroutine for an op without a vector
// kernel, which calls a float64 function per element (tens of nanoseconds for Erf or Log).
const scalarUnaryGrain = 1 << 13

func (d *unaryDef) apply(x *Tensor) *Tensor {
	t0 := opStart()
	if x == nil {
		failf(d.op.Name, "nil tensor argument")
	}
	in := x
	if !x.dtype.IsFloat() && !(d.intOK && x.dtype == Int64) {
		if x.dtype == Bool && !d.intOK {
			in = x.To(Float32)
		} else if x.dtype == Bool {
			in = x.To(Int64)
		} else {
			in = x.To(Float32)
		}
	}
	c := in.contig()
	if c == in && in.dtype == Float32 && !in.requiresGrad && deferring(in.Numel()) {
		return deferUnaryOp(d, in)
	}
	out := c
	if c == in {
		out = newTensorUninit(in.dtype, in.shape)
	} // else the op runs in place on contig's private copy: one buffer, not two
	switch in.dtype {
	case Float32:
		src, dst := c.f32(), out.f32()
		if d.f32 != nil {
			d.f32(dst, src)
		} else {
			parallel.For(len(dst), scalarUnaryGrain, func(lo, hi int) { d.run32(dst[lo:hi], src[lo:hi]) })
		}
	case Float64:
		src, dst := c.f64(), out.f64()
		if d.f64 != nil {
			d.f64(dst, src)
		} else {
			parallel.For(len(dst), scalarUnaryGrain, func(lo, hi int) {
				for i, v := range src[lo:hi] {
					dst[lo+i] = d.f(v)
				}
			})
		}
	case Int64:
		src, dst := c.i64(), out.i64()
		parallel.For(len(dst), scalarUnaryGrain, func(lo, hi int) {
			for i, v := range src[lo:hi] {
				dst[lo+i] = int64(d.f(float64(v)))
			}
		})
	}
	if needsGrad(in, nil) {
		bw := d.bw
		n := record(d.op, out, nil, in)
		// The backward reads the output itself, not a detached copy: with CreateGraph the
		// gradient must be differentiated through the output's own node (d exp(x)/dx = exp(x)
		// depends on x), as PyTorch does with saved outputs.
		n.bw = func(g *Tensor) []*Tensor { return []*Tensor{bw(g, in, out)} }
		if d.saveX {
			n.save(in)
		}
		if d.saveY {
			n.save(out)
		}
	}
	if slowPath.Load() != 0 {
		notifyTimed(d.op, t0, out, d.attrs, x)
	}
	return out
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

func softplus(v float64) float64 {
	if v > 0 {
		return v + math.Log1p(math.Exp(-v))
	}
	return math.Log1p(math.Exp(v))
}

const (
	sqrt2       = 1.4142135623730951
	sqrt2OverPi = 0.7978845608028654 // sqrt(2/pi)
	invSqrt2Pi  = 0.3989422804014327 // 1/sqrt(2*pi)
)

var negDef, expDef, logDef, log1pDef, sqrtDef, rsqrtDef, absDef, signDef, sinDef, cosDef, tanhDef, sigmoidDef, reluDef, erfDef, geluDef, geluTanhDef, siluDef *unaryDef

func init() {
	negDef = &unaryDef{op: defOp("Neg", true), f: func(v float64) float64 { return -v }, intOK: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Neg() }}
	expDef = &unaryDef{op: defOp("Exp", true), f: math.Exp, f32: kernels.ExpF32, saveY: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Mul(y) }}
	logDef = &unaryDef{op: defOp("Log", true), f: math.Log, f32: kernels.LogF32, saveX: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Div(x) }}
	log1pDef = &unaryDef{op: defOp("Log1p", true), f: math.Log1p, saveX: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Div(x.AddScalar(1)) }}
	sqrtDef = &unaryDef{op: defOp("Sqrt", true), f: math.Sqrt, f32: kernels.Sqrt[float32], f64: kernels.Sqrt[float64], saveY: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Div(y.MulScalar(2)) }}
	rsqrtDef = &unaryDef{op: defOp("Rsqrt", true), f: func(v float64) float64 { return 1 / math.Sqrt(v) }, f32: kernels.RsqrtF32, saveY: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Mul(y.Mul(y).Mul(y)).MulScalar(-0.5) }}
	absDef = &unaryDef{op: defOp("Abs", true), f: math.Abs, saveX: true, intOK: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Mul(x.Sign()) }}
	signDef = &unaryDef{op: defOp("Sign", false), f: func(v float64) float64 {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0 // 0 and NaN, as PyTorch's sign
	}, intOK: true, bw: func(g, x, y *Tensor) *Tensor { return ZerosLike(g) }}
	sinDef = &unaryDef{op: defOp("Sin", true), f: math.Sin, saveX: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Mul(x.Cos()) }}
	cosDef = &unaryDef{op: defOp("Cos", true), f: math.Cos, saveX: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Mul(x.Sin()).Neg() }}
	tanhDef = &unaryDef{op: defOp("Tanh", true), f: math.Tanh, f32: kernels.TanhF32, saveY: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Mul(y.Mul(y).RSubScalar(1)) }}
	sigmoidDef = &unaryDef{op: defOp("Sigmoid", true), f: sigmoid, f32: kernels.SigmoidF32, saveY: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Mul(y.Mul(y.RSubScalar(1))) }}
	reluDef = &unaryDef{op: defOp("ReLU", true), f: func(v float64) float64 {
		if v > 0 {
			return v
		}
		if v != v {
			return v
		}
		return 0
	}, f32: kernels.ReLU[float32], f64: kernels.ReLU[float64], saveY: true, intOK: true,
		bw: func(g, x, y *Tensor) *Tensor { return reluBackward(g, y) }}
	erfDef = &unaryDef{op: defOp("Erf", true), f: math.Erf, f32: kernels.ErfF32, saveX: true,
		bw: func(g, x, y *Tensor) *Tensor { return g.Mul(x.Square().Neg().Exp().MulScalar(2 / math.SqrtPi)) }}
	// GELU through erfc, which keeps its relative accuracy where 1 + erf(x/√2) cancels
	// (x below about -5: GELU(-10) is -7.6e-23, not 0).
	geluDef = &unaryDef{op: defOp("GELU", true), f: func(v float64) float64 {
		return 0.5 * v * math.Erfc(-v/sqrt2)
	}, f32: kernels.GELUF32, saveX: true,
		bw: func(g, x, y *Tensor) *Tensor { return geluBackward(g, x) }}
	geluTanhDef = &unaryDef{op: defOp("GELUTanh", true), f: func(v float64) float64 {
		return 0.5 * v * (1 + math.Tanh(sqrt2OverPi*(v+0.044715*v*v*v)))
	}, f32: kernels.GELUTanhF32, saveX: true,
		bw: func(g, x, y *Tensor) *Tensor {
			x2 := x.Square()
			inner := x.Add(x.Mul(x2).MulScalar(0.044715)).MulScalar(sqrt2OverPi)
			t := inner.Tanh()
			dinner := x2.MulScalar(3 * 0.044715).AddScalar(1).MulScalar(sqrt2OverPi)
			d := t.AddScalar(1).MulScalar(0.5).Add(x.MulScalar(0.5).Mul(t.Square().RSubScalar(1)).Mul(dinner))
			return g.Mul(d)
		}}
	siluDef = &unaryDef{op: defOp("SiLU", true), f: func(v float64) float64 { return v * sigmoid(v) }, f32: siluF32, saveX: true,
		bw: func(g, x, y *Tensor) *Tensor {
			s := x.Sigmoid()
			return g.Mul(s.Mul(x.Mul(s.RSubScalar(1)).AddScalar(1)))
		}}
}

// Neg returns -x.
func (x *Tensor) Neg() *Tensor { return negDef.apply(x) }

// Exp returns e^x elementwise.
func (x *Tensor) Exp() *Tensor { return expDef.apply(x) }

// Log returns the natural logarithm of x elementwise.
func (x *Tensor) Log() *Tensor { return logDef.apply(x) }

// Log1p returns log(1 + x) elementwise, accurate for small x.
func (x *Tensor) Log1p() *Tensor { return log1pDef.apply(x) }

// Sqrt returns the square root of x elementwise.
func (x *Tensor) Sqrt() *Tensor { return sqrtDef.apply(x) }

// Rsqrt returns 1/sqrt(x) elementwise.
func (x *Tensor) Rsqrt() *Tensor { return rsqrtDef.apply(x) }

// Abs returns |x| elementwise. Its gradient at 0 is 0, as in PyTorch.
func (x *Tensor) Abs() *Tensor { return absDef.apply(x) }

// Sign returns -1, 0 or 1 by the sign of each element, and 0 for NaN as PyTorch does (not
// differentiable: zero gradient).
func (x *Tensor) Sign() *Tensor { return signDef.apply(x) }

// Sin returns sin(x) elementwise.
func (x *Tensor) Sin() *Tensor { return sinDef.apply(x) }

// Cos returns cos(x) elementwise.
func (x *Tensor) Cos() *Tensor { return cosDef.apply(x) }

// Tanh returns tanh(x) elementwise.
func (x *Tensor) Tanh() *Tensor { return tanhDef.apply(x) }

// Sigmoid returns 1/(1+e^-x) elementwise.
func (x *Tensor) Sigmoid() *Tensor { return sigmoidDef.apply(x) }

// ReLU returns max(x, 0) elementwise.
func (x *Tensor) ReLU() *Tensor { return reluDef.apply(x) }

// ReLUReusing returns x.ReLU(), computed into x's own buffer when x has one to itself (as
// PyTorch's nn.ReLU(inplace=True)): for code that gives x up, such as a layer stack applying
// ReLU to the fresh output of a linear or convolution layer, so that the activation needs no
// new buffer. The caller must not use x afterwards. The values, the autograd node and the
// gradients are ReLU's; an op that saved x for its backward reports the change at Backward
// (x's version counter moves), instead of computing wrong gradients. While an observer is
// installed (jit tracing, profiling), or when x is a view or a leaf that requires grad, it
// is x.ReLU().
func ReLUReusing(x *Tensor) *Tensor {
	if slowPath.Load() != 0 || !x.dtype.IsFloat() || x.offset != 0 || !x.IsContiguous() ||
		x.st.len() != x.Numel() || (x.node == nil && x.requiresGrad) {
		return x.ReLU()
	}
	x.st.beforeWrite()
	out := newView(x, 0, x.shape, x.strides())
	switch x.dtype {
	case Float32:
		reluDef.f32(out.f32(), x.f32())
	case Float64:
		reluDef.f64(out.f64(), x.f64())
	}
	x.st.bump()
	if needsGrad(x, nil) {
		n := record(reluDef.op, out, func(g *Tensor) []*Tensor { return []*Tensor{reluDef.bw(g, x, out)} }, x)
		n.save(out)
	}
	return out
}

// Erf returns the error function of x elementwise.
func (x *Tensor) Erf() *Tensor { return erfDef.apply(x) }

// GELU returns the Gaussian error linear unit x*Phi(x) (exact, with erf), as PyTorch's
// gelu(approximate='none').
func (x *Tensor) GELU() *Tensor { return geluDef.apply(x) }

// GELUTanh returns the tanh approximation of GELU, as PyTorch's gelu(approximate='tanh').
func (x *Tensor) GELUTanh() *Tensor { return geluTanhDef.apply(x) }

// SiLU returns x*sigmoid(x) (also called swish).
func (x *Tensor) SiLU() *Tensor { return siluDef.apply(x) }

var (
	opLeakyReLU = defOp("LeakyReLU", true)
	opSoftplus  = defOp("Softplus", true)
	opClamp     = defOp("Clamp", true)
)

// LeakyReLU returns x where x > 0 and slope*x elsewhere (PyTorch's default slope is 0.01).
func (x *Tensor) LeakyReLU(slope float64) *Tensor {
	d := &unaryDef{op: opLeakyReLU, f: func(v float64) float64 {
		if v > 0 {
			return v
		}
		return v * slope
	}, saveX: true, bw: func(g, x, y *Tensor) *Tensor {
		return g.Mul(Where(x.GtScalar(0), OnesLike(g), FullLike(g, slope)))
	}, attrs: []Attr{{"slope", slope}}}
	return d.apply(x)
}

// Softplus returns log(1+exp(beta*x))/beta, reverting to x where beta*x > threshold, as
// PyTorch's softplus (defaults beta 1, threshold 20).
func (x *Tensor) Softplus(beta, threshold float64) *Tensor {
	d := &unaryDef{op: opSoftplus, f: func(v float64) float64 {
		if v*beta > threshold {
			return v
		}
		return softplus(v*beta) / beta
	}, saveX: true, bw: func(g, x, y *Tensor) *Tensor {
		bx := x.MulScalar(beta)
		return g.Mul(Where(bx.GtScalar(threshold), OnesLike(g), bx.Sigmoid()))
	}, attrs: []Attr{{"beta", beta}, {"threshold", threshold}}}
	return d.apply(x)
}

// isIntegral reports whether v is a whole number or an infinity: a bound that keeps an int64
// tensor's dtype in Clamp.
func isIntegral(v float64) bool { return v == math.Trunc(v) }

// Clamp limits x to [lo, hi] elementwise; pass math.Inf(-1) or math.Inf(1) for a one-sided
// clamp. The gradient passes where lo <= x <= hi, as in PyTorch.
func (x *Tensor) Clamp(lo, hi float64) *Tensor {
	if lo > hi {
		failf("Clamp", "min %v is greater than max %v", lo, hi)
	}
	d := &unaryDef{op: opClamp, f: func(v float64) float64 {
		if v != v {
			return v
		}
		return math.Min(math.Max(v, lo), hi)
	}, intOK: isIntegral(lo) && isIntegral(hi), saveX: true, bw: func(g, x, y *Tensor) *Tensor {
		in := x.GeScalar(lo).LogicalAnd(x.LeScalar(hi))
		return g.Mul(in.To(g.dtype))
	}, attrs: []Attr{{"min", lo}, {"max", hi}}}
	if lo == lo && hi == hi { // no NaN bound: the kernels below compute f's values
		lo32, hi32 := float32(lo), float32(hi)
		d.f32 = func(dst, src []float32) {
			parallel.For(len(dst), clampGrain, func(a, b int) { clampSlice(dst[a:b], src[a:b], lo32, hi32) })
		}
		d.f64 = func(dst, src []float64) {
			parallel.For(len(dst), clampGrain, func(a, b int) { clampSlice(dst[a:b], src[a:b], lo, hi) })
		}
	}
	return d.apply(x)
}

// clampGrain is the least number of elements per goroutine in Clamp.
const clampGrain = 1 << 15

// clampSlice is Clamp's element function math.Min(math.Max(v, lo), hi) with Go's min and max,
// which treat NaN and signed zeros as math.Min and math.Max do and compile without branches.
// For float32, comparing with the bounds rounded to float32 gives the same results as
// comparing in float64 (a float32 v between lo and float32(lo) would be nearer to lo than
// float32(lo) is), and the clamped value is float32(lo) either way.
func clampSlice[T float32 | float64](dst, src []T, lo, hi T) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = min(max(v, lo), hi)
	}
}

var opGELUBackward = defOp("GELUBackward", true)

// geluBackward is GELU's input gradient g·(Φ(x) + x·φ(x)) in one pass (kernels.GELUBackwardF32
// for float32). It is differentiable in both inputs: in g it is itself, and in x the second
// derivative g·φ(x)·(2 - x²), from composite ops.
func geluBackward(g, x *Tensor) *Tensor {
	t0 := opStart()
	if !sameShape(g.shape, x.shape) || !g.dtype.IsFloat() || g.dtype != x.dtype {
		failf("GELUBackward", "gradient of shape %v (%v) does not match input of shape %v (%v)", g.shape, g.dtype, x.shape, x.dtype)
	}
	gc, xc := g.contig(), x.contig()
	out := newTensorUninit(g.dtype, g.shape)
	switch g.dtype {
	case Float32:
		kernels.GELUBackwardF32(out.f32(), gc.f32(), xc.f32())
	case Float64:
		dst, gd, xd := out.f64(), gc.f64(), xc.f64()
		parallel.For(len(dst), scalarUnaryGrain, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				v := xd[i]
				dst[i] = gd[i] * (0.5*math.Erfc(-v/sqrt2) + v*math.Exp(-0.5*v*v)*invSqrt2Pi)
			}
		})
	}
	if needsGrad(g, x) {
		n := record(opGELUBackward, out, func(gg *Tensor) []*Tensor {
			var dg, dx *Tensor
			if g.requiresGrad {
				dg = geluBackward(gg, x)
			}
			if x.requiresGrad {
				x2 := x.Square()
				pdf := x2.MulScalar(-0.5).Exp().MulScalar(invSqrt2Pi)
				dx = gg.Mul(g).Mul(pdf.Mul(x2.RSubScalar(2)))
			}
			return []*Tensor{dg, dx}
		}, g, x)
		n.save(g)
		n.save(x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opGELUBackward, t0, out, nil, g, x)
	}
	return out
}

var opReLUBackward = defOp("ReLUBackward", true)

// reluBackward is ReLU's input gradient from its output y: g where y > 0 and +0 elsewhere
// (also where y is NaN), PyTorch's threshold_backward, in one pass. It is differentiable in g
// (for higher-order gradients: the same mask applied to the incoming gradient) and not in y.
func reluBackward(g, y *Tensor) *Tensor {
	t0 := opStart()
	if !sameShape(g.shape, y.shape) || !g.dtype.IsFloat() {
		failf("ReLUBackward", "gradient of shape %v (%v) does not match output of shape %v (%v)", g.shape, g.dtype, y.shape, y.dtype)
	}
	gc, yc := g.contig(), y.To(g.dtype).contig()
	out := newTensorUninit(g.dtype, g.shape)
	switch g.dtype {
	case Float32:
		kernels.ReLUBackward(out.f32(), gc.f32(), yc.f32())
	case Float64:
		kernels.ReLUBackward(out.f64(), gc.f64(), yc.f64())
	}
	if needsGrad(g, nil) {
		n := record(opReLUBackward, out, func(gg *Tensor) []*Tensor {
			return []*Tensor{reluBackward(gg, y), nil}
		}, g, y)
		n.save(y)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opReLUBackward, t0, out, nil, g, y)
	}
	return out
}

// siluF32 is SiLU on float32 slices: the sigmoid kernel (within 3 ulp), then the product
// with x, so within 4 ulp of float64 math (1e-40 for subnormal results, where the sigmoid
// has already lost its digits). dst may be src (jit's fused loops run it in place).
func siluF32(dst, src []float32) {
	src = src[:len(dst)]
	if len(dst) < 1<<15 {
		siluChunks(dst, src)
		return
	}
	parallel.For(len(dst), 1<<14, func(lo, hi int) { siluChunks(dst[lo:hi], src[lo:hi]) })
}

// siluChunks computes siluF32 on one goroutine, through a stack buffer of sigmoids.
func siluChunks(dst, src []float32) {
	var s [512]float32
	for lo := 0; lo < len(dst); lo += len(s) {
		hi := min(lo+len(s), len(dst))
		t := s[:hi-lo]
		kernels.SigmoidF32(t, src[lo:hi])
		kernels.Mul(dst[lo:hi], t, src[lo:hi])
	}
}
