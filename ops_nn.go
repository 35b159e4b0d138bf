package eager

import (
	"fmt"
	"math"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// Functional neural-network primitives with torch.nn.functional semantics: dropout, the
// normalisation layers and scaled dot-product attention.
//
// LayerNorm and BatchNorm (with batch statistics) are primitives. One fused pass per row
// computes the statistics in float64 and writes the normalised, scaled and shifted output,
// and a fused two-pass kernel computes the first-order gradients; while a backward pass is
// being recorded (CreateGraph) the gradients are written with tensor ops instead, so both
// can be differentiated twice. Against the same functions composed of Mean/Sub/Mul/Rsqrt/Add
// (BenchmarkLayerNorm on 64x512, BenchmarkBatchNorm on 16x32x16x16, float32, 2 shared
// cores) the fused forward measured 2.5-5x faster and forward+backward 7-10x; with a
// tensor-op backward, forward+backward was only 1.6x faster for LayerNorm and 10% slower
// for BatchNorm, as the ten full-size temporaries of the backward dominate.
// GroupNorm (through LayerNorm), RMSNorm, BatchNorm with running statistics and attention
// are composites.

var (
	opLayerNorm = defOp("LayerNorm", true)
	opBatchNorm = defOp("BatchNorm", true) // training mode: normalised with batch statistics
	// NormBackward is the fused first-order gradient of LayerNorm and BatchNorm, as observers
	// see it; it is never recorded (the recorded backward is written with tensor ops).
	opNormBackward = defOp("NormBackward", false)
)

// Dropout zeroes each element of x with probability p and scales the others by 1/(1-p)
// (inverted dropout), drawing the mask from the default generator, so ManualSeed makes it
// reproducible. It returns x itself when train is false or p is 0, and x*0 when p is 1, as
// torch.nn.functional.dropout does. The gradient is the output gradient times the mask. It
// panics if p is outside [0, 1].
func Dropout(x *Tensor, p float64, train bool) *Tensor {
	if x == nil {
		failf("Dropout", "nil tensor argument")
	}
	if !(p >= 0 && p <= 1) {
		failf("Dropout", "dropout probability has to be between 0 and 1, but got %v", p)
	}
	if !x.dtype.IsFloat() {
		failf("Dropout", "needs a floating-point tensor, got %v (shape %v)", x.dtype, x.shape)
	}
	if !train || p == 0 {
		return x
	}
	if p == 1 {
		return x.Mul(ScalarOf(x.dtype, 0))
	}
	return x.Mul(bernoulliMask(x.dtype, x.shape, p))
}

// LayerNorm normalises x over its trailing dims normalizedShape to zero mean and unit
// variance (biased, as torch.nn.functional.layer_norm), then scales by weight and shifts by
// bias, both of shape normalizedShape and either may be nil:
//
//	y = (x - mean) / sqrt(var + eps) * weight + bias
//
// The statistics are accumulated in float64 with two passes, so inputs with a large common
// offset keep their precision. PyTorch's default eps is 1e-5.
func LayerNorm(x *Tensor, normalizedShape []int, weight, bias *Tensor, eps float64) *Tensor {
	t0 := opStart()
	const op = "LayerNorm"
	checkFloatInput(op, x)
	ns := normalizedShape
	if len(ns) == 0 {
		failf(op, "normalizedShape must have at least one dim, got %v", ns)
	}
	k := len(x.shape) - len(ns)
	if k < 0 || !sameShape(x.shape[k:], ns) {
		failf(op, "given normalizedShape %v, expected input with shape [*, %s], but got input of shape %v", ns, joinInts(ns), x.shape)
	}
	checkParam(op, "weight", weight, x, ns)
	checkParam(op, "bias", bias, x, ns)

	ln := newLayerNormState(x, ns, weight, bias, eps)
	ln.attrs = []Attr{{"normalizedShape", copyInts(ns)}, {"eps", eps}, {"has_weight", weight != nil}, {"has_bias", bias != nil}}
	out := ln.forward()
	if needsGradN(x, weight, bias) {
		n := record(opLayerNorm, out, ln.backward, x, weight, bias)
		n.save(x)
		if weight != nil {
			n.save(weight)
		}
	}
	if slowPath.Load() != 0 {
		notifyTimed(opLayerNorm, t0, out, []Attr{{"normalizedShape", copyInts(ns)}, {"eps", eps}, {"has_weight", weight != nil}, {"has_bias", bias != nil}}, nonNil(x, weight, bias)...)
	}
	return out
}

// BatchNorm normalises x of shape (N, C), (N, C, L), (N, C, H, W) or more spatial dims per
// channel C, as torch.nn.functional.batch_norm:
//
//	y = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]
//
// In training mode mean and var are the batch statistics over N and the spatial dims (the
// biased variance), and the running statistics, when given, are updated in place (without
// autograd, bumping their versions) with the unbiased variance:
//
//	running = (1 - momentum)*running + momentum*batchStat
//
// In evaluation mode runningMean and runningVar are used instead. When both are nil, batch
// statistics are used in either mode (as a BatchNorm module without running statistics
// does). weight and bias hold C elements and may be nil. PyTorch's defaults are momentum 0.1
// and eps 1e-5. Training needs more than one value per channel.
func BatchNorm(x, runningMean, runningVar, weight, bias *Tensor, training bool, momentum, eps float64) *Tensor {
	t0 := opStart()
	const op = "BatchNorm"
	checkFloatInput(op, x)
	if len(x.shape) < 2 {
		failf(op, "expected input of shape (N, C, ...) with at least 2 dims, got shape %v", x.shape)
	}
	c := x.shape[1]
	for _, p := range []struct {
		name string
		t    *Tensor
	}{{"runningMean", runningMean}, {"runningVar", runningVar}, {"weight", weight}, {"bias", bias}} {
		if p.t == nil {
			continue
		}
		if p.t.Numel() != c {
			failf(op, "%s should contain %d elements (the channels of input of shape %v), not %d (shape %v)", p.name, c, x.shape, p.t.Numel(), p.t.shape)
		}
		if p.t.dtype != x.dtype {
			failf(op, "%s has dtype %v but the input has dtype %v", p.name, p.t.dtype, x.dtype)
		}
	}
	if runningMean != nil && runningMean.requiresGrad || runningVar != nil && runningVar.requiresGrad {
		failf(op, "running statistics are not differentiable and must not require grad")
	}
	if !training && (runningMean == nil) != (runningVar == nil) {
		failf(op, "runningMean and runningVar must both be given (or both be nil) in evaluation mode")
	}

	// Weight and bias broadcast against x as [C, 1, ..., 1].
	wb := make([]int, len(x.shape)-1)
	for i := range wb {
		wb[i] = 1
	}
	wb[0] = c
	var w, b *Tensor
	if weight != nil {
		w = weight.Reshape(c)
	}
	if bias != nil {
		b = bias.Reshape(c)
	}

	if !training && runningMean != nil {
		// Evaluation: (x - mean)*scale + bias per channel, differentiable in x, weight and
		// bias; the running statistics are constants. (PyTorch computes x*scale + shift,
		// one op fewer, but that cancels catastrophically when x and the mean are large.)
		scale := runningVar.Detach().Reshape(wb...).AddScalar(eps).Rsqrt()
		if w != nil {
			scale = scale.Mul(w.Reshape(wb...))
		}
		out := x.Sub(runningMean.Detach().Reshape(wb...)).Mul(scale)
		if b != nil {
			out = out.Add(b.Reshape(wb...))
		}
		return out
	}

	batch, inner := x.shape[0], numel(x.shape[2:])
	if batch*inner <= 1 {
		failf(op, "expected more than 1 value per channel when training, got input of shape %v", x.shape)
	}
	bn := newBatchNormState(x, w, b, eps)
	bn.attrs = []Attr{{"kind", "BatchNorm"}, {"eps", eps}, {"has_weight", w != nil}, {"has_bias", b != nil}}
	out := bn.forward()
	if training {
		cnt := float64(batch * inner)
		NoGrad(func() {
			updateRunning(runningMean, momentum, bn.mean, 1)
			updateRunning(runningVar, momentum, bn.variance, cnt/(cnt-1)) // unbiased
		})
	}
	if needsGradN(x, w, b) {
		n := record(opBatchNorm, out, bn.backward, x, w, b)
		n.save(x)
		if w != nil {
			n.save(w)
		}
	}
	if slowPath.Load() != 0 {
		notifyTimed(opBatchNorm, t0, out, []Attr{{"momentum", momentum}, {"eps", eps}, {"has_weight", w != nil}, {"has_bias", b != nil},
			{"updates_running_stats", training && (runningMean != nil || runningVar != nil)}}, nonNil(x, w, b)...)
	}
	return out
}

// updateRunning sets running = (1-momentum)*running + momentum*scale*stat per channel.
func updateRunning(running *Tensor, momentum float64, stat []float64, scale float64) {
	if running == nil {
		return
	}
	// Written on the storage directly (no op or in-place events): an observer sees the
	// update as part of the BatchNorm op, whose attrs say it updates running statistics.
	c := running.contig()
	upd := newTensor(running.dtype, running.shape)
	for i := 0; i < c.Numel(); i++ {
		upd.set(i, (1-momentum)*c.at(c.offset+i)+momentum*scale*stat[i])
	}
	running.copyFromContiguous(upd)
	running.st.bump()
}

// GroupNorm splits the C channels of x (N, C, ...) into numGroups groups and normalises each
// group of each sample over its channels and spatial dims, then applies the per-channel
// weight and bias (C elements each, either may be nil), as torch.nn.functional.group_norm.
// C must be divisible by numGroups. PyTorch's default eps is 1e-5.
func GroupNorm(x *Tensor, numGroups int, weight, bias *Tensor, eps float64) *Tensor {
	const op = "GroupNorm"
	checkFloatInput(op, x)
	if len(x.shape) < 2 {
		failf(op, "expected input of shape (N, C, ...) with at least 2 dims, got shape %v", x.shape)
	}
	n, c := x.shape[0], x.shape[1]
	if numGroups <= 0 || c%numGroups != 0 {
		failf(op, "expected the number of channels to be divisible by numGroups, but got input of shape %v and numGroups=%d", x.shape, numGroups)
	}
	checkParam(op, "weight", weight, x, []int{c})
	checkParam(op, "bias", bias, x, []int{c})
	per := c / numGroups * numel(x.shape[2:])
	y := LayerNorm(x.Reshape(n, numGroups, per), []int{per}, nil, nil, eps).Reshape(x.shape...)
	wb := make([]int, len(x.shape)-1)
	for i := range wb {
		wb[i] = 1
	}
	wb[0] = c
	if weight != nil {
		y = y.Mul(weight.Reshape(wb...))
	}
	if bias != nil {
		y = y.Add(bias.Reshape(wb...))
	}
	return y
}

// RMSNorm scales x by the reciprocal root mean square over its trailing dims normalizedShape,
// then by weight (of shape normalizedShape, may be nil):
//
//	y = x / sqrt(mean(x^2) + eps) * weight
//
// as torch.nn.functional.rms_norm (PyTorch 2.4+), whose default eps is the machine epsilon of
// x's dtype (1.1920929e-07 for float32).
func RMSNorm(x *Tensor, normalizedShape []int, weight *Tensor, eps float64) *Tensor {
	const op = "RMSNorm"
	checkFloatInput(op, x)
	ns := normalizedShape
	if len(ns) == 0 {
		failf(op, "normalizedShape must have at least one dim, got %v", ns)
	}
	k := len(x.shape) - len(ns)
	if k < 0 || !sameShape(x.shape[k:], ns) {
		failf(op, "given normalizedShape %v, expected input with shape [*, %s], but got input of shape %v", ns, joinInts(ns), x.shape)
	}
	checkParam(op, "weight", weight, x, ns)
	dims := make([]int, len(ns))
	for i := range dims {
		dims[i] = k + i
	}
	y := x.Mul(x.Square().MeanKeepDim(dims...).AddScalar(eps).Rsqrt())
	if weight != nil {
		y = y.Mul(weight)
	}
	return y
}

// ScaledDotProductAttention computes softmax(q·kᵀ/sqrt(E) + mask)·v for query q (..., L, E),
// key k (..., S, E) and value v (..., S, Ev), whose batch dims broadcast, giving (..., L, Ev).
// mask, optional, broadcasts to (..., L, S): a bool mask marks the positions that take part
// in attention (true = attend, as PyTorch's bool attn_mask); a float mask (q's dtype) is
// added to the scores. causal applies the lower-triangular mask j <= i of an L×S matrix
// (top-left aligned, as PyTorch) and excludes an explicit mask. Dropout with probability
// dropoutP is applied to the attention weights when train is set.
//
// A query row whose positions are all masked out gives NaN, as PyTorch 1.13's
// _scaled_dot_product_attention does (the softmax of a row of -Inf).
func ScaledDotProductAttention(q, k, v, mask *Tensor, causal bool, dropoutP float64, train bool) *Tensor {
	const op = "ScaledDotProductAttention"
	if q == nil || k == nil || v == nil {
		failf(op, "nil tensor argument")
	}
	if len(q.shape) < 2 || len(k.shape) < 2 || len(v.shape) < 2 {
		failf(op, "query, key and value need at least 2 dims, got shapes %v, %v and %v", q.shape, k.shape, v.shape)
	}
	if !q.dtype.IsFloat() || k.dtype != q.dtype || v.dtype != q.dtype {
		failf(op, "query, key and value must have the same floating-point dtype, got %v, %v and %v", q.dtype, k.dtype, v.dtype)
	}
	qr, kr, vr := len(q.shape), len(k.shape), len(v.shape)
	L, e := q.shape[qr-2], q.shape[qr-1]
	S := k.shape[kr-2]
	if k.shape[kr-1] != e {
		failf(op, "query and key must have the same embedding size, got shapes %v and %v", q.shape, k.shape)
	}
	if v.shape[vr-2] != S {
		failf(op, "key and value must have the same sequence length, got shapes %v and %v", k.shape, v.shape)
	}
	broadcastShapes(op, broadcastShapes(op, q.shape[:qr-2], k.shape[:kr-2]), v.shape[:vr-2]) // panics if the batch dims do not broadcast
	if !(dropoutP >= 0 && dropoutP <= 1) {
		failf(op, "dropout probability has to be between 0 and 1, but got %v", dropoutP)
	}
	scoreShape := append(broadcastShapes(op, q.shape[:qr-2], k.shape[:kr-2]), L, S)
	if mask != nil {
		if causal {
			failf(op, "an explicit mask must not be given when causal is true")
		}
		if mask.dtype != Bool && mask.dtype != q.dtype {
			failf(op, "mask must be bool or have the query's dtype %v, got %v", q.dtype, mask.dtype)
		}
		if len(mask.shape) > len(scoreShape) || !sameShape(broadcastShapesOK(mask.shape, scoreShape), scoreShape) {
			failf(op, "mask of shape %v does not broadcast to the attention shape %v", mask.shape, scoreShape)
		}
	}

	scores := q.MulScalar(1 / math.Sqrt(float64(e))).MatMul(k.Transpose(-2, -1))
	// A bool or causal mask becomes an additive one (0 or -Inf), as in PyTorch: a fully
	// masked row then gets NaN in its gradients too, rather than a silent zero.
	if causal {
		tri := make([]bool, L*S)
		for i := 0; i < L; i++ {
			for j := 0; j <= i && j < S; j++ {
				tri[i*S+j] = true
			}
		}
		mask = FromSlice(tri, L, S)
	}
	if mask != nil && mask.dtype == Bool {
		mask = Where(mask, ScalarOf(q.dtype, 0), ScalarOf(q.dtype, math.Inf(-1)))
	}
	if mask != nil {
		scores = addOwned(scores, mask)
	}
	attn := scores.Softmax(-1)
	if train && dropoutP > 0 {
		attn = Dropout(attn, dropoutP, true)
	}
	return attn.MatMul(v)
}

// broadcastShapesOK returns the broadcast of a and b, or nil when they do not broadcast.
func broadcastShapesOK(a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil
		}
	}
	return out
}

