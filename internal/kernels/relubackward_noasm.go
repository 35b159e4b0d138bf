//go:build !amd64 || purego

package kernels

func reluBackwardF32(dst, g, y []float32) { reluBackwardGo(dst, g, y) }
