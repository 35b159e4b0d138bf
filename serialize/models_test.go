package serialize

import (
	"math"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// checkTorchModel loads a PyTorch state dict strictly into m and compares m's output on the
// saved input with PyTorch's.
func checkTorchModel(t *testing.T, name string, m nn.Module) {
	t.Helper()
	if err := LoadModel("testdata/torch/"+name+".safetensors", m, true); err != nil {
		t.Fatal(err)
	}
	io, err := LoadNPZ("testdata/torch/" + name + "_io.npz")
	if err != nil {
		t.Fatal(err)
	}
	m.Eval()
	var y *eager.Tensor
	eager.NoGrad(func() { y = m.Forward(io["x"]) })
	if !equalShape(y.Shape(), io["y"].Shape()) {
		t.Fatalf("output shape %v, PyTorch's %v", y.Shape(), io["y"].Shape())
	}
	got, want := y.Float32s(), io["y"].Float32s()
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 2e-5*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("y[%d] = %v, PyTorch gives %v", i, got[i], want[i])
		}
	}
}

func TestTorchCNN(t *testing.T) {
	m := nn.NewSequential(
		nn.NewConv2d(nn.Conv2dConfig{In: 1, Out: 4, Kernel: []int{3}, Padding: []int{1}}), nn.NewBatchNorm2d(4), &nn.ReLU{},
		nn.NewMaxPool2d(2, 2), nn.NewConv2d(nn.Conv2dConfig{In: 4, Out: 8, Kernel: []int{3}, Stride: []int{2}}), &nn.ReLU{},
		nn.NewFlatten(), nn.NewLinear(8*3*3, 10))
	checkTorchModel(t, "cnn", m)
	bn := m.Layers[1].(*nn.BatchNorm)
	if n := bn.NumBatchesTracked.Item(); n != 3 {
		t.Errorf("num_batches_tracked = %v, PyTorch's is 3", n)
	}
}

func TestTorchTransformer(t *testing.T) {
	m := nn.NewSequential(
		nn.NewTransformerEncoderLayer(nn.TransformerEncoderLayerConfig{DModel: 16, Heads: 4, FF: 32, NoDropout: true, BatchFirst: true, NormFirst: true}),
		nn.NewLinear(16, 5))
	checkTorchModel(t, "transformer", m)
}
