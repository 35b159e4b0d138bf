package eager

import (
	"sync/atomic"
	"unsafe"
)

// storage is the flat typed buffer shared by a tensor and all its views: a pointer to n
// elements of dtype. version counts in-place modifications so that autograd can detect a
// saved tensor that was changed before backward used it.
//
// The header is one pointer and a length rather than a slice per dtype, so that a small
// tensor (tensor, storage and data in one allocation) stays in a small size class.
type storage struct {
	ptr   unsafe.Pointer
	n     int
	dtype DType
	class uint16 // size class of a buffer from the cache (see cache.go), 0 for others
	epoch uint32 // backwardEpoch when the buffer was allocated
	// version counts in-place modifications (ver); its top bit, deferReadBit, is set while
	// a deferred op may read the elements (see deferred.go).
	version atomic.Uint64
	// lazy is the deferred op that computes the elements, until it has (ptr is nil then).
	lazy atomic.Pointer[deferNode]
}

// backwardEpoch counts the backward passes that recycle buffers: a storage whose epoch is
// at least the pass's own was allocated during the pass (see cache.go).
var backwardEpoch atomic.Uint32

// set points the storage at the elements of s.
func (s *storage) set(v any) {
	switch d := v.(type) {
	case []float32:
		s.ptr, s.n, s.dtype = unsafe.Pointer(unsafe.SliceData(d)), len(d), Float32
	case []float64:
		s.ptr, s.n, s.dtype = unsafe.Pointer(unsafe.SliceData(d)), len(d), Float64
	case []int64:
		s.ptr, s.n, s.dtype = unsafe.Pointer(unsafe.SliceData(d)), len(d), Int64
	case []bool:
		s.ptr, s.n, s.dtype = unsafe.Pointer(unsafe.SliceData(d)), len(d), Bool
	default:
		panic("eager: storage of unsupported element type")
	}
}

// allocStorage returns a storage of n elements, zeroed when zero is set; otherwise the
// values are unspecified (for ops that write every element).
func allocStorage(dt DType, n int, zero bool) *storage {
	if !memTracking.Load() {
		nb := n * dt.Size()
		if p, c, reused := cachedBuffer(nb, zero); p != nil {
			s := &storage{ptr: p, n: n, dtype: dt, class: c, epoch: backwardEpoch.Load()}
			if reused && zero {
				clear(unsafe.Slice((*byte)(p), nb))
			} else if !zero && poisonUninit {
				poison(s)
			}
			return s
		}
	}
	s := &storage{}
	switch {
	case !zero && n > 0:
		s.ptr, s.n, s.dtype = mallocgc(uintptr(n*dt.Size()), nil, false), n, dt
	case dt == Float32:
		s.set(make([]float32, n))
	case dt == Float64:
		s.set(make([]float64, n))
	case dt == Int64:
		s.set(make([]int64, n))
	case dt == Bool:
		s.set(make([]bool, n))
	}
	if !zero && poisonUninit {
		poison(s)
	}
	if memTracking.Load() {
		trackStorage(s)
	}
	return s
}

// f32 returns the elements of a float32 storage (nil for another dtype); f64, i64 and b
// likewise for their dtypes.
func (s *storage) f32() []float32 {
	if s.dtype != Float32 {
		return nil
	}
	return unsafe.Slice((*float32)(s.base()), s.n)
}

func (s *storage) f64() []float64 {
	if s.dtype != Float64 {
		return nil
	}
	return unsafe.Slice((*float64)(s.base()), s.n)
}

func (s *storage) i64() []int64 {
	if s.dtype != Int64 {
		return nil
	}
	return unsafe.Slice((*int64)(s.base()), s.n)
}

func (s *storage) b() []bool {
	if s.dtype != Bool {
		return nil
	}
	return unsafe.Slice((*bool)(s.base()), s.n)
}

// len returns the number of elements.
func (s *storage) len() int { return s.n }

// bytes returns the size of the buffer in bytes.
func (s *storage) bytes() int64 { return int64(s.n * s.dtype.Size()) }

func (s *storage) bump() { s.version.Add(1) }

// ver returns the version counter.
func (s *storage) ver() uint64 { return s.version.Load() &^ deferReadBit }

// deferReadBit marks a storage that deferred ops may read (in storage.version).
const deferReadBit = 1 << 63
