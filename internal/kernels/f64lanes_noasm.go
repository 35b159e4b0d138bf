//go:build !amd64 || purego

package kernels

// erfF32, geluTanhF32, logF32 and rsqrtF32 compute their exported function on one
// goroutine: the Go loops.
func erfF32(dst, src []float32)      { erfGo(dst, src) }
func geluTanhF32(dst, src []float32) { geluTanhGo(dst, src) }
func logF32(dst, src []float32)      { logGo(dst, src) }
func rsqrtF32(dst, src []float32)    { rsqrtGo(dst, src) }

// lanesVariants lists the ways this build has: the Go loops.
func lanesVariants() []lanesVariant {
	return []lanesVariant{{"go", erfGo, geluTanhGo, logGo, rsqrtGo}}
}
