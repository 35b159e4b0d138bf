package eager

import (
	"fmt"
	"math"
)

// GradCheckOptions sets the finite-difference step and the tolerances of GradCheck. The
// zero value means Eps 1e-6, Atol 1e-5, Rtol 1e-3 (PyTorch's gradcheck defaults).
type GradCheckOptions struct {
	Eps, Atol, Rtol float64
}

func (o *GradCheckOptions) defaults() {
	if o.Eps == 0 {
		o.Eps = 1e-6
	}
	if o.Atol == 0 {
		o.Atol = 1e-5
	}
	if o.Rtol == 0 {
		o.Rtol = 1e-3
	}
}

// GradCheck compares the gradients autograd computes for fn with central finite differences,
// element by element of the full Jacobian. The inputs must be float64 tensors; those that
// require grad are checked. It returns nil when every entry matches within
// Atol + Rtol*|numerical|, or an error naming the first mismatch.
func GradCheck(fn func(inputs []*Tensor) *Tensor, inputs []*Tensor, opts GradCheckOptions) error {
	opts.defaults()
	for i, in := range inputs {
		if in.requiresGrad && in.dtype != Float64 {
			return fmt.Errorf("gradcheck: input %d is %v; use float64 inputs for finite differences", i, in.dtype)
		}
	}
	var out *Tensor
	EnableGrad(func() { out = fn(inputs) })
	if !out.requiresGrad {
		return fmt.Errorf("gradcheck: the output does not require grad")
	}
	nOut := out.Numel()
	for i, in := range inputs {
		if !in.requiresGrad {
			continue
		}
		// Analytical Jacobian: one backward per output element.
		analytic := make([][]float64, nOut)
		for o := 0; o < nOut; o++ {
			var y *Tensor
			EnableGrad(func() { y = fn(inputs) })
			g := ZerosOf(Float64, y.shape...)
			g.st.f64()[o] = 1
			g = g.To(y.dtype)
			gs := Grad([]*Tensor{y}, []*Tensor{in}, GradOptions{GradOutputs: []*Tensor{g}, AllowUnused: true})
			if gs[0] == nil {
				analytic[o] = make([]float64, in.Numel())
			} else {
				analytic[o] = gs[0].Float64s()
			}
		}
		// Numerical Jacobian: perturb each element of the input's storage.
		for j := 0; j < in.Numel(); j++ {
			pos := in.offset + stridedOffset(in.shape, in.strides(), j)
			orig := in.st.f64()[pos]
			var plus, minus []float64
			EnableGrad(func() { // fn may itself call Grad (GradGradCheck)
				in.st.f64()[pos] = orig + opts.Eps
				plus = fn(inputs).Float64s()
				in.st.f64()[pos] = orig - opts.Eps
				minus = fn(inputs).Float64s()
			})
			in.st.f64()[pos] = orig
			for o := 0; o < nOut; o++ {
				num := (plus[o] - minus[o]) / (2 * opts.Eps)
				a := analytic[o][j]
				if math.IsNaN(a) != math.IsNaN(num) || math.Abs(a-num) > opts.Atol+opts.Rtol*math.Abs(num) {
					return fmt.Errorf("gradcheck: input %d (shape %v), element %d, output element %d: analytical %.8g, numerical %.8g", i, in.shape, j, o, a, num)
				}
			}
		}
	}
	return nil
}

// GradGradCheck checks second derivatives: it runs GradCheck on the function that maps the
// inputs and an output gradient v to the gradients of fn (computed with CreateGraph), so the
// backward of every op's backward is compared with finite differences.
func GradGradCheck(fn func(inputs []*Tensor) *Tensor, inputs []*Tensor, opts GradCheckOptions) error {
	var out *Tensor
	EnableGrad(func() { out = fn(inputs) })
	v := RandnOf(Float64, out.shape...).SetRequiresGrad(true)
	var diff []*Tensor
	for _, in := range inputs {
		if in.requiresGrad {
			diff = append(diff, in)
		}
	}
	all := append(append([]*Tensor(nil), inputs...), v)
	return GradCheck(func(xs []*Tensor) *Tensor {
		y := fn(xs[:len(xs)-1])
		gs := Grad([]*Tensor{y}, diff, GradOptions{GradOutputs: []*Tensor{xs[len(xs)-1]}, CreateGraph: true, AllowUnused: true})
		var flat []*Tensor
		for k, g := range gs {
			if g == nil {
				g = ZerosLike(diff[k])
			}
			flat = append(flat, g.Reshape(-1))
		}
		return Cat(flat, 0)
	}, all, opts)
}

// stridedOffset returns the storage offset (relative to the tensor's offset) of the j-th
// element in row-major order.
func stridedOffset(shape, strides []int, j int) int {
	off := 0
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] == 0 {
			return 0
		}
		off += (j % shape[d]) * strides[d]
		j /= shape[d]
	}
	return off
}
