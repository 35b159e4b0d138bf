//go:build !amd64 || purego

package kernels

// sumColsChunkF32 is sumColsChunkGo: this build has no vector kernel.
func sumColsChunkF32(dst []float64, src []float32, stride, n int) {
	sumColsChunkGo(dst, src, stride, n)
}

// sumColsVariants lists the float32 SumCols chunk kernels this build runs, for tests.
func sumColsVariants() map[string]func(dst []float64, src []float32, stride, n int) {
	return map[string]func(dst []float64, src []float32, stride, n int){"go": sumColsChunkGo[float32]}
}

// sumColsWidth is SumColsWidth for float32.
func sumColsWidth(int, int) int { return 64 }
