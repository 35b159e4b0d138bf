package eager

import "sync/atomic"

// storage is the flat typed buffer shared by a tensor and all its views. Exactly one of the
// slices is non-nil, matching the dtype. version counts in-place modifications so that
// autograd can detect a saved tensor that was changed before backward used it.
type storage struct {
	f32     []float32
	f64     []float64
	i64     []int64
	b       []bool
	version atomic.Uint64
}

func newStorage(dt DType, n int) *storage {
	s := &storage{}
	switch dt {
	case Float32:
		s.f32 = make([]float32, n)
	case Float64:
		s.f64 = make([]float64, n)
	case Int64:
		s.i64 = make([]int64, n)
	case Bool:
		s.b = make([]bool, n)
	}
	if memTracking.Load() {
		trackStorage(s)
	}
	return s
}

// len returns the number of elements.
func (s *storage) len() int { return len(s.f32) + len(s.f64) + len(s.i64) + len(s.b) }

// bytes returns the size of the buffer in bytes.
func (s *storage) bytes() int64 {
	return int64(4*len(s.f32) + 8*len(s.f64) + 8*len(s.i64) + len(s.b))
}

func (s *storage) bump() { s.version.Add(1) }
