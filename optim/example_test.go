package optim_test

import (
	"fmt"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/optim"
)

// A training loop: zero the gradients, compute the loss, backpropagate, clip, step the
// optimizer, then the scheduler.
func Example() {
	eager.ManualSeed(0)
	x := eager.Randn(64, 3)
	y := x.MatMul(eager.FromSlice([]float32{2, -1, 0.5}, 3, 1)).AddScalar(0.3)

	w := eager.Zeros(3, 1).SetRequiresGrad(true)
	b := eager.Zeros(1).SetRequiresGrad(true)
	params := []*eager.Tensor{w, b}
	opt := optim.NewAdam(params, optim.AdamConfig{LR: 0.1})
	warmup := optim.NewLinearLR(opt, 0.1, 1, 10)
	decay := optim.NewCosineAnnealingLR(opt, 290, 0)
	sched := optim.NewSequentialLR(opt, []optim.Scheduler{warmup, decay}, []int{10})

	for step := 0; step < 300; step++ {
		opt.ZeroGrad()
		loss := x.MatMul(w).Add(b).Sub(y).Square().Mean()
		loss.Backward()
		optim.ClipGradNorm(params, 1.0, 2)
		opt.Step()
		sched.Step()
	}
	fmt.Printf("w = %.3f, b = %.3f\n", w.Float32s(), b.Item())
	// Output: w = [2.000 -1.000 0.500], b = 0.300
}
