package kernels

import (
	"unsafe"

	"github.com/eagerml/eager/internal/parallel"
)

// The exported kernels below are generic; for float32 they call the *F32 functions, which
// are AVX2 assembly on amd64 (elementwise_amd64.s) when the CPU has it and otherwise the Go
// loops named *Go here, the reference the assembly is tested against. The element type
// check is a compile-time constant per instantiation (only float32 is 4 bytes wide in Num).

// splitLen is the length from which the float32 elementwise kernels split their slices
// across cores (in fixed chunks; each element is computed alone, so no bit depends on the
// split): below it, waking a second core costs more than the second core's memory bandwidth
// brings.
const splitLen = 1 << 18

func split3(fn func(dst, a, b []float32), dst, a, b []float32) {
	if len(dst) < splitLen {
		fn(dst, a, b)
		return
	}
	parallel.For(len(dst), splitLen/2, func(lo, hi int) { fn(dst[lo:hi], a[lo:hi], b[lo:hi]) })
}

// streamMin is the output length (float32 elements, 8 MiB) from which the elementwise kernels
// write a fresh output with non-temporal stores: an output that large does not stay in the
// caches anyway, and streaming it skips reading every destination line first (a third of the
// traffic). An output that overwrites an operand (an in-place op) is written as usual: its
// lines were just read into the cache, and streaming them out evicts what the next op would
// read from L3 (AddScalar in place on 4M floats, then Sum, on a Zen 3 with 32 MiB of L3:
// 0.55-1.25 ms with ordinary stores, 1.76-2.10 ms streamed).
const streamMin = 2 << 20

// streams reports whether a kernel writing dst from the operands ops writes with
// non-temporal stores: dst has streamMin elements or more and overlaps no operand.
func streams(dst []float32, ops ...[]float32) bool {
	if len(dst) < streamMin {
		return false
	}
	d0 := uintptr(unsafe.Pointer(unsafe.SliceData(dst)))
	d1 := d0 + uintptr(len(dst))*4
	for _, o := range ops {
		o0 := uintptr(unsafe.Pointer(unsafe.SliceData(o)))
		if len(o) > 0 && o0 < d1 && d0 < o0+uintptr(len(o))*4 {
			return false
		}
	}
	return true
}

// pick returns the streaming variant of a kernel when it streams (see streams).
func pick(dst, a, b []float32, k, stream func(dst, a, b []float32)) func(dst, a, b []float32) {
	if streams(dst, a, b) {
		return stream
	}
	return k
}

// pickScalar is pick for the kernels of one operand and a scalar.
func pickScalar(dst, a []float32, k, stream func(dst, a []float32, s float32)) func(dst, a []float32, s float32) {
	if streams(dst, a) {
		return stream
	}
	return k
}

// The kernels below in splitScalar's argument order. They are top-level functions, not
// function literals in the generic wrappers, where a literal would capture the wrapper's
// type dictionary and be allocated at every call (a fused loop calls them once per tile).
func scalarSubSplit(d, x []float32, s float32)  { scalarSubF32(d, s, x) }
func scalarDivSplit(d, x []float32, s float32)  { scalarDivF32(d, s, x) }
func reluSplit(d, x []float32, _ float32)       { reluF32(d, x) }
func axpySplit(y, x []float32, alpha float32)   { axpyF32(y, alpha, x) }
func sqrtSplit(d, x []float32, _ float32)       { sqrtF32(d, x) }
func sqrtStreamSplit(d, x []float32, _ float32) { sqrtStreamF32(d, x) }

func splitScalar(fn func(dst, a []float32, s float32), dst, a []float32, s float32) {
	if len(dst) < splitLen {
		fn(dst, a, s)
		return
	}
	parallel.For(len(dst), splitLen/2, func(lo, hi int) { fn(dst[lo:hi], a[lo:hi], s) })
}

// Add is
//
//	for i := range dst {
//		dst[i] = a[i] + b[i]
//	}
func Add[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		split3(pick(asF32(dst), asF32(a), asF32(b), addF32, addStreamF32), asF32(dst), asF32(a), asF32(b))
		return
	}
	addGo(dst, a, b)
}

func addGo[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

// Sub is dst[i] = a[i] - b[i].
func Sub[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		split3(pick(asF32(dst), asF32(a), asF32(b), subF32, subStreamF32), asF32(dst), asF32(a), asF32(b))
		return
	}
	subGo(dst, a, b)
}