func checkFloatInput(op string, x *Tensor) {
	if x == nil {
		failf(op, "nil tensor argument")
	}
	if !x.dtype.IsFloat() {
		failf(op, "needs a floating-point tensor, got %v (shape %v)", x.dtype, x.shape)
	}
}

// checkParam checks that an optional affine parameter has the given shape and x's dtype.
func checkParam(op, name string, p, x *Tensor, shape []int) {
	if p == nil {
		return
	}
	if !sameShape(p.shape, shape) {
		failf(op, "expected %s of shape %v, but got %s of shape %v (input of shape %v)", name, shape, name, p.shape, x.shape)
	}
	if p.dtype != x.dtype {
		failf(op, "%s has dtype %v but the input has dtype %v", name, p.dtype, x.dtype)
	}
}

func joinInts(s []int) string {
	b := make([]byte, 0, 4*len(s))
	for i, v := range s {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendInt(b, v)
	}
	return string(b)
}

func appendInt(b []byte, v int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	if v >= 10 {
		b = appendInt(b, v/10)
	}
	return append(b, byte('0'+v%10))
}

// normState is one LayerNorm or BatchNorm call: x viewed as [outer, groups, inner] is
// normalised per group over outer and inner, then scaled and shifted by the optional w and
// b, indexed by group (perGroup, BatchNorm) or by inner position (LayerNorm).
type normState struct {
	x, w, b              *Tensor
	outer, groups, inner int
	perGroup             bool
	eps                  float64
	mean, variance, rstd []float64 // per group; rstd = 1/sqrt(variance+eps)
	statShape, dims, wb  []int     // statistics' shape (keepdim), reduced dims of x, shape of w and b broadcast against x
	attrs                []Attr    // the forward op's attrs, for the NormBackward event
}

