//go:build amd64 && !purego

package kernels

//go:noescape
func reluBackwardAVX2(dst, g, y []float32)

func reluBackwardF32(dst, g, y []float32) {
	if hasAVX2 {
		reluBackwardAVX2(dst, g, y)
		return
	}
	reluBackwardGo(dst, g, y)
}
