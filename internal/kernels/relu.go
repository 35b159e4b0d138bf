package kernels

import "unsafe"

// ReLU is
//
//	for i, v := range src {
//		if v > 0 || v != v {
//			dst[i] = v
//		} else {
//			dst[i] = 0
//		}
//	}
//
// so NaN is kept bit for bit and -0 becomes +0. The assembly compares and masks eight (or
// four) values at a time, without the branch a Go loop mispredicts on random signs. dst may
// alias src.
func ReLU[T Float](dst, src []T) {
	src = src[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		reluF32(asF32(dst), asF32(src))
		return
	}
	reluF64(asF64(dst), asF64(src))
}

func reluGo[T Float](dst, src []T) {
	src = src[:len(dst)]
	for i, v := range src {
		if v > 0 || v != v {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}
