package kernels

import "unsafe"

// ReLUBackward is the gradient of ReLU from its output y (PyTorch's threshold_backward at 0):
//
//	dst[i] = g[i] if y[i] > 0, else +0 (also where y[i] is NaN)
func ReLUBackward[T Float](dst, g, y []T) {
	g, y = g[:len(dst)], y[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		d, gf, yf := asF32(dst), asF32(g), asF32(y)
		if len(d) < splitLen {
			reluBackwardF32(d, gf, yf)
			return
		}
		split3(reluBackwardF32, d, gf, yf)
		return
	}
	reluBackwardGo(dst, g, y)
}

func reluBackwardGo[T Float](dst, g, y []T) {
	g, y = g[:len(dst)], y[:len(dst)]
	for i := range dst {
		v := g[i]
		if !(y[i] > 0) {
			v = 0
		}
		dst[i] = v
	}
}
