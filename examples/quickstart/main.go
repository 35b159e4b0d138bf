package main

import (
	"fmt"

	"github.com/eagerml/eager"
)

func main() {
	eager.ManualSeed(0)
	x := eager.Randn(64, 3)                                                  // inputs
	y := x.MatMul(eager.FromSlice([]float32{2, -1, 0.5}, 3, 1)).AddScalar(1) // targets
	w := eager.Zeros(3, 1).SetRequiresGrad(true)
	b := eager.Zeros(1).SetRequiresGrad(true)
	for step := 0; step < 200; step++ {
		loss := x.MatMul(w).Add(b).Sub(y).Square().Mean()
		loss.Backward()
		eager.NoGrad(func() { // plain SGD
			w.AddScaledInPlace(w.Grad(), -0.1)
			b.AddScaledInPlace(b.Grad(), -0.1)
		})
		w.ZeroGrad()
		b.ZeroGrad()
	}
	fmt.Println(w, b) // close to [2 -1 0.5] and 1
}
