//go:build !amd64 || purego

package kernels

// maxPool2x2RowF32 runs no vector kernel: the Go loop does the whole row.
func maxPool2x2RowF32(out []float32, idx []int64, r0, r1 []float32, base, w int64) int {
	return 0
}

// maxPool2x2PlaneF32 runs no vector kernel: MaxPool2x2Plane goes row by row.
func maxPool2x2PlaneF32(out []float32, idx []int64, x []float32, w, oh, ow int) bool { return false }
