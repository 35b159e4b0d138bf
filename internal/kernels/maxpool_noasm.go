//go:build !amd64 || purego

package kernels

// maxPool2x2RowF32 runs no vector kernel: the Go loop does the whole row.
func maxPool2x2RowF32(out []float32, idx []int64, r0, r1 []float32, base, w int64) int {
	return 0
}
