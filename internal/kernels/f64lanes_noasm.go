//go:build !amd64 || purego

package kernels

// geluF32, erfF32, geluTanhF32, logF32, rsqrtF32 and geluGradF32 compute their exported
// function on one goroutine: the Go loops.
func geluF32(dst, src []float32)      { geluGo(dst, src) }
func erfF32(dst, src []float32)       { erfGo(dst, src) }
func geluTanhF32(dst, src []float32)  { geluTanhGo(dst, src) }
func logF32(dst, src []float32)       { logGo(dst, src) }
func rsqrtF32(dst, src []float32)     { rsqrtGo(dst, src) }
func geluGradF32(dst, g, x []float32) { geluGradGo(dst, g, x) }