// newLayerNormState sets up a LayerNorm over the trailing dims ns of x.
func newLayerNormState(x *Tensor, ns []int, weight, bias *Tensor, eps float64) *normState {
	k := len(x.shape) - len(ns)
	ln := &normState{x: x, w: weight, b: bias, outer: 1, groups: numel(x.shape[:k]), inner: numel(ns), eps: eps,
		statShape: copyInts(x.shape), wb: copyInts(ns)}
	for i := k; i < len(x.shape); i++ {
		ln.statShape[i] = 1
		ln.dims = append(ln.dims, i)
	}
	return ln
}

// newBatchNormState sets up a training-mode BatchNorm of x (N, C, ...) with w and b of
// shape [C] (either may be nil).
func newBatchNormState(x, w, b *Tensor, eps float64) *normState {
	c := x.shape[1]
	wb := make([]int, len(x.shape)-1)
	for i := range wb {
		wb[i] = 1
	}
	wb[0] = c
	bn := &normState{x: x, w: w, b: b, outer: x.shape[0], groups: c, inner: numel(x.shape[2:]), perGroup: true, eps: eps,
		statShape: make([]int, len(x.shape)), wb: wb, dims: []int{0}}
	for i := range bn.statShape {
		bn.statShape[i] = 1
		if i >= 2 {
			bn.dims = append(bn.dims, i)
		}
	}
	bn.statShape[1] = c
	return bn
}

