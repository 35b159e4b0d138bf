package eager

// Function is a user-defined differentiable op, PyTorch's torch.autograd.Function: the user
// supplies the forward computation and its backward. Forward runs with gradient recording
// off; Backward receives the gradient of the output and returns one gradient per input
// (nil for inputs that need none). Writing Backward with tensor ops makes the function
// twice differentiable.
//
//	cube := &eager.Function{
//		Name: "Cube",
//		Forward: func(ctx *eager.FunctionCtx, xs ...*eager.Tensor) *eager.Tensor {
//			ctx.SaveForBackward(xs[0])
//			return xs[0].Mul(xs[0]).Mul(xs[0])
//		},
//		Backward: func(ctx *eager.FunctionCtx, g *eager.Tensor) []*eager.Tensor {
//			x := ctx.Saved()[0]
//			return []*eager.Tensor{g.Mul(x.Mul(x)).MulScalar(3)}
//		},
//	}
//	y := cube.Apply(x)
type Function struct {
	Name     string
	Forward  func(ctx *FunctionCtx, inputs ...*Tensor) *Tensor
	Backward func(ctx *FunctionCtx, grad *Tensor) []*Tensor
}

// FunctionCtx carries values from a Function's Forward to its Backward.
type FunctionCtx struct {
	saved []*Tensor
	// Values holds any non-tensor state Forward wants Backward to see.
	Values map[string]any
}

// SaveForBackward keeps tensors for Backward. Modifying one in place before Backward is
// reported, as for built-in ops.
func (c *FunctionCtx) SaveForBackward(ts ...*Tensor) { c.saved = append(c.saved, ts...) }

// Saved returns the tensors passed to SaveForBackward, in order.
func (c *FunctionCtx) Saved() []*Tensor { return c.saved }

// Apply runs the function on inputs and, when an input requires grad, records it on the tape.
func (f *Function) Apply(inputs ...*Tensor) *Tensor {
	name := f.Name
	if name == "" {
		name = "Function"
	}
	if f.Forward == nil || f.Backward == nil {
		failf(name, "a Function needs both Forward and Backward")
	}
	ctx := &FunctionCtx{Values: map[string]any{}}
	detached := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		detached[i] = in.Detach()
	}
	var out *Tensor
	NoGrad(func() { out = f.Forward(ctx, detached...) })
	if out == nil {
		failf(name, "Forward returned nil")
	}
	out = out.Detach()
	// Saved inputs refer to the caller's tensors, not the detached copies Forward saw, so
	// that a Backward written with tensor ops is differentiable again (double backward).
	for i, s := range ctx.saved {
		for j, d := range detached {
			if s == d {
				ctx.saved[i] = inputs[j]
			}
		}
	}
	if needsGradN(inputs...) {
		op := &OpInfo{Name: name, Differentiable: true, custom: true}
		n := record(op, out, func(g *Tensor) []*Tensor {
			gs := f.Backward(ctx, g)
			if len(gs) != len(inputs) {
				failf(name, "Backward returned %d gradients for %d inputs", len(gs), len(inputs))
			}
			for i, gi := range gs {
				if gi != nil && !sameShape(gi.shape, inputs[i].shape) {
					failf(name, "Backward returned a gradient of shape %v for input %d of shape %v", gi.shape, i, inputs[i].shape)
				}
			}
			return gs
		}, inputs...)
		n.save(ctx.saved...)
	}
	return out
}
