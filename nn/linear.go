package nn

import (
	"math"

	"github.com/eagerml/eager"
)

// Linear applies y = x·Wᵀ + b to the last dim of x, as torch.nn.Linear. Weight has shape
// [out, in]; Bias [out] (nil without bias).
type Linear struct {
	Base
	Weight, Bias *eager.Tensor
}

// LinearOption configures NewLinear.
type LinearOption func(*linearConfig)

type linearConfig struct{ bias bool }

// WithoutBias makes a layer without a bias term.
func WithoutBias() LinearOption { return func(c *linearConfig) { c.bias = false } }

// NewLinear returns a Linear layer from in to out features with PyTorch's default
// initialisation (uniform in ±1/sqrt(in) for weight and bias).
func NewLinear(in, out int, opts ...LinearOption) *Linear {
	cfg := linearConfig{bias: true}
	for _, o := range opts {
		o(&cfg)
	}
	if in <= 0 || out <= 0 {
		fail("nn.NewLinear", "feature counts must be positive, got in=%d out=%d", in, out)
	}
	l := &Linear{}
	l.Weight = l.RegisterParameter("weight", eager.Zeros(out, in))
	defaultWeightInit(l.Weight)
	if cfg.bias {
		l.Bias = l.RegisterParameter("bias", eager.Zeros(out))
		defaultBiasInit(l.Bias, in)
	}
	return l
}

// Forward applies the layer to x of shape [..., in].
func (l *Linear) Forward(x *eager.Tensor) *eager.Tensor { return LinearFn(x, l.Weight, l.Bias) }

// LinearFn is the functional form of Linear: x·wᵀ + b (b may be nil).
func LinearFn(x, w, b *eager.Tensor) *eager.Tensor {
	if x.Dim() == 0 || x.Size(-1) != w.Size(1) {
		fail("nn.Linear", "input of shape %v does not match weight of shape %v (in features %d)", x.Shape(), w.Shape(), w.Size(1))
	}
	return eager.Linear(x, w, b)
}

// Bilinear applies y = x1ᵀ A x2 + b, as torch.nn.Bilinear: Weight [out, in1, in2], Bias [out].
type Bilinear struct {
	Base
	Weight, Bias *eager.Tensor
}

// NewBilinear returns a Bilinear layer with PyTorch's default initialisation.
func NewBilinear(in1, in2, out int, opts ...LinearOption) *Bilinear {
	cfg := linearConfig{bias: true}
	for _, o := range opts {
		o(&cfg)
	}
	l := &Bilinear{}
	l.Weight = l.RegisterParameter("weight", eager.Zeros(out, in1, in2))
	bound := 1 / math.Sqrt(float64(in1))
	Uniform(l.Weight, -bound, bound)
	if cfg.bias {
		l.Bias = l.RegisterParameter("bias", eager.Zeros(out))
		Uniform(l.Bias, -bound, bound)
	}
	return l
}

// Forward is not defined for two inputs; use Apply.
func (l *Bilinear) Forward(x *eager.Tensor) *eager.Tensor { return l.Apply(x, x) }

// Apply computes the bilinear form of x1 [..., in1] and x2 [..., in2], giving [..., out].
func (l *Bilinear) Apply(x1, x2 *eager.Tensor) *eager.Tensor {
	out, in1, in2 := l.Weight.Size(0), l.Weight.Size(1), l.Weight.Size(2)
	lead := x1.Shape()[:x1.Dim()-1]
	a := x1.Reshape(-1, in1)                                         // [B, in1]
	t := a.MatMul(l.Weight.Permute(1, 0, 2).Reshape(in1, out*in2))   // [B, out*in2]
	y := t.Reshape(-1, out, in2).Mul(x2.Reshape(-1, 1, in2)).Sum(-1) // [B, out]
	if l.Bias != nil {
		y = y.Add(l.Bias)
	}
	return y.Reshape(append(append([]int(nil), lead...), out)...)
}

// Identity returns its input.
type Identity struct{ Base }

// Forward returns x.
func (Identity) Forward(x *eager.Tensor) *eager.Tensor { return x }

// Flatten flattens dims Start..End (default 1..-1), as torch.nn.Flatten.
type Flatten struct {
	Base
	Start, End int
}

// NewFlatten returns a Flatten over dims 1..-1.
func NewFlatten() *Flatten { return &Flatten{Start: 1, End: -1} }

// Forward flattens x.
func (f *Flatten) Forward(x *eager.Tensor) *eager.Tensor { return x.Flatten(f.Start, f.End) }
