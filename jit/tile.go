package jit

import (
	"github.com/eagerml/eager"
)

// Tiles: jit's native kernels (fused elementwise programs, n-ary sums) walk their output in
// row-major order, a tile of positions at a time. For each tile, every operand is presented
// as a slice of the tile's length: a subslice of the operand itself when it is contiguous
// with the output's shape (no copy), one value when it is a broadcast scalar, or a gather
// into scratch memory for any other layout (broadcast rows, transposed views).

// float is the compute type of native kernels.
type float interface{ float32 | float64 }

const (
	srcDirect = iota // contiguous, the output's shape: a subslice
	srcScalar        // one value for every position
	srcGather        // anything else: gathered per tile
)

// source presents one operand over the iteration shape.
type source[T float] struct {
	mode   int
	data   []T // srcDirect: the operand's elements in row-major order
	scalar T
	g      gatherer[T]
}

// gatherer copies the operand's elements at output positions [pos, pos+len(dst)) into dst.
type gatherer[T float] struct {
	shape   []int // coalesced iteration shape
	strides []int // the operand's strides over it (0 where broadcast)
	off     int
	dataT   []T    // the operand's storage when its dtype is T
	dataB   []bool // or when it is bool (read as 0 and 1)
}

// broadcastStrides returns x's strides over shape (x broadcasts to it): 0 along broadcast
// and missing leading dims.
func broadcastStrides(x *eager.Tensor, shape []int) []int {
	xs, xst := x.Shape(), x.Strides()
	st := make([]int, len(shape))
	k := len(shape) - len(xs)
	for i := range xs {
		if xs[i] != 1 {
			st[k+i] = xst[i]
		}
	}
	return st
}

// coalesceOne merges adjacent dims that the operand walks with one stride, and drops size-1
// dims; the iteration space itself is row-major contiguous.
func coalesceOne(shape, strides []int) ([]int, []int) {
	var sh, st []int
	for i := range shape {
		if shape[i] == 1 {
			continue
		}
		if n := len(sh); n > 0 && st[n-1] == strides[i]*shape[i] {
			sh[n-1] *= shape[i]
			st[n-1] = strides[i]
			continue
		}
		sh = append(sh, shape[i])
		st = append(st, strides[i])
	}
	if len(sh) == 0 {
		return []int{1}, []int{0}
	}
	return sh, st
}

// newSource prepares x (of dtype T, or bool) to be read over the iteration shape.
func newSource[T float](x *eager.Tensor, shape []int) source[T] {
	n := 1
	for _, s := range shape {
		n *= s
	}
	var s source[T]
	if x.DType() == eager.Bool {
		d, off := eager.StorageDataRead[bool](x)
		s.mode = srcGather
		s.g.dataB = d
		s.g.off = off
	} else {
		d, off := eager.StorageDataRead[T](x)
		if x.Numel() == 1 {
			s.mode, s.scalar = srcScalar, d[off]
			return s
		}
		if x.IsContiguous() && shapeIs(x, shape) {
			s.mode, s.data = srcDirect, d[off:off+n]
			return s
		}
		s.mode = srcGather
		s.g.dataT, s.g.off = d, off
	}
	s.g.shape, s.g.strides = coalesceOne(shape, broadcastStrides(x, shape))
	return s
}

// tile returns the operand's values at positions [pos, pos+len(buf)): a subslice, or buf
// filled by a gather. For a scalar it returns nil (use s.scalar).
func (s *source[T]) tile(buf []T, pos int) []T {
	switch s.mode {
	case srcDirect:
		return s.data[pos : pos+len(buf)]
	case srcScalar:
		return nil
	}
	s.g.gather(buf, pos)
	return buf
}

// operand returns the operand's values at positions [pos, pos+m), gathering into buf when
// needed.
func (s *source[T]) operand(buf []T, pos, m int) opnd[T] {
	switch s.mode {
	case srcDirect:
		return opnd[T]{v: s.data[pos : pos+m]}
	case srcScalar:
		return opnd[T]{s: s.scalar}
	}
	s.g.gather(buf[:m], pos)
	return opnd[T]{v: buf[:m]}
}

func (g *gatherer[T]) gather(dst []T, pos int) {
	r := len(g.shape)
	var idxBuf [8]int
	idx := idxBuf[:0]
	if r > len(idxBuf) {
		idx = make([]int, 0, r)
	}
	idx = idx[:r]
	off := g.off
	p := pos
	for d := r - 1; d >= 0; d-- {
		idx[d] = p % g.shape[d]
		p /= g.shape[d]
		off += idx[d] * g.strides[d]
	}
	inner, si := g.shape[r-1], g.strides[r-1]
	for i := 0; i < len(dst); {
		cnt := min(inner-idx[r-1], len(dst)-i)
		seg := dst[i : i+cnt]
		switch {
		case g.dataB != nil:
			for k := range seg {
				if g.dataB[off+k*si] {
					seg[k] = 1
				} else {
					seg[k] = 0
				}
			}
		case si == 0:
			v := g.dataT[off]
			for k := range seg {
				seg[k] = v
			}
		case si == 1:
			copy(seg, g.dataT[off:off+cnt])
		default:
			o := off
			for k := range seg {
				seg[k] = g.dataT[o]
				o += si
			}
		}
		i += cnt
		// advance the index by cnt along the innermost dim, carrying outwards
		idx[r-1] += cnt
		off += cnt * si
		for d := r - 1; d > 0 && idx[d] == g.shape[d]; d-- {
			off -= idx[d] * g.strides[d]
			idx[d] = 0
			idx[d-1]++
			off += g.strides[d-1]
		}
	}
}

// outputTensor returns the tensor a native kernel writes node i's value into: a buffer of
// the memory plan, the dead input it may overwrite, or a new tensor.
func (c *execCtx) outputTensor(p *plan, i int) *eager.Tensor { return c.outputFor(p, i, false) }

// outputFor is outputTensor; overwrite says the kernel writes every element, so that a new
// buffer need not be cleared.
func (c *execCtx) outputFor(p *plan, i int, overwrite bool) *eager.Tensor {
	n := p.g.Nodes[i]
	for _, v := range [2]int{n.Into, n.Reuse} {
		if v < 0 {
			continue
		}
		if t := c.vals[v]; t != nil && t.IsContiguous() && t.DType() == n.DType && shapeIs(t, n.Shape) {
			return t
		}
	}
	if b := p.buf[i]; b >= 0 && c.bufs != nil {
		return c.bufs.get(p.slots, b, n.Shape)
	}
	if overwrite {
		return eager.EmptyOf(n.DType, n.Shape...)
	}
	return eager.ZerosOf(n.DType, n.Shape...)
}

// shapeIs reports whether x has the given shape, without copying x's shape.
func shapeIs(x *eager.Tensor, shape []int) bool {
	if x.Dim() != len(shape) {
		return false
	}
	for d, s := range shape {
		if x.Size(d) != s {
			return false
		}
	}
	return true
}

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}