func subGo[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// Mul is dst[i] = a[i] * b[i].
func Mul[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		split3(pick(asF32(dst), asF32(a), asF32(b), mulF32, mulStreamF32), asF32(dst), asF32(a), asF32(b))
		return
	}
	mulGo(dst, a, b)
}

func mulGo[T Num](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

// Div is dst[i] = a[i] / b[i].
func Div[T Float](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		split3(pick(asF32(dst), asF32(a), asF32(b), divF32, divStreamF32), asF32(dst), asF32(a), asF32(b))
		return
	}
	divGo(dst, a, b)
}

func divGo[T Float](dst, a, b []T) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

// AddScalar is dst[i] = a[i] + s.
func AddScalar[T Num](dst, a []T, s T) {
	a = a[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		splitScalar(pickScalar(asF32(dst), asF32(a), addScalarF32, addScalarStreamF32), asF32(dst), asF32(a), float32(s))
		return
	}
	addScalarGo(dst, a, s)
}

func addScalarGo[T Num](dst, a []T, s T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] + s
	}
}

// SubScalar is dst[i] = a[i] - s.
func SubScalar[T Num](dst, a []T, s T) {
	a = a[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 { // a - s is exactly a + (-s) in IEEE arithmetic
		splitScalar(pickScalar(asF32(dst), asF32(a), addScalarF32, addScalarStreamF32), asF32(dst), asF32(a), -float32(s))
		return
	}
	for i := range dst {
		dst[i] = a[i] - s
	}
}

// ScalarSub is dst[i] = s - a[i].
func ScalarSub[T Num](dst []T, s T, a []T) {
	a = a[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		splitScalar(pickScalar(asF32(dst), asF32(a), scalarSubSplit, scalarSubStreamSplit), asF32(dst), asF32(a), float32(s))
		return
	}
	scalarSubGo(dst, s, a)
}

func scalarSubGo[T Num](dst []T, s T, a []T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = s - a[i]
	}
}

// MulScalar is dst[i] = a[i] * s.
func MulScalar[T Num](dst, a []T, s T) {
	a = a[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		splitScalar(pickScalar(asF32(dst), asF32(a), mulScalarF32, mulScalarStreamF32), asF32(dst), asF32(a), float32(s))
		return
	}
	mulScalarGo(dst, a, s)
}

func mulScalarGo[T Num](dst, a []T, s T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] * s
	}
}

// DivScalar is dst[i] = a[i] / s.
func DivScalar[T Float](dst, a []T, s T) {
	a = a[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		splitScalar(pickScalar(asF32(dst), asF32(a), divScalarF32, divScalarStreamF32), asF32(dst), asF32(a), float32(s))
		return
	}
	divScalarGo(dst, a, s)
}

func divScalarGo[T Float](dst, a []T, s T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = a[i] / s
	}
}

// ScalarDiv is dst[i] = s / a[i].
func ScalarDiv[T Float](dst []T, s T, a []T) {
	a = a[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		splitScalar(pickScalar(asF32(dst), asF32(a), scalarDivSplit, scalarDivStreamSplit), asF32(dst), asF32(a), float32(s))
		return
	}
	scalarDivGo(dst, s, a)
}

func scalarDivGo[T Float](dst []T, s T, a []T) {
	a = a[:len(dst)]
	for i := range dst {
		dst[i] = s / a[i]
	}
}

// ReLU is dst[i] = a[i] when a[i] > 0 or a[i] is NaN, and +0 otherwise (so -0 becomes +0).
func ReLU[T Float](dst, a []T) {
	a = a[:len(dst)]
	if unsafe.Sizeof(T(0)) == 4 {
		splitScalar(pickScalar(asF32(dst), asF32(a), reluSplit, reluStreamSplit), asF32(dst), asF32(a), 0)
		return
	}
	reluGo(dst, a)
}