// replayNormBackward recomputes the outputs of a NormBackward event (the gradients for x, w
// and b that the attr "needs" asks for, nil for the others): the statistics from x, then
// the fused gradient.
func replayNormBackward(in []*Tensor, a attrs) []*Tensor {
	g, x := in[0], in[1]
	var w, b *Tensor
	if a.bool("has_weight") {
		w = in[2]
	}
	var s *normState
	if kind, _ := a["kind"].(string); kind == "BatchNorm" {
		if a.bool("has_bias") {
			b = ZerosOf(x.dtype, x.shape[1])
		}
		s = newBatchNormState(x, w, b, a.float("eps"))
	} else {
		ns := a.ints("normalizedShape")
		if a.bool("has_bias") {
			b = ZerosOf(x.dtype, ns...)
		}
		s = newLayerNormState(x, ns, w, b, a.float("eps"))
	}
	s.forward()
	needs, _ := a["needs"].([]bool)
	if len(needs) != 3 {
		panic(fmt.Errorf("attr \"needs\" missing"))
	}
	return s.gradKernel(g, needs[0], needs[1], needs[2])
}

// forward computes the output and the statistics.
func (s *normState) forward() *Tensor {
	xc := s.x.contig()
	out := newTensorUninit(s.x.dtype, s.x.shape)
	s.mean = make([]float64, s.groups)
	s.variance = make([]float64, s.groups)
	s.rstd = make([]float64, s.groups)
	switch s.x.dtype {
	case Float32:
		normKernel(out.f32(), xc.f32(), paramData[float32](s.w), paramData[float32](s.b), s)
	case Float64:
		normKernel(out.f64(), xc.f64(), paramData[float64](s.w), paramData[float64](s.b), s)
	}
	return out
}

