// Package kernels holds eager's raw numeric loops over contiguous slices: elementwise
// arithmetic, unary math, reductions and GEMM, for float32 and float64 (and int64 where it
// makes sense). Kernels know nothing of tensors, shapes or autograd; the root package handles
// strides and broadcasting and calls these on contiguous runs.
//
// Every kernel's doc comment states its meaning as a Go loop. The implementations here are
// portable Go; assembly variants (AVX2/AVX-512) replace them behind build tags, with these
// loops kept as the reference that tests compare against.
package kernels

// Float is the set of floating-point element types kernels support.
type Float interface{ ~float32 | ~float64 }

// Num is the set of numeric element types kernels support.
type Num interface{ ~float32 | ~float64 | ~int64 }
