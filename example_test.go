package eager_test

import (
	"fmt"

	"github.com/eagerml/eager"
)

// Tensors are made from Go slices (the dtype follows the element type) or by creation
// functions, and print as PyTorch prints them.
func ExampleFromSlice() {
	x := eager.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x)
	fmt.Println(x.Shape(), x.DType(), x.T().Shape())

	fmt.Println(eager.Arange(0, 1, 0.25))
	fmt.Println(eager.Zeros(2).Add(eager.Full(1.5, 3, 1))) // broadcasting
	fmt.Println(eager.FromSlice([]int64{3, 1, 2}).ArgMax(0).Item())
	// Output:
	// tensor([[1., 2., 3.],
	//         [4., 5., 6.]], shape=[2 3], dtype=float32)
	// [2 3] float32 [3 2]
	// tensor([0.0000, 0.2500, 0.5000, 0.7500], shape=[4], dtype=float32)
	// tensor([[1.5000, 1.5000],
	//         [1.5000, 1.5000],
	//         [1.5000, 1.5000]], shape=[3 2], dtype=float32)
	// 0
}

// Backward computes the gradient of a one-element output with respect to every leaf that
// requires grad.
func ExampleTensor_Backward() {
	w := eager.FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	x := eager.FromSlice([]float32{0.5, -1, 2})
	loss := w.Mul(x).Sum().Square() // (w·x)^2 = 4.5^2
	fmt.Println(loss.Item(), loss.GradFn())

	loss.Backward() // d/dw = 2 (w·x) x
	fmt.Println(w.Grad())
	// Output:
	// 20.25 MulBackward
	// tensor([ 4.5000, -9.0000, 18.0000], shape=[3], dtype=float32)
}

// NoGrad turns off recording for the calling goroutine, for evaluation and for updating
// parameters in place.
func ExampleNoGrad() {
	w := eager.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	w.Square().Sum().Backward()

	eager.NoGrad(func() {
		fmt.Println(w.MulScalar(2).RequiresGrad())
		w.AddScaledInPlace(w.Grad(), -0.25) // a step of gradient descent
	})
	fmt.Println(w.MulScalar(2).RequiresGrad())
	fmt.Println(w)
	// Output:
	// false
	// true
	// tensor([0.5000, 1.0000], shape=[2], dtype=float32, requires_grad=true)
}

// Grad with CreateGraph returns gradients that are themselves differentiable, for
// higher-order derivatives: here the first three derivatives of x^3 at x = 2.
func ExampleGrad() {
	x := eager.FromSlice([]float64{2}).SetRequiresGrad(true)
	y := x.PowScalar(3)
	d1 := eager.Grad([]*eager.Tensor{y}, []*eager.Tensor{x}, eager.GradOptions{CreateGraph: true})[0]
	d2 := eager.Grad([]*eager.Tensor{d1}, []*eager.Tensor{x}, eager.GradOptions{CreateGraph: true})[0]
	d3 := eager.Grad([]*eager.Tensor{d2}, []*eager.Tensor{x}, eager.GradOptions{})[0]
	fmt.Println(d1.Item(), d2.Item(), d3.Item()) // 3x^2, 6x, 6
	// Output:
	// 12 12 6
}

// Large elementwise ops that nothing records are deferred: the chain below runs as one pass
// over memory when its result is first read, with the same values as op by op.
func ExampleSetDeferredFusion() {
	x := eager.Full(2, 1<<20) // 1M elements: large enough to defer
	w := eager.Full(3, 1<<20)
	y := x.Mul(w).AddScalar(1).ReLU() // checked now, computed when read
	fmt.Println(y.Realize().Size(0), y.Float32s()[0])

	previous := eager.SetDeferredFusion(false) // every op computes at its call
	z := x.Mul(w).AddScalar(1).ReLU()
	eager.SetDeferredFusion(previous)
	fmt.Println(z.Float32s()[0])
	// Output:
	// 1048576 7
	// 7
}