// backward returns the gradients for x, w and b. While the backward pass is being recorded
// (CreateGraph) it is written with tensor ops, so it can be differentiated again; otherwise
// the fused normGradKernel computes the same formula (see the file comment for the numbers).
func (s *normState) backward(g *Tensor) []*Tensor {
	if IsGradEnabled() {
		return normBackward(g, s.x, s.w, s.b, s.statTensor(s.mean), s.statTensor(s.rstd), s.dims, s.wb, s.eps)
	}
	need := func(t *Tensor) bool { return t != nil && t.requiresGrad }
	t0 := opStart()
	gs := s.gradKernel(g, need(s.x), need(s.w), need(s.b))
	if slowPath.Load() != 0 {
		// The fused gradient is one op for observers (profiler, jit), with one event per
		// output; NormBackward replays it (see ReplayOp).
		needs := []bool{need(s.x), need(s.w), need(s.b)}
		for k, t := range gs {
			if t != nil {
				attrs := append(append([]Attr{}, s.attrs...), Attr{"output", k}, Attr{"needs", needs})
				notifyTimed(opNormBackward, t0, t, attrs, nonNil(g, s.x, s.w)...)
			}
		}
	}
	return gs
}

// gradKernel runs the fused first-order gradient kernel for the wanted gradients.
func (s *normState) gradKernel(g *Tensor, needX, needW, needB bool) []*Tensor {
	var gx, gw, gb *Tensor
	if needX {
		gx = newTensor(s.x.dtype, s.x.shape)
	}
	if needW {
		gw = newTensor(s.w.dtype, s.w.shape)
	}
	if needB {
		gb = newTensor(s.b.dtype, s.b.shape)
	}
	gc, xc := g.contig(), s.x.contig()
	switch s.x.dtype {
	case Float32:
		normGradKernel(outData[float32](gx), outData[float32](gw), outData[float32](gb), gc.f32(), xc.f32(), paramData[float32](s.w), s)
	case Float64:
		normGradKernel(outData[float64](gx), outData[float64](gw), outData[float64](gb), gc.f64(), xc.f64(), paramData[float64](s.w), s)
	}
	return []*Tensor{gx, gw, gb}
}

