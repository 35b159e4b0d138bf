package main

import (
	"fmt"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// newModel returns the named model for 28x28 MNIST images: "mlp" (784-256-128-10) or "cnn"
// (two 3x3 convolutions with 32 and 64 channels, each followed by 2x2 max pooling, then a
// 128-unit hidden layer).
func newModel(name string) (nn.Module, error) {
	switch name {
	case "mlp":
		return nn.NewSequential(
			nn.NewFlatten(),
			nn.NewLinear(784, 256), &nn.ReLU{},
			nn.NewLinear(256, 128), &nn.ReLU{},
			nn.NewLinear(128, 10),
		), nil
	case "cnn":
		return nn.NewSequential(
			nn.NewConv2d(nn.Conv2dConfig{In: 1, Out: 32, Kernel: []int{3}, Padding: []int{1}}), &nn.ReLU{},
			nn.NewMaxPool2d(2, 2),
			nn.NewConv2d(nn.Conv2dConfig{In: 32, Out: 64, Kernel: []int{3}, Padding: []int{1}}), &nn.ReLU{},
			nn.NewMaxPool2d(2, 2),
			nn.NewFlatten(),
			nn.NewLinear(64*7*7, 128), &nn.ReLU{},
			nn.NewLinear(128, 10),
		), nil
	}
	return nil, fmt.Errorf("unknown model %q (want mlp or cnn)", name)
}

// prepare shapes a batch of images [N, 28, 28] for the model: [N, 1, 28, 28] for the CNN.
func prepare(model string, x *eager.Tensor) *eager.Tensor {
	if model == "cnn" && x.Dim() == 3 {
		return x.Unsqueeze(1)
	}
	return x
}
