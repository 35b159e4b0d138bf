package serialize_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/serialize"
)

// Save a model's state dict as safetensors and load it into a fresh model of the same
// architecture. The file loads in PyTorch too, into
// nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), with strict=True.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mlp.safetensors")

	model := nn.NewSequential(nn.NewLinear(4, 8), &nn.ReLU{}, nn.NewLinear(8, 3))
	if err := serialize.SaveModel(path, model); err != nil {
		fmt.Println(err)
		return
	}

	restored := nn.NewSequential(nn.NewLinear(4, 8), &nn.ReLU{}, nn.NewLinear(8, 3))
	if err := serialize.LoadModel(path, restored, true); err != nil {
		fmt.Println(err)
		return
	}
	x := eager.Ones(2, 4)
	same := fmt.Sprint(model.Forward(x).Float32s()) == fmt.Sprint(restored.Forward(x).Float32s())
	fmt.Println("same output:", same)

	// A model of another shape gets one error listing every problem.
	wider := nn.NewSequential(nn.NewLinear(4, 16), &nn.ReLU{}, nn.NewLinear(16, 3), nn.NewLinear(3, 1))
	fmt.Println(serialize.LoadModel(path, wider, true))
	// Output:
	// same output: true
	// serialize: error(s) in loading state dict for *nn.Sequential:
	// 	missing key(s) in state dict: "3.weight", "3.bias".
	// 	size mismatch for 0.weight: copying a tensor of shape [8 4] from the checkpoint, the shape in the current model is [16 4].
	// 	size mismatch for 0.bias: copying a tensor of shape [8] from the checkpoint, the shape in the current model is [16].
	// 	size mismatch for 2.weight: copying a tensor of shape [3 8] from the checkpoint, the shape in the current model is [3 16].
}

// Write tensors in NumPy's .npz format and read them back.
func ExampleWriteNPZ() {
	var buf bytes.Buffer
	arrays := map[string]*eager.Tensor{
		"x":      eager.FromSlice([]float32{1, 2, 3, 4}, 2, 2),
		"labels": eager.FromSlice([]int64{0, 1}),
	}
	if err := serialize.WriteNPZ(&buf, arrays, serialize.Compressed()); err != nil {
		fmt.Println(err)
		return
	}
	back, err := serialize.ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back["x"].Shape(), back["x"].Float32s(), back["labels"].DType(), back["labels"].Int64s())
	// Output: [2 2] [1 2 3 4] int64 [0 1]
}

// Safetensors files carry a string map of metadata beside the tensors; float tensors can be
// stored in half precision and come back as float32.
func ExampleWriteSafetensors() {
	var buf bytes.Buffer
	ts := map[string]*eager.Tensor{"w": eager.FromSlice([]float32{0.1, 1, 70000})}
	if err := serialize.WriteSafetensors(&buf, ts, map[string]string{"step": "100"}, serialize.WithFloat16()); err != nil {
		fmt.Println(err)
		return
	}
	back, meta, err := serialize.ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(meta["step"], back["w"].DType(), back["w"].Float32s())
	// Output: 100 float32 [0.099975586 1 +Inf]
}