// statTensor returns per-group statistics as a tensor of x's dtype with shape statShape.
func (s *normState) statTensor(vals []float64) *Tensor {
	t := newTensor(s.x.dtype, s.statShape)
	switch s.x.dtype {
	case Float32:
		for i, v := range vals {
			t.st.f32()[i] = float32(v)
		}
	case Float64:
		copy(t.st.f64(), vals)
	}
	return t
}

func outData[T float32 | float64](t *Tensor) []T {
	if t == nil {
		return nil
	}
	return data[T](t.st)
}

func paramData[T float32 | float64](p *Tensor) []T {
	if p == nil {
		return nil
	}
	c := p.contig()
	return data[T](c.st)[c.offset : c.offset+c.Numel()]
}

// normKernel is the fused normalisation loop. Each group's statistics take two passes in
// float64 (the mean, then the squared deviations from it), which keeps full precision for
// data with a large common offset, where the one-pass E[x²]-E[x]² loses it all. Groups are
// independent, so splitting them across cores gives bit-identical results. When each group
// is one row (outer 1, as in a LayerNorm), the sums of normStatsBlock rows are taken together
// (kernels.SumLanes4Rows), so that their chains of adds overlap.
func normKernel[T float32 | float64](y, x, w, b []T, st *normState) {
	outer, groups, inner := st.outer, st.groups, st.inner
	per := outer * inner
	grain := max(1, (1<<15)/max(per, 1))
	parallel.For(groups, grain, func(lo, hi int) {
		if outer == 1 {
			var sums, means, sqs [normStatsBlock]float64
			for g0 := lo; g0 < hi; g0 += normStatsBlock {
				nb := min(normStatsBlock, hi-g0)
				xs := x[g0*inner : (g0+nb)*inner]
				kernels.SumLanes4Rows(sums[:nb], xs, inner, inner)
				for k := range nb {
					var sum float64 // 0 + the row's sum, as the loop over outer below adds it
					sum += sums[k]
					means[k] = sum / float64(per)
				}
				kernels.SqDevLanes4Rows(sqs[:nb], xs, inner, inner, means[:nb])
				for k := range nb {
					var ss float64
					ss += sqs[k]
					normGroupOut(y, x, w, b, st, g0+k, means[k], ss)
				}
			}
			return
		}
		for g := lo; g < hi; g++ {
			var sum float64
			for o := 0; o < outer; o++ {
				sum += kernels.SumLanes4(x[(o*groups+g)*inner : (o*groups+g+1)*inner])
			}
			m := sum / float64(per)
			var ss float64
			for o := 0; o < outer; o++ {
				ss += kernels.SqDevLanes4(x[(o*groups+g)*inner:(o*groups+g+1)*inner], m)
			}
			normGroupOut(y, x, w, b, st, g, m, ss)
		}
	})
}

// normStatsBlock is the number of rows whose statistics normKernel takes together.
const normStatsBlock = 16

