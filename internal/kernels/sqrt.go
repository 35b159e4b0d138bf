package kernels

import (
	"math"
	"unsafe"
)

// Sqrt is
//
//	for i := range dst {
//		dst[i] = sqrt(src[i])
//	}
//
// computed in float64 and rounded, which is correctly rounded for float32 too. As a direct
// loop the square root compiles to one instruction per element, several times faster than a
// call through a function value.
func Sqrt[T Float](dst, src []T) {
	src = src[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		fn := sqrtSplit
		if streams(asF32(dst), asF32(src)) {
			fn = sqrtStreamSplit
		}
		splitScalar(fn, asF32(dst), asF32(src), 0)
		return
	}
	sqrtGo(dst, src)
}

func sqrtGo[T Float](dst, src []T) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = T(math.Sqrt(float64(v)))
	}
}
