package kernels

import (
	"fmt"
	"testing"
)

// BenchmarkTranspose copies float32 matrices transposed (Transpose, one goroutine; the
// pure-Go loop as "go", the loop Transpose replaces as "strided"), into a reused dst.
func BenchmarkTranspose(b *testing.B) {
	for _, s := range [][2]int{{64, 128}, {256, 784}, {784, 256}, {1024, 1024}} {
		rows, cols := s[0], s[1]
		src, dst := make([]float32, rows*cols), make([]float32, rows*cols)
		for i := range src {
			src[i] = float32(i)
		}
		for _, v := range []struct {
			name string
			fn   func()
		}{
			{"kernel", func() { Transpose(dst, cols, src, rows, rows, cols) }},
			{"go", func() { transposeGo(dst, cols, src, rows, 0, rows, 0, cols) }},
			{"strided", func() {
				for i := 0; i < rows; i++ {
					for j := 0; j < cols; j++ {
						dst[i*cols+j] = src[j*rows+i]
					}
				}
			}},
		} {
			b.Run(fmt.Sprintf("%dx%d/%s", rows, cols, v.name), func(b *testing.B) {
				for b.Loop() {
					v.fn()
				}
				b.ReportMetric(float64(8*rows*cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
	}
}
