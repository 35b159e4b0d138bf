package nn

import (
	"math"

	"github.com/eagerml/eager"
)

// Reduction says how a loss combines its per-element values.
type Reduction int

// Reductions, as PyTorch's reduction argument. Mean is the default.
const (
	Mean      Reduction = iota // average (weighted average for class-weighted losses)
	Sum                        // sum
	None                       // per-element losses
	BatchMean                  // sum divided by the batch size (KLDiv only)
)

// LossOption configures a loss function.
type LossOption func(*lossConfig)

type lossConfig struct {
	reduction      Reduction
	weight         *eager.Tensor
	posWeight      *eager.Tensor
	ignoreIndex    int64
	labelSmoothing float64
	beta, delta    float64
	margin         float64
	logTarget      bool
	p              float64
	eps            float64
	swap           bool
}

func newLossConfig(opts []LossOption) lossConfig {
	c := lossConfig{ignoreIndex: -100, beta: 1, delta: 1, margin: math.NaN(), p: 2, eps: 1e-6}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// Reduce sets the reduction (default Mean).
func Reduce(r Reduction) LossOption { return func(c *lossConfig) { c.reduction = r } }

// ClassWeights sets per-class weights (a 1-D tensor of size C) for CrossEntropy and NLL, or
// per-element weights (broadcast to the input) for BCE and BCEWithLogits.
func ClassWeights(w *eager.Tensor) LossOption { return func(c *lossConfig) { c.weight = w } }

// IgnoreIndex sets the target class whose elements are left out of the loss (default -100).
func IgnoreIndex(i int) LossOption { return func(c *lossConfig) { c.ignoreIndex = int64(i) } }

// LabelSmoothing mixes the target with the uniform distribution by eps (CrossEntropy).
func LabelSmoothing(eps float64) LossOption { return func(c *lossConfig) { c.labelSmoothing = eps } }

// PosWeight weights positive examples per class in BCEWithLogits.
func PosWeight(w *eager.Tensor) LossOption { return func(c *lossConfig) { c.posWeight = w } }

// Beta sets SmoothL1's transition point (default 1).
func Beta(b float64) LossOption { return func(c *lossConfig) { c.beta = b } }

// Delta sets Huber's transition point (default 1).
func Delta(d float64) LossOption { return func(c *lossConfig) { c.delta = d } }

// Margin sets the margin of CosineEmbedding (default 0) and TripletMargin (default 1).
func Margin(m float64) LossOption { return func(c *lossConfig) { c.margin = m } }

// LogTarget says KLDiv's target is given as log-probabilities.
func LogTarget() LossOption { return func(c *lossConfig) { c.logTarget = true } }

// NormP sets the norm degree of TripletMargin's distance (default 2).
func NormP(p float64) LossOption { return func(c *lossConfig) { c.p = p } }

// Swap enables TripletMargin's distance swap.
func Swap() LossOption { return func(c *lossConfig) { c.swap = true } }

func reduce(op string, l *eager.Tensor, r Reduction) *eager.Tensor {
	switch r {
	case Mean:
		return l.Mean()
	case Sum:
		return l.Sum()
	case None:
		return l
	}
	fail(op, "reduction %d is not supported here", r)
	return nil
}

// classShape returns the shape that puts a [C] vector along dim 1 of an input of rank r
// (dim 0 when the input is a single unbatched [C] vector).
func classShape(c, rank int) []int {
	if rank == 1 {
		return []int{c}
	}
	s := make([]int, rank)
	for i := range s {
		s[i] = 1
	}
	s[1] = c
	return s
}

// CrossEntropy returns the cross-entropy between logits and target, as
// torch.nn.functional.cross_entropy. logits is [N, C], [N, C, d1, ...] or an unbatched [C].
// target is either class indices (int64, shape [N] / [N, d1, ...] / []) or class
// probabilities (float, the shape of logits). Options: Reduce, ClassWeights, IgnoreIndex,
// LabelSmoothing.
func CrossEntropy(logits, target *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	if logits.Dim() == 0 {
		fail("nn.CrossEntropy", "logits must have at least 1 dim, got shape %v", logits.Shape())
	}
	classDim := 1
	if logits.Dim() == 1 {
		classDim = 0
	}
	logp := logits.LogSoftmax(classDim)
	return nllSmoothed("nn.CrossEntropy", logp, target, c)
}

// NLL returns the negative log-likelihood loss of log-probabilities logp [N, C, ...] and
// int64 class indices target, as torch.nn.functional.nll_loss. Options: Reduce,
// ClassWeights, IgnoreIndex.
func NLL(logp, target *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	if target.DType() != eager.Int64 {
		fail("nn.NLL", "target must be int64 class indices, got %v", target.DType())
	}
	return nllSmoothed("nn.NLL", logp, target, c)
}

func nllSmoothed(op string, logp, target *eager.Tensor, c lossConfig) *eager.Tensor {
	rank := logp.Dim()
	classDim := 1
	if rank == 1 {
		classDim = 0
	}
	C := logp.Size(classDim)
	var w *eager.Tensor
	if c.weight != nil {
		if c.weight.Dim() != 1 || c.weight.Size(0) != C {
			fail(op, "class weights of shape %v do not match %d classes", c.weight.Shape(), C)
		}
		w = c.weight.To(logp.DType()).Reshape(classShape(C, rank)...)
	}
	eps := c.labelSmoothing
	if eps < 0 || eps > 1 {
		fail(op, "label smoothing must be in [0, 1], got %v", eps)
	}

	if target.DType().IsFloat() { // class probabilities
		if !sameShape(target.Shape(), logp.Shape()) {
			fail(op, "probability target of shape %v does not match input of shape %v", target.Shape(), logp.Shape())
		}
		t := target.To(logp.DType())
		if eps > 0 {
			t = t.MulScalar(1 - eps).AddScalar(eps / float64(C))
		}
		prod := logp.Mul(t)
		if w != nil {
			prod = prod.Mul(w)
		}
		l := prod.Sum(classDim).Neg()
		return reduce(op, l, c.reduction)
	}

	if target.DType() != eager.Int64 {
		fail(op, "target must be int64 class indices or float probabilities, got %v", target.DType())
	}
	wantT := append(append([]int(nil), logp.Shape()[:classDim]...), logp.Shape()[classDim+1:]...)
	if !sameShape(target.Shape(), wantT) {
		fail(op, "target of shape %v does not match input of shape %v (want %v)", target.Shape(), logp.Shape(), wantT)
	}
	for _, v := range target.Int64s() {
		if v != c.ignoreIndex && (v < 0 || v >= int64(C)) {
			fail(op, "target %d is out of bounds for %d classes", v, C)
		}
	}
	if w == nil && eps == 0 {
		return nllPicked(op, logp, target, classDim, c)
	}
	// One-hot mask of the targets along the class dim; ignored targets match no class.
	ar := eager.ArangeOf(eager.Int64, 0, float64(C), 1).Reshape(classShape(C, rank)...)
	onehot := target.Unsqueeze(classDim).Eq(ar).To(logp.DType())
	valid := target.NeScalar(float64(c.ignoreIndex)).To(logp.DType())
	picked := logp.Mul(onehot)
	if w != nil {
		picked = picked.Mul(w)
	}
	nll := picked.Sum(classDim).Neg() // already 0 where ignored
	var denom *eager.Tensor           // sum of weights of the counted targets, for Mean
	if w != nil {
		denom = onehot.Mul(w).Sum()
	} else {
		denom = valid.Sum()
	}
	loss := nll
	if eps > 0 {
		all := logp
		if w != nil {
			all = all.Mul(w)
		}
		smooth := all.Sum(classDim).Neg().Mul(valid)
		switch c.reduction {
		case Mean:
			return nll.Sum().Div(denom).MulScalar(1 - eps).Add(smooth.Sum().Div(denom).MulScalar(eps / float64(C)))
		default:
			loss = nll.MulScalar(1 - eps).Add(smooth.MulScalar(eps / float64(C)))
		}
	}
	return reduceBy(op, loss, denom, c.reduction)
}

// reduceBy reduces per-element losses: their sum divided by denom (Mean), their sum, or none.
func reduceBy(op string, loss, denom *eager.Tensor, r Reduction) *eager.Tensor {
	switch r {
	case Mean:
		return loss.Sum().Div(denom)
	case Sum:
		return loss.Sum()
	case None:
		return loss
	}
	fail(op, "reduction %d is not supported", r)
	return nil
}

// nllPicked is nllSmoothed without class weights or label smoothing: each target's
// log-probability is picked with Gather, O(N) work whose gradient is scattered to N
// positions, where the one-hot mask multiplies and sums all N×C of them (a few times the
// cost of the log-softmax itself for a language model's logits). The values are the same:
// the mask's sum adds exact zeros to the picked one. Unlike the mask, a -Inf log-probability
// of a class that is not the target cannot turn the loss into NaN (-Inf·0), as in PyTorch.
func nllPicked(op string, logp, target *eager.Tensor, classDim int, c lossConfig) *eager.Tensor {
	valid := target.NeScalar(float64(c.ignoreIndex))
	idx := target
	if c.ignoreIndex < 0 || c.ignoreIndex >= int64(logp.Size(classDim)) {
		// An ignored target is not a class: gather class 0 there and drop it below.
		idx = eager.Where(valid, target, eager.FullOf(eager.Int64, 0))
	}
	picked := logp.Gather(classDim, idx.Unsqueeze(classDim)).Squeeze(classDim)
	nll := eager.Where(valid, picked.Neg(), eager.FullOf(logp.DType(), 0))
	var count *eager.Tensor // of the targets not ignored, for Mean
	if c.reduction == Mean {
		count = valid.To(logp.DType()).Sum()
	}
	return reduceBy(op, nll, count, c.reduction)
}

func sameShape(a, b []int) bool {
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

func checkSame(op string, a, b *eager.Tensor) {
	if !sameShape(a.Shape(), b.Shape()) {
		fail(op, "input of shape %v and target of shape %v differ", a.Shape(), b.Shape())
	}
}

// MSE returns the mean squared error between input and target (same shapes).
func MSE(input, target *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	checkSame("nn.MSE", input, target)
	d := input.Sub(target)
	return reduce("nn.MSE", d.Mul(d), c.reduction)
}

// L1 returns the mean absolute error between input and target.
func L1(input, target *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	checkSame("nn.L1", input, target)
	return reduce("nn.L1", input.Sub(target).Abs(), c.reduction)
}

// SmoothL1 returns 0.5·d²/beta where |d| < beta and |d| - 0.5·beta elsewhere (option Beta).
func SmoothL1(input, target *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	checkSame("nn.SmoothL1", input, target)
	d := input.Sub(target)
	ad := d.Abs()
	if c.beta == 0 {
		return reduce("nn.SmoothL1", ad, c.reduction)
	}
	l := eager.Where(ad.LtScalar(c.beta), d.Mul(d).MulScalar(0.5/c.beta), ad.SubScalar(0.5*c.beta))
	return reduce("nn.SmoothL1", l, c.reduction)
}

// Huber returns 0.5·d² where |d| <= delta and delta·(|d| - 0.5·delta) elsewhere (option Delta).
func Huber(input, target *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	checkSame("nn.Huber", input, target)
	d := input.Sub(target)
	ad := d.Abs()
	l := eager.Where(ad.LeScalar(c.delta), d.Mul(d).MulScalar(0.5), ad.SubScalar(0.5*c.delta).MulScalar(c.delta))
	return reduce("nn.Huber", l, c.reduction)
}

// BCE returns the binary cross-entropy between probabilities p and targets y (same shape),
// with logs clamped at -100 as PyTorch does. Option ClassWeights gives per-element weights.
func BCE(p, y *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	checkSame("nn.BCE", p, y)
	lp := p.Log().Clamp(-100, math.Inf(1))
	l1p := p.RSubScalar(1).Log().Clamp(-100, math.Inf(1))
	l := y.Mul(lp).Add(y.RSubScalar(1).Mul(l1p)).Neg()
	if c.weight != nil {
		l = l.Mul(c.weight)
	}
	return reduce("nn.BCE", l, c.reduction)
}

// BCEWithLogits returns BCE(sigmoid(x), y) computed stably from logits x. Options:
// ClassWeights, PosWeight (weight of positive examples, broadcast along the last dim).
func BCEWithLogits(x, y *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	checkSame("nn.BCEWithLogits", x, y)
	// log(1 + exp(-x)) computed as max(-x, 0) + log1p(exp(-|x|))
	softNeg := x.Neg().ReLU().Add(x.Abs().Neg().Exp().Log1p())
	var l *eager.Tensor
	if c.posWeight != nil {
		lw := c.posWeight.SubScalar(1).Mul(y).AddScalar(1)
		l = y.RSubScalar(1).Mul(x).Add(lw.Mul(softNeg))
	} else {
		l = y.RSubScalar(1).Mul(x).Add(softNeg)
	}
	if c.weight != nil {
		l = l.Mul(c.weight)
	}
	return reduce("nn.BCEWithLogits", l, c.reduction)
}

// KLDiv returns the Kullback-Leibler divergence loss of log-probabilities input against
// target (probabilities, or log-probabilities with LogTarget), as torch's kl_div. Use
// Reduce(BatchMean) for the mathematically correct mean; the default Mean averages over all
// elements, as PyTorch's does.
func KLDiv(input, target *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	checkSame("nn.KLDiv", input, target)
	var l *eager.Tensor
	if c.logTarget {
		l = target.Exp().Mul(target.Sub(input))
	} else {
		pos := target.GtScalar(0)
		safe := eager.Where(pos, target, eager.OnesLike(target))
		l = eager.Where(pos, target.Mul(safe.Log().Sub(input)), eager.ZerosLike(target))
	}
	if c.reduction == BatchMean {
		n := 1
		if input.Dim() > 0 {
			n = input.Size(0)
		}
		return l.Sum().DivScalar(float64(n))
	}
	return reduce("nn.KLDiv", l, c.reduction)
}

// CosineEmbedding returns, per row, 1 - cos(x1, x2) where y = 1 and max(0, cos - margin)
// where y = -1 (option Margin, default 0).
func CosineEmbedding(x1, x2, y *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	if math.IsNaN(c.margin) {
		c.margin = 0
	}
	checkSame("nn.CosineEmbedding", x1, x2)
	const eps = 1e-12
	dot := x1.Mul(x2).Sum(-1)
	m1 := x1.Mul(x1).Sum(-1).AddScalar(eps)
	m2 := x2.Mul(x2).Sum(-1).AddScalar(eps)
	cos := dot.Div(m1.Mul(m2).Sqrt())
	yy := y.To(cos.DType())
	l := eager.Where(yy.EqScalar(1), cos.RSubScalar(1), eager.ZerosLike(cos)).
		Add(eager.Where(yy.EqScalar(-1), cos.SubScalar(c.margin).ReLU(), eager.ZerosLike(cos)))
	return reduce("nn.CosineEmbedding", l, c.reduction)
}

// TripletMargin returns max(d(a, p) - d(a, n) + margin, 0) with d the p-norm distance
// (options Margin default 1, NormP default 2, Swap), as torch's triplet_margin_loss.
func TripletMargin(anchor, positive, negative *eager.Tensor, opts ...LossOption) *eager.Tensor {
	c := newLossConfig(opts)
	if math.IsNaN(c.margin) {
		c.margin = 1
	}
	dist := func(a, b *eager.Tensor) *eager.Tensor {
		return a.Sub(b).AddScalar(c.eps).Norm(c.p, -1)
	}
	dap, dan := dist(anchor, positive), dist(anchor, negative)
	if c.swap {
		dan = dan.Minimum(dist(positive, negative))
	}
	return reduce("nn.TripletMargin", dap.Sub(dan).AddScalar(c.margin).ReLU(), c.reduction)
}
