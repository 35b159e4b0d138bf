package kernels

// Addcmul is
//
//	for i := range dst {
//		dst[i] += value * a[i] * b[i]
//	}
//
// evaluated as dst[i] + (value*a[i])*b[i], the order of PyTorch's CPU addcmul kernel, so that
// optimizers that use it round as PyTorch does. dst may alias a or b.
func Addcmul[T Float](dst []T, value T, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] += value * a[i] * b[i]
	}
}

// Addcdiv is
//
//	for i := range dst {
//		dst[i] += value * a[i] / b[i]
//	}
//
// evaluated as dst[i] + (value*a[i])/b[i], the order of PyTorch's CPU addcdiv kernel. dst may
// alias a or b.
func Addcdiv[T Float](dst []T, value T, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] += value * a[i] / b[i]
	}
}
