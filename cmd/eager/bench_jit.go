package main

// The compiled (jit) forms of eager bench's workloads: the same step, traced once by
// jit.Compile and then run as its optimized graph. Each returns the step, the work per step
// (as its eager form) and the compiled function, whose Stats the worker checks.

import (
	"github.com/eagerml/eager"
	"github.com/eagerml/eager/jit"
)

func jitAdd1() (func(), float64, *jit.Func) {
	x, y := eager.Full(1, 1), eager.Full(2, 1)
	f := jit.Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{xs[0].Add(xs[1])} })
	return func() {
		for i := 0; i < opsPerStep; i++ {
			_ = f.Call(x, y)
		}
	}, opsPerStep, f
}

func jitTinyBackward() (func(), float64, *jit.Func) {
	a := eager.Full(1, 1).SetRequiresGrad(true)
	b := eager.Full(2, 1).SetRequiresGrad(true)
	c := eager.Full(3, 1).SetRequiresGrad(true)
	f := jit.Compile(func(...*eager.Tensor) []*eager.Tensor {
		a.Mul(b).Add(c).Sum().Backward()
		return nil
	})
	return func() {
		for i := 0; i < opsPerStep; i++ {
			_ = f.Call()
		}
	}, opsPerStep, f
}

// sum10kLen is how many one-element tensors sum10k adds up, one Add at a time: the textbook
// case of per-op overhead (a Python loop over torch tensors takes about 0.7 µs per add).
const sum10kLen = 10000

func sum10kInputs() []*eager.Tensor {
	eager.ManualSeed(1)
	xs := make([]*eager.Tensor, sum10kLen)
	for i := range xs {
		xs[i] = eager.Randn(1)
	}
	return xs
}

func sumList(xs ...*eager.Tensor) []*eager.Tensor {
	s := xs[0]
	for _, x := range xs[1:] {
		s = s.Add(x)
	}
	return []*eager.Tensor{s}
}

func benchSum10k() (func(), float64) {
	xs := sum10kInputs()
	return func() { _ = sumList(xs...) }, sum10kLen - 1
}

func jitSum10k() (func(), float64, *jit.Func) {
	xs := sum10kInputs()
	f := jit.Compile(sumList)
	return func() { _ = f.Call(xs...) }, sum10kLen - 1, f
}

func jitChain() (func(), float64, *jit.Func) {
	x, w, b := chainInputs()
	f := jit.Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{chain(xs[0], xs[1], xs[2])} })
	return func() { f.Call(x, w, b)[0].Realize() }, 1, f
}

func jitGELU() (func(), float64, *jit.Func) {
	eager.ManualSeed(1)
	const n = 1 << 20
	x := eager.Randn(n).SetRequiresGrad(true)
	g := eager.Randn(n)
	// The gradient is returned: a step whose only effect were a gradient that it then zeroes
	// would compile to nothing.
	f := jit.Compile(func(...*eager.Tensor) []*eager.Tensor {
		x.GELU().BackwardWith(eager.BackwardOptions{Grad: g})
		gx := x.Grad()
		x.ZeroGrad()
		return []*eager.Tensor{gx}
	})
	return func() { _ = f.Call() }, 1, f
}

// jitTrain returns a training workload's compiled step: zero the gradients, forward,
// cross-entropy, backward and the optimizer update, all in one graph.
func jitTrain(parts func(capturable bool) trainParts) func() (func(), float64, *jit.Func) {
	return func() (func(), float64, *jit.Func) {
		p := parts(true)
		f := jit.Compile(p.trainStep)
		return func() { _ = f.Call(p.x, p.target) }, p.samples, f
	}
}
