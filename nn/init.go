package nn

import (
	"math"

	"github.com/eagerml/eager"
)

// Initialisers fill a tensor in place (without recording gradients) using eager's default
// generator, so ManualSeed makes them reproducible. They follow torch.nn.init.

// fans returns fan_in and fan_out of a weight as PyTorch computes them: dims 1 and 0, times
// the receptive field size for conv weights.
func fans(t *eager.Tensor) (fanIn, fanOut int) {
	s := t.Shape()
	if len(s) < 2 {
		fail("nn.init", "fan in and fan out need at least 2 dims, got shape %v", s)
	}
	rf := 1
	for _, d := range s[2:] {
		rf *= d
	}
	return s[1] * rf, s[0] * rf
}

// Uniform fills t with values drawn uniformly from [a, b).
func Uniform(t *eager.Tensor, a, b float64) *eager.Tensor {
	eager.NoGrad(func() {
		t.CopyFrom(eager.RandOf(t.DType(), t.Shape()...).MulScalar(b - a).AddScalar(a))
	})
	return t
}

// Normal fills t with values from N(mean, std²).
func Normal(t *eager.Tensor, mean, std float64) *eager.Tensor {
	eager.NoGrad(func() {
		t.CopyFrom(eager.RandnOf(t.DType(), t.Shape()...).MulScalar(std).AddScalar(mean))
	})
	return t
}

// Constant fills t with v.
func Constant(t *eager.Tensor, v float64) *eager.Tensor {
	eager.NoGrad(func() { t.FillInPlace(v) })
	return t
}

// ZerosInit fills t with zeros.
func ZerosInit(t *eager.Tensor) *eager.Tensor { return Constant(t, 0) }

// OnesInit fills t with ones.
func OnesInit(t *eager.Tensor) *eager.Tensor { return Constant(t, 1) }

// Gain returns the recommended gain for a nonlinearity ("linear", "sigmoid", "tanh", "relu",
// "leaky_relu" with slope param, "selu"), as torch.nn.init.calculate_gain.
func Gain(nonlinearity string, param float64) float64 {
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "sigmoid", "":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		return math.Sqrt(2 / (1 + param*param))
	case "selu":
		return 0.75
	}
	fail("nn.Gain", "unknown nonlinearity %q", nonlinearity)
	return 0
}

// XavierUniform fills t from U(-a, a) with a = gain*sqrt(6/(fan_in+fan_out)).
func XavierUniform(t *eager.Tensor, gain float64) *eager.Tensor {
	fi, fo := fans(t)
	a := gain * math.Sqrt(6/float64(fi+fo))
	return Uniform(t, -a, a)
}

// XavierNormal fills t from N(0, std²) with std = gain*sqrt(2/(fan_in+fan_out)).
func XavierNormal(t *eager.Tensor, gain float64) *eager.Tensor {
	fi, fo := fans(t)
	return Normal(t, 0, gain*math.Sqrt(2/float64(fi+fo)))
}

// KaimingUniform fills t from U(-b, b) with b = gain*sqrt(3/fan), gain = Gain(nonlinearity, a)
// and fan = fan_in (fanOut false) or fan_out, as torch.nn.init.kaiming_uniform_.
func KaimingUniform(t *eager.Tensor, a float64, fanOut bool, nonlinearity string) *eager.Tensor {
	fi, fo := fans(t)
	fan := fi
	if fanOut {
		fan = fo
	}
	b := Gain(nonlinearity, a) * math.Sqrt(3/float64(fan))
	return Uniform(t, -b, b)
}

// KaimingNormal fills t from N(0, std²) with std = gain/sqrt(fan).
func KaimingNormal(t *eager.Tensor, a float64, fanOut bool, nonlinearity string) *eager.Tensor {
	fi, fo := fans(t)
	fan := fi
	if fanOut {
		fan = fo
	}
	return Normal(t, 0, Gain(nonlinearity, a)/math.Sqrt(float64(fan)))
}

// defaultWeightInit is PyTorch's default for Linear and Conv weights: kaiming_uniform_ with
// a = sqrt(5), which gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
func defaultWeightInit(w *eager.Tensor) { KaimingUniform(w, math.Sqrt(5), false, "leaky_relu") }

// defaultBiasInit is PyTorch's default bias init for Linear and Conv: U(-1/sqrt(fan_in), ...).
func defaultBiasInit(b *eager.Tensor, fanIn int) {
	bound := 0.0
	if fanIn > 0 {
		bound = 1 / math.Sqrt(float64(fanIn))
	}
	Uniform(b, -bound, bound)
}