func reluGo[T Float](dst, a []T) {
	a = a[:len(dst)]
	for i, v := range a {
		if !(v <= 0) {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

// Axpy is
//
//	for i := range y {
//		y[i] += alpha * x[i]
//	}
//
// The float32 assembly fuses each multiply and add (one rounding instead of two).
func Axpy[T Float](y []T, alpha T, x []T) {
	x = x[:len(y)]
	if unsafe.Sizeof(T(0)) == 4 {
		splitScalar(axpySplit, asF32(y), asF32(x), float32(alpha))
		return
	}
	axpyGo(y, alpha, x)
}

func axpyGo[T Float](y []T, alpha T, x []T) {
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

// Sum returns the sum of x, accumulated in float64 (for float32 input, as PyTorch's CPU
// reductions accumulate in a wider type) in 16 independent lanes for speed: lane l takes
// x[i+l] for each whole block of 16 and the last len(x) mod 16 values are summed in order
// into t; the result is
//
//	v[l] = (acc[l] + acc[l+8]) + (acc[l+4] + acc[l+12]) // l < 4
//	sum = ((v[0] + v[2]) + (v[1] + v[3])) + t
//
// The order is fixed, so the result is deterministic, and the assembly follows it exactly,
// so it is also the same bits with and without it. (16 lanes rather than 8: four vector
// accumulators hide the add latency; 8 lanes ran at a third of the memory bandwidth.)
//
// A row longer than SumChunk is cut into chunks of SumChunk elements (the last one shorter),
// each summed as above, in parallel, and the chunk totals are added in order: a fixed order
// again, whatever the number of cores.
func Sum[T Float](x []T) T { return T(SumF64(x)) }

// SumF64 returns the float64 total of x that Sum rounds to T. Callers that add several rows'
// totals together keep the partial sums in float64 this way.
func SumF64[T Float](x []T) float64 {
	if len(x) <= SumChunk {
		return sumChunk(x)
	}
	return chunkedTotal(len(x), func(lo, hi int) float64 { return sumChunk(x[lo:hi]) })
}

// chunkedTotal adds part over the chunks [c*SumChunk, min(n, (c+1)*SumChunk)) of a row of
// n elements: the chunks in parallel, their totals in order.
func chunkedTotal(n int, part func(lo, hi int) float64) float64 {
	parts := make([]float64, (n+SumChunk-1)/SumChunk)
	parallel.For(len(parts), 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			parts[c] = part(c*SumChunk, min(n, (c+1)*SumChunk))
		}
	})
	total := parts[0]
	for _, p := range parts[1:] {
		total += p
	}
	return total
}

// SumChunk is the number of elements Sum adds up as one unit (see Sum).
const SumChunk = 1 << 16

func sumChunk[T Float](x []T) float64 {
	if unsafe.Sizeof(T(0)) == 4 {
		return sumF32(asF32(x))
	}
	return sumGo(x)
}

// sumGo is Sum's loop, returning the float64 total.
func sumGo[T Float](x []T) float64 {
	var acc [16]float64
	i := 0
	for ; i+16 <= len(x); i += 16 {
		b := x[i : i+16 : i+16]
		for l := range acc {
			acc[l] += float64(b[l])
		}
	}
	var t float64
	for ; i < len(x); i++ {
		t += float64(x[i])
	}
	return combineLanes(&acc, t)
}

// combineLanes adds up Sum's and Dot's lanes and tail in their fixed order.
func combineLanes(acc *[16]float64, t float64) float64 {
	var v [4]float64
	for l := range v {
		v[l] = (acc[l] + acc[l+8]) + (acc[l+4] + acc[l+12])
	}
	return ((v[0] + v[2]) + (v[1] + v[3])) + t
}

// Dot returns sum(a[i]*b[i]), accumulated in float64 in the lanes and order of Sum. For
// float32 input each product is exact in float64, so the assembly's fused multiply-add gives
// the same bits as the Go loop.
func Dot[T Float](a, b []T) T {
	b = b[:len(a)]
	if len(a) <= SumChunk {
		return T(dotChunk(a, b))
	}
	return T(chunkedTotal(len(a), func(lo, hi int) float64 { return dotChunk(a[lo:hi], b[lo:hi]) }))
}

func dotChunk[T Float](a, b []T) float64 {
	if unsafe.Sizeof(T(0)) == 4 {
		return dotF32(asF32(a), asF32(b))
	}
	return dotGo(a, b)
}

// dotGo is Dot's loop, returning the float64 total.
func dotGo[T Float](a, b []T) float64 {
	b = b[:len(a)]
	var acc [16]float64
	i := 0
	for ; i+16 <= len(a); i += 16 {
		x, y := a[i:i+16:i+16], b[i:i+16:i+16]
		for l := range acc {
			acc[l] += float64(x[l]) * float64(y[l])
		}
	}
	var t float64
	for ; i < len(a); i++ {
		t += float64(a[i]) * float64(b[i])
	}
	return combineLanes(&acc, t)
}
