package kernels

// Add is
//
//	for i := range dst {
//		dst[i] = a[i] + b[i]
//	}
func Add[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Sub is dst[i] = a[i] - b[i].
func Sub[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// Mul is dst[i] = a[i] * b[i].
func Mul[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// Div is dst[i] = a[i] / b[i].
func Div[T Float](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

// AddScalar is dst[i] = a[i] + s.
func AddScalar[T Num](dst, a []T, s T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + s
	}
}

// SubScalar is dst[i] = a[i] - s.
func SubScalar[T Num](dst, a []T, s T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - s
	}
}

// ScalarSub is dst[i] = s - a[i].
func ScalarSub[T Num](dst []T, s T, a []T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = s - a[i]
	}
}

// MulScalar is dst[i] = a[i] * s.
func MulScalar[T Num](dst, a []T, s T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * s
	}
}

// DivScalar is dst[i] = a[i] / s.
func DivScalar[T Float](dst, a []T, s T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / s
	}
}

// ScalarDiv is dst[i] = s / a[i].
func ScalarDiv[T Float](dst []T, s T, a []T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = s / a[i]
	}
}

// Axpy is
//
//	for i := range y {
//		y[i] += alpha * x[i]
//	}
func Axpy[T Float](y []T, alpha T, x []T) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
}

// Fill is dst[i] = v.
func Fill[T any](dst []T, v T) {
	for i := range dst {
		dst[i] = v
	}
}

// Sum returns the sum of x, accumulated in float64 for float32 input (as PyTorch's CPU
// reductions accumulate in a wider type) and in 8 independent lanes for speed; the lane
// order is fixed, so the result is deterministic.
func Sum[T Float](x []T) T {
	var acc [8]float64
	i := 0
	for ; i+8 <= len(x); i += 8 {
		acc[0] += float64(x[i])
		acc[1] += float64(x[i+1])
		acc[2] += float64(x[i+2])
		acc[3] += float64(x[i+3])
		acc[4] += float64(x[i+4])
		acc[5] += float64(x[i+5])
		acc[6] += float64(x[i+6])
		acc[7] += float64(x[i+7])
	}
	for ; i < len(x); i++ {
		acc[0] += float64(x[i])
	}
	return T(((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])))
}

// Dot returns sum(a[i]*b[i]), accumulated like Sum.
func Dot[T Float](a, b []T) T {
	b = b[:len(a)]
	var acc [4]float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		acc[0] += float64(a[i]) * float64(b[i])
		acc[1] += float64(a[i+1]) * float64(b[i+1])
		acc[2] += float64(a[i+2]) * float64(b[i+2])
		acc[3] += float64(a[i+3]) * float64(b[i+3])
	}
	for ; i < len(a); i++ {
		acc[0] += float64(a[i]) * float64(b[i])
	}
	return T((acc[0] + acc[1]) + (acc[2] + acc[3]))
}
