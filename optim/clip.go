package optim

import (
	"math"

	"github.com/eagerml/eager"
)

// ClipGradNorm scales the gradients of params in place so that their total normType-norm
// (the norm of all gradients concatenated) is at most maxNorm, and returns that total norm
// before clipping, as torch.nn.utils.clip_grad_norm_ does: the scale is
// min(1, maxNorm/(total+1e-6)), computed in the gradients' dtype. normType is 2 for the
// Euclidean norm and math.Inf(1) for the max norm. Parameters without a gradient are skipped;
// with none at all it returns 0.
func ClipGradNorm(params []*eager.Tensor, maxNorm, normType float64) float64 {
	const op = "optim.ClipGradNorm"
	if !(normType > 0) {
		fail(op, "norm type must be positive (2 for the Euclidean norm, math.Inf(1) for the max norm), got %v", normType)
	}
	if math.IsNaN(maxNorm) {
		fail(op, "max norm is NaN")
	}
	var grads []*eager.Tensor
	for _, p := range params {
		if g := p.BorrowGrad(); g != nil {
			grads = append(grads, g.Detach())
		}
	}
	if len(grads) == 0 {
		return 0
	}
	dt := grads[0].DType()
	var total float64
	eager.NoGrad(func() {
		norms := make([]*eager.Tensor, len(grads))
		for i, g := range grads {
			norms[i] = g.Norm(normType).To(dt)
		}
		t := norms[0]
		if len(norms) > 1 || !math.IsInf(normType, 1) {
			t = eager.Stack(norms, 0).Norm(normType)
		}
		total = t.Item()
		coef := eager.ScalarOf(dt, maxNorm).Div(t.AddScalar(1e-6)).Clamp(math.Inf(-1), 1)
		for _, g := range grads {
			g.MulInPlace(coef)
		}
	})
	return total
}

// ClipGradValue clamps the gradients of params in place to [-clip, clip], as
// torch.nn.utils.clip_grad_value_ does. Parameters without a gradient are skipped.
func ClipGradValue(params []*eager.Tensor, clip float64) {
	if !(clip >= 0) {
		fail("optim.ClipGradValue", "clip value must be >= 0, got %v", clip)
	}
	eager.NoGrad(func() {
		for _, p := range params {
			if g := p.BorrowGrad(); g != nil {
				g = g.Detach()
				g.CopyFrom(g.Clamp(-clip, clip))
			}
		}
	})
}
