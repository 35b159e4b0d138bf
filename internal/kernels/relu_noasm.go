//go:build !amd64 || purego

package kernels

func reluF32(dst, src []float32) { reluGo(dst, src) }
func reluF64(dst, src []float64) { reluGo(dst, src) }
