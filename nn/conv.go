package nn

import "github.com/eagerml/eager"

// Conv2dConfig configures Conv2d and ConvTranspose2d as PyTorch's constructor arguments;
// Stride, Padding and Dilation default to 1, 0 and 1 (a single value applies to both dims),
// Groups to 1.
type Conv2dConfig struct {
	In, Out       int
	Kernel        []int
	Stride        []int
	Padding       []int
	Dilation      []int
	OutputPadding []int // ConvTranspose2d only
	Groups        int
	NoBias        bool
}

func (c *Conv2dConfig) defaults(op string, dims int) {
	if c.Groups == 0 {
		c.Groups = 1
	}
	if c.In <= 0 || c.Out <= 0 || c.In%c.Groups != 0 || c.Out%c.Groups != 0 {
		fail(op, "channels in=%d out=%d must be positive and divisible by groups=%d", c.In, c.Out, c.Groups)
	}
	if len(c.Kernel) == 1 && dims == 2 {
		c.Kernel = []int{c.Kernel[0], c.Kernel[0]}
	}
	if len(c.Kernel) != dims {
		fail(op, "kernel size %v must have %d values", c.Kernel, dims)
	}
}

// Conv2d is a 2-D convolution over [N, C, H, W] inputs, as torch.nn.Conv2d: Weight
// [out, in/groups, kh, kw], Bias [out].
type Conv2d struct {
	Base
	Weight, Bias *eager.Tensor
	Opts         eager.ConvOptions
}

// NewConv2d returns a Conv2d with PyTorch's default initialisation.
func NewConv2d(cfg Conv2dConfig) *Conv2d {
	cfg.defaults("nn.NewConv2d", 2)
	c := &Conv2d{Opts: eager.ConvOptions{Stride: cfg.Stride, Padding: cfg.Padding, Dilation: cfg.Dilation, Groups: cfg.Groups}}
	c.Weight = c.RegisterParameter("weight", eager.Zeros(cfg.Out, cfg.In/cfg.Groups, cfg.Kernel[0], cfg.Kernel[1]))
	defaultWeightInit(c.Weight)
	if !cfg.NoBias {
		c.Bias = c.RegisterParameter("bias", eager.Zeros(cfg.Out))
		defaultBiasInit(c.Bias, cfg.In/cfg.Groups*cfg.Kernel[0]*cfg.Kernel[1])
	}
	return c
}

// Forward convolves x.
func (c *Conv2d) Forward(x *eager.Tensor) *eager.Tensor {
	return eager.Conv2d(x, c.Weight, c.Bias, c.Opts)
}

// Conv1d is a 1-D convolution over [N, C, L] inputs, as torch.nn.Conv1d: Weight
// [out, in/groups, k], Bias [out].
type Conv1d struct {
	Base
	Weight, Bias *eager.Tensor
	Opts         eager.ConvOptions
}

// NewConv1d returns a Conv1d with PyTorch's default initialisation (Kernel has one value).
func NewConv1d(cfg Conv2dConfig) *Conv1d {
	cfg.defaults("nn.NewConv1d", 1)
	c := &Conv1d{Opts: eager.ConvOptions{Stride: cfg.Stride, Padding: cfg.Padding, Dilation: cfg.Dilation, Groups: cfg.Groups}}
	c.Weight = c.RegisterParameter("weight", eager.Zeros(cfg.Out, cfg.In/cfg.Groups, cfg.Kernel[0]))
	defaultWeightInit(c.Weight)
	if !cfg.NoBias {
		c.Bias = c.RegisterParameter("bias", eager.Zeros(cfg.Out))
		defaultBiasInit(c.Bias, cfg.In/cfg.Groups*cfg.Kernel[0])
	}
	return c
}

// Forward convolves x.
func (c *Conv1d) Forward(x *eager.Tensor) *eager.Tensor {
	return eager.Conv1d(x, c.Weight, c.Bias, c.Opts)
}

// ConvTranspose2d is a transposed 2-D convolution, as torch.nn.ConvTranspose2d: Weight
// [in, out/groups, kh, kw], Bias [out].
type ConvTranspose2d struct {
	Base
	Weight, Bias *eager.Tensor
	Opts         eager.ConvTransposeOptions
}

// NewConvTranspose2d returns a ConvTranspose2d with PyTorch's default initialisation.
func NewConvTranspose2d(cfg Conv2dConfig) *ConvTranspose2d {
	cfg.defaults("nn.NewConvTranspose2d", 2)
	c := &ConvTranspose2d{Opts: eager.ConvTransposeOptions{Stride: cfg.Stride, Padding: cfg.Padding, OutputPadding: cfg.OutputPadding, Dilation: cfg.Dilation, Groups: cfg.Groups}}
	c.Weight = c.RegisterParameter("weight", eager.Zeros(cfg.In, cfg.Out/cfg.Groups, cfg.Kernel[0], cfg.Kernel[1]))
	defaultWeightInit(c.Weight)
	if !cfg.NoBias {
		c.Bias = c.RegisterParameter("bias", eager.Zeros(cfg.Out))
		defaultBiasInit(c.Bias, cfg.Out/cfg.Groups*cfg.Kernel[0]*cfg.Kernel[1])
	}
	return c
}

// Forward applies the transposed convolution.
func (c *ConvTranspose2d) Forward(x *eager.Tensor) *eager.Tensor {
	return eager.ConvTranspose2d(x, c.Weight, c.Bias, c.Opts)
}

// MaxPool2d is the module form of eager.MaxPool2d.
type MaxPool2d struct {
	Base
	Opts eager.PoolOptions
}

// NewMaxPool2d returns a max pool with the given kernel size and stride (0: stride = kernel).
func NewMaxPool2d(kernel, stride int) *MaxPool2d {
	o := eager.PoolOptions{Kernel: []int{kernel}}
	if stride > 0 {
		o.Stride = []int{stride}
	}
	return &MaxPool2d{Opts: o}
}

// Forward pools x.
func (p *MaxPool2d) Forward(x *eager.Tensor) *eager.Tensor { return eager.MaxPool2d(x, p.Opts) }

// AvgPool2d is the module form of eager.AvgPool2d.
type AvgPool2d struct {
	Base
	Opts eager.AvgPoolOptions
}

// NewAvgPool2d returns an average pool with the given kernel size and stride (0: = kernel).
func NewAvgPool2d(kernel, stride int) *AvgPool2d {
	o := eager.AvgPoolOptions{Kernel: []int{kernel}}
	if stride > 0 {
		o.Stride = []int{stride}
	}
	return &AvgPool2d{Opts: o}
}

// Forward pools x.
func (p *AvgPool2d) Forward(x *eager.Tensor) *eager.Tensor { return eager.AvgPool2d(x, p.Opts) }

// AdaptiveAvgPool2d averages x down to an OutH x OutW grid.
type AdaptiveAvgPool2d struct {
	Base
	OutH, OutW int
}

// Forward pools x.
func (p *AdaptiveAvgPool2d) Forward(x *eager.Tensor) *eager.Tensor {
	return eager.AdaptiveAvgPool2d(x, p.OutH, p.OutW)
}