// normGroupOut stores group g's statistics from its mean m and sum of squared deviations ss,
// and writes its output.
func normGroupOut[T float32 | float64](y, x, w, b []T, st *normState, g int, m, ss float64) {
	outer, groups, inner, perGroup := st.outer, st.groups, st.inner, st.perGroup
	vr := ss / float64(outer*inner)
	r := 1 / math.Sqrt(vr+st.eps)
	st.mean[g], st.variance[g], st.rstd[g] = m, vr, r
	wg, bg := 1.0, 0.0
	if perGroup && w != nil {
		wg = float64(w[g])
	}
	if perGroup && b != nil {
		bg = float64(b[g])
	}
	for o := 0; o < outer; o++ {
		base := (o*groups + g) * inner
		xs, ys := x[base:base+inner], y[base:base+inner]
		switch {
		case perGroup || (w == nil && b == nil):
			for i, v := range xs {
				ys[i] = T((float64(v)-m)*r*wg + bg)
			}
		case b == nil:
			for i, v := range xs {
				ys[i] = T((float64(v) - m) * r * float64(w[i]))
			}
		case w == nil:
			for i, v := range xs {
				ys[i] = T((float64(v)-m)*r + float64(b[i]))
			}
		default:
			kernels.NormAffine(ys, xs, w, b, m, r)
		}
	}
}

// normGradKernel computes the first-order gradients of normKernel's output for the output
// gradient g (nil destinations are skipped), with xhat = (x-mean)*rstd and gh = g*w:
//
//	dx = rstd * (gh - mean(gh) - xhat*mean(gh*xhat)),  dw = Σ g*xhat,  db = Σ g
//
// Per group, one pass accumulates the two means in float64 and a second writes dx. A
// LayerNorm's dw and db sum over rows, so they are split across cores by column and each
// column is summed in row order: the results do not depend on the core count.
func normGradKernel[T float32 | float64](gx, gw, gb, g, x, w []T, st *normState) {
	outer, groups, inner, perGroup := st.outer, st.groups, st.inner, st.perGroup
	var wi []T // weight indexed by inner position (LayerNorm)
	if !perGroup {
		wi = w
	}
	grain := max(1, (1<<14)/max(outer*inner, 1))
	if !perGroup && outer == 1 && gx != nil {
		parallel.For(groups, grain, func(lo, hi int) {
			for k := lo; k < hi; k++ {
				layerNormGradRow(gx[k*inner:(k+1)*inner], g[k*inner:(k+1)*inner], x[k*inner:(k+1)*inner], w, st.mean[k], st.rstd[k])
			}
		})
	} else {
		normGradGroups(gx, gw, gb, g, x, w, wi, st, grain)
	}
	if perGroup || (gw == nil && gb == nil) {
		return
	}
	normGradColumns(gw, gb, g, x, st)
}

// layerNormGradRow writes one LayerNorm row's input gradient (normGradKernel's formula with
// outer 1): the two sums take four float64 lanes each, so that the adds of successive
// elements do not wait for one another (kernels.LayerNormGradSums with a weight).
func layerNormGradRow[T float32 | float64](ds, gs, xs, w []T, m, r float64) {
	n := len(gs)
	xs = xs[:n]
	ds = ds[:n]
	per := float64(n)
	if w != nil {
		s, q := kernels.LayerNormGradSums(gs, xs, w, m, r)
		kernels.LayerNormGradRow(ds, gs, xs, w, m, r, s/per, q/per)
		return
	}
	var s0, s1, s2, s3, q0, q1, q2, q3 float64 // Σgh and Σgh*xhat, by lane
	i := 0
	for ; i+4 <= n; i += 4 {
		h0, h1, h2, h3 := ghAt(gs, w, i), ghAt(gs, w, i+1), ghAt(gs, w, i+2), ghAt(gs, w, i+3)
		s0 += h0
		s1 += h1
		s2 += h2
		s3 += h3
		q0 += h0 * ((float64(xs[i]) - m) * r)
		q1 += h1 * ((float64(xs[i+1]) - m) * r)
		q2 += h2 * ((float64(xs[i+2]) - m) * r)
		q3 += h3 * ((float64(xs[i+3]) - m) * r)
	}
	for ; i < n; i++ {
		h := ghAt(gs, w, i)
		s0 += h
		q0 += h * ((float64(xs[i]) - m) * r)
	}
	a, c := ((s0+s1)+(s2+s3))/per, ((q0+q1)+(q2+q3))/per
	for i := range ds {
		ds[i] = T(r * (ghAt(gs, w, i) - a - (float64(xs[i])-m)*r*c))
	}
}

