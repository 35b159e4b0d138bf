package jit_test

import (
	"fmt"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/jit"
)

// Compile a function, call it, and print the graph it runs: five eager ops become one
// fused loop.
func ExampleCompile() {
	f := jit.Compile(func(xs ...*eager.Tensor) []*eager.Tensor {
		x, w, b := xs[0], xs[1], xs[2]
		return []*eager.Tensor{x.Mul(w).Add(b).ReLU().MulScalar(0.5).Add(x)}
	})
	x := eager.FromSlice([]float32{1, -2, 3, -4}, 2, 2)
	w := eager.FromSlice([]float32{2, 2, 2, 2}, 2, 2)
	b := eager.FromSlice([]float32{1, 1}, 2)
	fmt.Println(f.Call(x, w, b)[0].Float32s())
	fmt.Println(f.Call(w, x, b)[0].Float32s()) // same signature: the cached graph runs
	fmt.Print(f.Graph())
	fmt.Printf("%+v\n", f.Stats().Reasons)
	// Output:
	// [2.5 -2 6.5 -4]
	// [3.5 2 5.5 2]
	// %0 = Input #0 : f32[2 2]
	// %1 = Input #1 : f32[2 2]
	// %2 = Input #2 : f32[2]
	// %3 = Fused{r0=Mul(in0,in1); r1=Add(r0,in2); r2=ReLU(r1); r3=Mul(r2,0.5); r4=Add(r3,in0) -> r4}(%0, %1, %2) : f32[2 2]  // example_test.go:15
	// return %3
	// # memplan: native kernels produce 16 B per call; 16 B are new buffers at each call, 0 B live in 0 reused slots kept across calls (0 B), 0 outputs overwrite dead inputs, 0 are written straight into the tensor they update: 0 B of allocation saved per call
	// [first call]
}

// Reading a traced tensor's values is refused, naming the line.
func ExampleFunc_TryCall() {
	f := jit.Compile1(func(x *eager.Tensor) *eager.Tensor {
		if x.Sum().Item() > 0 {
			return x
		}
		return x.Neg()
	})
	_, err := f.TryCall(eager.Ones(3))
	fmt.Println(err)
	// Output:
	// jit: Item: fn reads the values of a traced tensor of shape []: the graph cannot depend on data, and Go code branching on it would be baked into every call; compute with tensor ops (Where, Maximum, masks) or read the values outside the compiled function (example_test.go:39)
}
