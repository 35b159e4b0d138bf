package jit

import (
	"strings"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/profile"
)

// TestProfilerSeesCompiledKernels checks that a compiled function's own kernels (fused
// loops) appear in the profiler's table beside the eager ops it replays.
func TestProfilerSeesCompiledKernels(t *testing.T) {
	f := Compile1(func(x *eager.Tensor) *eager.Tensor {
		return x.MulScalar(2).AddScalar(1).ReLU().Sum()
	})
	x := eager.Randn(64, 64)
	f.Call(x) // trace
	rep := profile.Run(func() { f.Call(x) })
	table := rep.Table()
	if !strings.Contains(table, "jit.Fused") {
		t.Fatalf("profile of a compiled call lacks its fused kernel:\n%s", table)
	}
}
