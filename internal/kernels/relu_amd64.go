//go:build amd64 && !purego

package kernels

// reluAVX2F32 and reluAVX2F64 are reluGo over len(dst) elements (src at least as long).
//
//go:noescape
func reluAVX2F32(dst, src []float32)

//go:noescape
func reluAVX2F64(dst, src []float64)

func reluF32(dst, src []float32) {
	if hasAVX2 {
		reluAVX2F32(dst, src)
		return
	}
	reluGo(dst, src)
}

func reluF64(dst, src []float64) {
	if hasAVX2 {
		reluAVX2F64(dst, src)
		return
	}
	reluGo(dst, src)
}
