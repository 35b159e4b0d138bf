//go:build !amd64 || purego

package kernels

// geluF32 computes GELUF32 on one goroutine.
func geluF32(dst, src []float32) { geluGo(dst, src) }

// geluGradF32 computes GELUBackwardF32 on one goroutine.
func geluGradF32(dst, g, x []float32) { geluGradGo(dst, g, x) }

// logF32 computes LogF32 on one goroutine.
func logF32(dst, src []float32) { logGo(dst, src) }

// erfF32 computes ErfF32 on one goroutine.
func erfF32(dst, src []float32) { erfGo(dst, src) }

// geluTanhF32 computes GELUTanhF32 on one goroutine.
func geluTanhF32(dst, src []float32) { geluTanhGo(dst, src) }

// rsqrtF32 computes RsqrtF32 on one goroutine.
func rsqrtF32(dst, src []float32) { rsqrtGo(dst, src) }
