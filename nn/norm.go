package nn

import (
	"github.com/eagerml/eager"
)

// BatchNorm normalises over the batch (and spatial) dims per channel, as torch.nn.BatchNorm1d
// and BatchNorm2d: Weight and Bias [C], buffers running_mean, running_var [C] and
// num_batches_tracked. In training mode it uses batch statistics and updates the running
// ones; in eval mode it uses the running statistics. Not safe for concurrent Forward calls in
// training mode (it updates its buffers); in eval mode it is.
type BatchNorm struct {
	Base
	Weight, Bias            *eager.Tensor
	RunningMean, RunningVar *eager.Tensor
	NumBatchesTracked       *eager.Tensor
	Momentum, Eps           float64
	dims                    int // expected input rank(s): 2/3 for 1d, 4 for 2d
}

func newBatchNorm(c int, dims int) *BatchNorm {
	if c <= 0 {
		fail("nn.NewBatchNorm", "channels must be positive, got %d", c)
	}
	b := &BatchNorm{Momentum: 0.1, Eps: 1e-5, dims: dims}
	b.Weight = b.RegisterParameter("weight", eager.Ones(c))
	b.Bias = b.RegisterParameter("bias", eager.Zeros(c))
	b.RunningMean = b.RegisterBuffer("running_mean", eager.Zeros(c))
	b.RunningVar = b.RegisterBuffer("running_var", eager.Ones(c))
	b.NumBatchesTracked = b.RegisterBuffer("num_batches_tracked", eager.ZerosOf(eager.Int64))
	return b
}

// NewBatchNorm1d returns a BatchNorm for [N, C] or [N, C, L] inputs.
func NewBatchNorm1d(c int) *BatchNorm { return newBatchNorm(c, 1) }

// NewBatchNorm2d returns a BatchNorm for [N, C, H, W] inputs.
func NewBatchNorm2d(c int) *BatchNorm { return newBatchNorm(c, 2) }

// Forward normalises x.
func (b *BatchNorm) Forward(x *eager.Tensor) *eager.Tensor {
	switch {
	case b.dims == 1 && x.Dim() != 2 && x.Dim() != 3:
		fail("nn.BatchNorm1d", "expected 2-D or 3-D input, got shape %v", x.Shape())
	case b.dims == 2 && x.Dim() != 4:
		fail("nn.BatchNorm2d", "expected 4-D input, got shape %v", x.Shape())
	}
	train := b.Training()
	if train {
		eager.NoGrad(func() { b.NumBatchesTracked.AddScalarInPlace(1) })
	}
	return eager.BatchNorm(x, b.RunningMean, b.RunningVar, b.Weight, b.Bias, train, b.Momentum, b.Eps)
}

// LayerNorm normalises over the trailing Shape dims, as torch.nn.LayerNorm: Weight and Bias
// have that shape.
type LayerNorm struct {
	Base
	Shape        []int
	Weight, Bias *eager.Tensor
	Eps          float64
}

// NewLayerNorm returns a LayerNorm over the trailing dims shape, with eps 1e-5.
func NewLayerNorm(shape ...int) *LayerNorm {
	l := &LayerNorm{Shape: shape, Eps: 1e-5}
	l.Weight = l.RegisterParameter("weight", eager.Ones(shape...))
	l.Bias = l.RegisterParameter("bias", eager.Zeros(shape...))
	return l
}

// Forward normalises x.
func (l *LayerNorm) Forward(x *eager.Tensor) *eager.Tensor {
	return eager.LayerNorm(x, l.Shape, l.Weight, l.Bias, l.Eps)
}

// RMSNorm scales by the root mean square over the trailing Shape dims, as torch.nn.RMSNorm.
type RMSNorm struct {
	Base
	Shape  []int
	Weight *eager.Tensor
	Eps    float64
}

// NewRMSNorm returns an RMSNorm over the trailing dims shape with eps 1e-6.
func NewRMSNorm(shape ...int) *RMSNorm {
	r := &RMSNorm{Shape: shape, Eps: 1e-6}
	r.Weight = r.RegisterParameter("weight", eager.Ones(shape...))
	return r
}

// Forward normalises x.
func (r *RMSNorm) Forward(x *eager.Tensor) *eager.Tensor {
	return eager.RMSNorm(x, r.Shape, r.Weight, r.Eps)
}

// GroupNorm normalises groups of channels, as torch.nn.GroupNorm.
type GroupNorm struct {
	Base
	Groups       int
	Weight, Bias *eager.Tensor
	Eps          float64
}

// NewGroupNorm returns a GroupNorm of channels split into groups, with eps 1e-5.
func NewGroupNorm(groups, channels int) *GroupNorm {
	if groups <= 0 || channels%groups != 0 {
		fail("nn.NewGroupNorm", "channels %d must be divisible by groups %d", channels, groups)
	}
	g := &GroupNorm{Groups: groups, Eps: 1e-5}
	g.Weight = g.RegisterParameter("weight", eager.Ones(channels))
	g.Bias = g.RegisterParameter("bias", eager.Zeros(channels))
	return g
}

// Forward normalises x.
func (g *GroupNorm) Forward(x *eager.Tensor) *eager.Tensor {
	return eager.GroupNorm(x, g.Groups, g.Weight, g.Bias, g.Eps)
}

// Dropout zeroes elements with probability P in training mode and scales the rest by
// 1/(1-P); in eval mode it is the identity.
type Dropout struct {
	Base
	P float64
}

// NewDropout returns a Dropout with probability p.
func NewDropout(p float64) *Dropout { return &Dropout{P: p} }

// Forward applies dropout.
func (d *Dropout) Forward(x *eager.Tensor) *eager.Tensor { return eager.Dropout(x, d.P, d.Training()) }

// Embedding maps int64 indices to rows of Weight [num, dim], as torch.nn.Embedding.
type Embedding struct {
	Base
	Weight     *eager.Tensor
	PaddingIdx int // -1: none
}

// NewEmbedding returns an Embedding with N(0, 1) weights and no padding index.
func NewEmbedding(num, dim int) *Embedding {
	e := &Embedding{PaddingIdx: -1}
	e.Weight = e.RegisterParameter("weight", eager.Zeros(num, dim))
	Normal(e.Weight, 0, 1)
	return e
}

// WithPaddingIdx sets the padding index: its row is zeroed and gets no gradient.
func (e *Embedding) WithPaddingIdx(i int) *Embedding {
	e.PaddingIdx = i
	eager.NoGrad(func() { e.Weight.Select(0, i).ZeroInPlace() })
	return e
}

// Forward looks up the rows of indices.
func (e *Embedding) Forward(indices *eager.Tensor) *eager.Tensor {
	return eager.Embedding(indices, e.Weight, e.PaddingIdx)
}