// ghAt is g[i]*w[i] in float64, or g[i] without a weight.
func ghAt[T float32 | float64](g, w []T, i int) float64 {
	if w == nil {
		return float64(g[i])
	}
	return float64(g[i]) * float64(w[i])
}

// normGradGroups is normGradKernel's per-group pass for the general layout (BatchNorm, or a
// LayerNorm without an input gradient).
func normGradGroups[T float32 | float64](gx, gw, gb, g, x, w, wi []T, st *normState, grain int) {
	outer, groups, inner, perGroup := st.outer, st.groups, st.inner, st.perGroup
	per := float64(outer * inner)
	parallel.For(groups, grain, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			m, r := st.mean[k], st.rstd[k]
			wk := 1.0
			if perGroup && w != nil {
				wk = float64(w[k])
			}
			var sgh, sghx, sgx, sg float64 // Σgh, Σgh*xhat, Σg*xhat, Σg
			for o := 0; o < outer; o++ {
				base := (o*groups + k) * inner
				gs, xs := g[base:base+inner], x[base:base+inner]
				for i, gv := range gs {
					gf, xh := float64(gv), (float64(xs[i])-m)*r
					wv := wk
					if wi != nil {
						wv = float64(wi[i])
					}
					gh := gf * wv
					sgh += gh
					sghx += gh * xh
					sgx += gf * xh
					sg += gf
				}
			}
			if perGroup && gw != nil {
				gw[k] = T(sgx)
			}
			if perGroup && gb != nil {
				gb[k] = T(sg)
			}
			if gx == nil {
				continue
			}
			a, c := sgh/per, sghx/per
			for o := 0; o < outer; o++ {
				base := (o*groups + k) * inner
				gs, xs, ds := g[base:base+inner], x[base:base+inner], gx[base:base+inner]
				for i, gv := range gs {
					xh := (float64(xs[i]) - m) * r
					wv := wk
					if wi != nil {
						wv = float64(wi[i])
					}
					ds[i] = T(r * (float64(gv)*wv - a - xh*c))
				}
			}
		}
	})
}

// normGradColumns computes a LayerNorm's weight and bias gradients, split across cores by
// column, each column summed in row order.
func normGradColumns[T float32 | float64](gw, gb, g, x []T, st *normState) {
	groups, inner := st.groups, st.inner
	parallel.For(inner, max(1, (1<<14)/max(groups, 1)), func(lo, hi int) {
		accW := make([]float64, hi-lo)
		accB := make([]float64, hi-lo)
		kernels.NormGradCols(accW, accB, g[lo:], x[lo:], inner, st.mean[:groups], st.rstd[:groups])
		for i := range accW {
			if gw != nil {
				gw[lo+i] = T(accW[i])
			}
			if gb != nil {
				gb[lo+i] = T(accB[i])
			}
		}
	})
}

// normBackward returns the gradients of y = xhat*w + b for x, w and b, where
// xhat = (x - mean)*rstd with the statistics taken over dims of x, and w and b broadcast to x
// as shape wb. With m() the mean over dims and gh = g*w:
//
//	dx = rstd * (gh - m(gh) - xhat*m(gh*xhat)),  dw = Σ g*xhat,  db = Σ g
//
// When the backward pass itself is being recorded (CreateGraph) and x requires grad, the
// statistics are recomputed from x with differentiable ops, so that the second derivative
// sees their dependence on x; otherwise the saved statistics are used.
func normBackward(g, x, w, b, mean, rstd *Tensor, dims, wb []int, eps float64) []*Tensor {
	var xhat *Tensor
	if IsGradEnabled() && x.requiresGrad {
		xc := x.Sub(x.MeanKeepDim(dims...))
		rstd = xc.Square().MeanKeepDim(dims...).AddScalar(eps).Rsqrt()
		xhat = xc.Mul(rstd)
	} else {
		xhat = x.Sub(mean).Mul(rstd)
	}
	var gx, gw, gb *Tensor
	if w != nil && w.requiresGrad {
		gw = sumTo(g.Mul(xhat), wb).Reshape(w.shape...)
	}
	if b != nil && b.requiresGrad {
		gb = sumTo(g, wb).Reshape(b.shape...)
	}
	if x.requiresGrad {
		gh := g
		if w != nil {
			gh = g.Mul(w.Reshape(wb...))
		}
		gx = rstd.Mul(gh.Sub(gh.MeanKeepDim(dims...)).Sub(xhat.Mul(gh.Mul(xhat).MeanKeepDim(dims...))))
	}
	return []*Tensor{gx, gw, gb}
}
