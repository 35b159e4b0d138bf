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

// TestProfilerCountsGemmFLOPs checks the FLOPs a compiled GEMM (Linear with bias and ReLU,
// one native kernel) reports: 2·M·N·K for the product and one per element for the epilogue,
// as for eager's matmul, so that the profiler's GFLOP/s column is the kernel's rate.
func TestProfilerCountsGemmFLOPs(t *testing.T) {
	w, b := eager.Randn(32, 48), eager.Randn(32)
	f := Compile1(func(x *eager.Tensor) *eager.Tensor { return eager.Linear(x, w, b).ReLU() })
	x := eager.Randn(16, 48)
	f.Call(x)
	rep := profile.Run(func() { f.Call(x) })
	var flops int64
	for _, e := range rep.Events {
		if e.Name == "jit.Gemm" {
			flops += e.FLOPs
		}
	}
	if want := int64(16 * 32 * (2*48 + 1)); flops != want {
		t.Fatalf("jit.Gemm FLOPs %d, want %d\n%s", flops, want, rep.Table())
	}
}
