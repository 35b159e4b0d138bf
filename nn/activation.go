package nn

import "github.com/eagerml/eager"

// ReLU is the module form of Tensor.ReLU.
type ReLU struct{ Base }

// Forward applies ReLU.
func (*ReLU) Forward(x *eager.Tensor) *eager.Tensor { return x.ReLU() }

// Tanh is the module form of Tensor.Tanh.
type Tanh struct{ Base }

// Forward applies Tanh.
func (*Tanh) Forward(x *eager.Tensor) *eager.Tensor { return x.Tanh() }

// Sigmoid is the module form of Tensor.Sigmoid.
type Sigmoid struct{ Base }

// Forward applies Sigmoid.
func (*Sigmoid) Forward(x *eager.Tensor) *eager.Tensor { return x.Sigmoid() }

// GELU is the module form of Tensor.GELU; Tanh selects the tanh approximation.
type GELU struct {
	Base
	Tanh bool
}

// Forward applies GELU.
func (g *GELU) Forward(x *eager.Tensor) *eager.Tensor {
	if g.Tanh {
		return x.GELUTanh()
	}
	return x.GELU()
}

// SiLU is the module form of Tensor.SiLU.
type SiLU struct{ Base }

// Forward applies SiLU.
func (*SiLU) Forward(x *eager.Tensor) *eager.Tensor { return x.SiLU() }

// LeakyReLU is the module form of Tensor.LeakyReLU; NewLeakyReLU uses PyTorch's slope 0.01.
type LeakyReLU struct {
	Base
	Slope float64
}

// NewLeakyReLU returns a LeakyReLU with slope 0.01.
func NewLeakyReLU() *LeakyReLU { return &LeakyReLU{Slope: 0.01} }

// Forward applies LeakyReLU.
func (l *LeakyReLU) Forward(x *eager.Tensor) *eager.Tensor { return x.LeakyReLU(l.Slope) }

// Softplus is the module form of Tensor.Softplus; NewSoftplus uses beta 1, threshold 20.
type Softplus struct {
	Base
	Beta, Threshold float64
}

// NewSoftplus returns a Softplus with PyTorch's defaults.
func NewSoftplus() *Softplus { return &Softplus{Beta: 1, Threshold: 20} }

// Forward applies Softplus.
func (s *Softplus) Forward(x *eager.Tensor) *eager.Tensor { return x.Softplus(s.Beta, s.Threshold) }

// Softmax is the module form of Tensor.Softmax over Dim.
type Softmax struct {
	Base
	Dim int
}

// Forward applies Softmax.
func (s *Softmax) Forward(x *eager.Tensor) *eager.Tensor { return x.Softmax(s.Dim) }

// LogSoftmax is the module form of Tensor.LogSoftmax over Dim.
type LogSoftmax struct {
	Base
	Dim int
}

// Forward applies LogSoftmax.
func (s *LogSoftmax) Forward(x *eager.Tensor) *eager.Tensor { return x.LogSoftmax(s.Dim) }

// Func wraps a function of one tensor as a parameterless module.
type Func struct {
	Base
	Fn func(*eager.Tensor) *eager.Tensor
}

// Forward calls Fn.
func (f *Func) Forward(x *eager.Tensor) *eager.Tensor { return f.Fn(x) }
