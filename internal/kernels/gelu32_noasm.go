//go:build !amd64 || purego

package kernels

// geluF32 and geluGradF32 compute GELUF32 and GELUBackwardF32 on one goroutine: the Go loops.
func geluF32(dst, src []float32)      { geluGo(dst, src) }
func geluGradF32(dst, g, x []float32) { geluGradGo(dst, g, x) }

// geluKernels lists the assembly kernel pairs this build runs, for the tests: none.
func geluKernels() []geluKernel { return nil }
