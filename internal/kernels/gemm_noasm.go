//go:build !amd64 || purego

package kernels

var (
	gemmF32 = goGemmConfig[float32]("go")
	gemmF64 = goGemmConfig[float64]("go")
)

// gemmVariants lists every GEMM configuration this build runs, for tests and benchmarks.
func gemmVariants() ([]*gemmConfig[float32], []*gemmConfig[float64]) {
	return []*gemmConfig[float32]{gemmF32}, []*gemmConfig[float64]{gemmF64}
}

// packCols8F32 has no portable fast version: packCols8's loop does the work.
var packCols8F32 func(panel []float32, nr int, src []float32, ld, kc int)
