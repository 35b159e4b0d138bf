package profile

import (
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// BenchmarkMLPStep is one forward and backward pass of a 784-256-128-10 MLP on a batch of 64
// with the profiler off (never started, and after a profile ended: the same cost) and on.
func BenchmarkMLPStep(b *testing.B) {
	eager.ManualSeed(1)
	m := nn.NewSequential(nn.NewLinear(784, 256), &nn.ReLU{}, nn.NewLinear(256, 128), &nn.ReLU{}, nn.NewLinear(128, 10))
	x := eager.Randn(64, 784)
	y := eager.RandInt(0, 10, 64)
	step := func() {
		m.ZeroGrad()
		nn.CrossEntropy(m.Forward(x), y).Backward()
	}
	run := func(b *testing.B) {
		step()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			step()
		}
	}
	b.Run("profiler=off", run)
	b.Run("profiler=off-after-stop", func(b *testing.B) {
		Run(step)
		run(b)
	})
	b.Run("profiler=on", func(b *testing.B) {
		Start()
		defer Stop()
		run(b)
	})
}

// BenchmarkOpOverhead is one small op (Add of one-element tensors) with the profiler off and
// on: the difference is what recording an event costs.
func BenchmarkOpOverhead(b *testing.B) {
	x, y := eager.Full(1, 1), eager.Full(2, 1)
	run := func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = x.Add(y)
		}
	}
	b.Run("profiler=off", run)
	b.Run("profiler=on", func(b *testing.B) {
		Start()
		defer Stop()
		run(b)
	})
}
