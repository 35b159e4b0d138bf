package serialize

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"

	"github.com/eagerml/eager"
)

// ErrFormat is wrapped by every error that reports a malformed, truncated or unsupported
// file: test for it with errors.Is.
var ErrFormat = errors.New("invalid or unsupported tensor file")

// formatErr returns an error wrapping ErrFormat.
func formatErr(format string, args ...any) error {
	return fmt.Errorf("serialize: %s: %w", fmt.Sprintf(format, args...), ErrFormat)
}

// Option configures the writers (WriteSafetensors, WriteNPY, WriteNPZ and the file helpers).
type Option func(*options)

type options struct {
	half     rawKind // 0, kindF16 or kindBF16: how float tensors are stored
	compress bool
}

// WithFloat16 stores float32 and float64 tensors as IEEE half precision (safetensors F16, NPY
// <f2), rounding to nearest even; values beyond ±65504 become ±Inf. Readers convert them back
// to float32.
func WithFloat16() Option { return func(o *options) { o.half = kindF16 } }

// WithBFloat16 stores float32 and float64 tensors as bfloat16 (safetensors BF16), rounding to
// nearest even. NPY has no bfloat16, so WriteNPY and WriteNPZ refuse it.
func WithBFloat16() Option { return func(o *options) { o.half = kindBF16 } }

// Compressed makes WriteNPZ deflate its entries, as numpy.savez_compressed does (the default
// stores them, as numpy.savez does). The other writers ignore it.
func Compressed() Option { return func(o *options) { o.compress = true } }

func collect(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// rawKind is an element type as stored in a file.
type rawKind uint8

const (
	kindInvalid rawKind = iota
	kindBool
	kindU8
	kindI8
	kindU16
	kindI16
	kindU32
	kindI32
	kindU64
	kindI64
	kindF8E5M2
	kindF8E4M3
	kindF16
	kindBF16
	kindF32
	kindF64
)

// size returns the element size in bytes.
func (k rawKind) size() int {
	switch k {
	case kindBool, kindU8, kindI8, kindF8E5M2, kindF8E4M3:
		return 1
	case kindU16, kindI16, kindF16, kindBF16:
		return 2
	case kindU32, kindI32, kindF32:
		return 4
	case kindU64, kindI64, kindF64:
		return 8
	}
	return 0
}

// target returns the eager dtype a stored element type loads as: narrower floats widen to
// float32, integers to int64.
func (k rawKind) target() eager.DType {
	switch k {
	case kindBool:
		return eager.Bool
	case kindF8E5M2, kindF8E4M3, kindF16, kindBF16, kindF32:
		return eager.Float32
	case kindF64:
		return eager.Float64
	}
	return eager.Int64
}

// storedKind returns how a tensor of dtype dt is written under options o.
func storedKind(dt eager.DType, o options) (rawKind, error) {
	switch dt {
	case eager.Float32, eager.Float64:
		if o.half != kindInvalid {
			return o.half, nil
		}
		if dt == eager.Float32 {
			return kindF32, nil
		}
		return kindF64, nil
	case eager.Int64:
		return kindI64, nil
	case eager.Bool:
		return kindBool, nil
	}
	return kindInvalid, fmt.Errorf("serialize: cannot write dtype %v", dt)
}

// checkedNumel returns the number of elements of shape, failing on a negative dim or when the
// product (of the dims taken as at least 1, so that a zero dim cannot hide an overflow)
// exceeds what an int can index.
func checkedNumel(shape []int64) (int, error) {
	var n, guard uint64 = 1, 1
	for _, d := range shape {
		if d < 0 {
			return 0, formatErr("negative dimension in shape %v", shape)
		}
		n *= uint64(d)
		g := uint64(d)
		if g == 0 {
			g = 1
		}
		hi, lo := bits.Mul64(guard, g)
		if hi != 0 || lo > math.MaxInt64/8 {
			return 0, formatErr("shape %v is too large", shape)
		}
		guard = lo
	}
	return int(n), nil
}

// byteSpan returns numel*size, which checkedNumel has bounded so that it cannot overflow.
func byteSpan(numel int, k rawKind) int64 { return int64(numel) * int64(k.size()) }

// decoder converts little-endian stored elements into an eager-typed slice, chunk by chunk,
// so that large tensors stream from the file without a second full-size buffer.
type decoder struct {
	kind rawKind
	big  bool // elements are big-endian
	f32  []float32
	f64  []float64
	i64  []int64
	b    []bool
}

// newDecoder returns a decoder for n elements of kind k. With exact set the output is
// allocated at once (the caller has checked that the bytes exist); otherwise it grows as data
// arrives, so that a header claiming a huge tensor costs nothing until the bytes are there.
func newDecoder(k rawKind, big bool, n int, exact bool) *decoder {
	c := n
	if !exact {
		c = min(n, 1<<16)
	}
	d := &decoder{kind: k, big: big}
	switch k.target() {
	case eager.Float32:
		d.f32 = make([]float32, 0, c)
	case eager.Float64:
		d.f64 = make([]float64, 0, c)
	case eager.Int64:
		d.i64 = make([]int64, 0, c)
	case eager.Bool:
		d.b = make([]bool, 0, c)
	}
	return d
}

// put decodes the elements in p (a whole number of them; p may be byte-swapped in place).
func (d *decoder) put(p []byte) error {
	sz := d.kind.size()
	if d.big && sz > 1 {
		for i := 0; i+sz <= len(p); i += sz {
			e := p[i : i+sz]
			for a, b := 0, sz-1; a < b; a, b = a+1, b-1 {
				e[a], e[b] = e[b], e[a]
			}
		}
	}
	le := binary.LittleEndian
	switch d.kind {
	case kindBool:
		for _, v := range p {
			d.b = append(d.b, v != 0)
		}
	case kindU8:
		for _, v := range p {
			d.i64 = append(d.i64, int64(v))
		}
	case kindI8:
		for _, v := range p {
			d.i64 = append(d.i64, int64(int8(v)))
		}
	case kindU16:
		for i := 0; i+2 <= len(p); i += 2 {
			d.i64 = append(d.i64, int64(le.Uint16(p[i:])))
		}
	case kindI16:
		for i := 0; i+2 <= len(p); i += 2 {
			d.i64 = append(d.i64, int64(int16(le.Uint16(p[i:]))))
		}
	case kindU32:
		for i := 0; i+4 <= len(p); i += 4 {
			d.i64 = append(d.i64, int64(le.Uint32(p[i:])))
		}
	case kindI32:
		for i := 0; i+4 <= len(p); i += 4 {
			d.i64 = append(d.i64, int64(int32(le.Uint32(p[i:]))))
		}
	case kindU64:
		for i := 0; i+8 <= len(p); i += 8 {
			v := le.Uint64(p[i:])
			if v > math.MaxInt64 {
				return formatErr("uint64 value %d does not fit in int64", v)
			}
			d.i64 = append(d.i64, int64(v))
		}
	case kindI64:
		for i := 0; i+8 <= len(p); i += 8 {
			d.i64 = append(d.i64, int64(le.Uint64(p[i:])))
		}
	case kindF8E5M2:
		for _, v := range p {
			d.f32 = append(d.f32, f16ToF32(uint16(v)<<8))
		}
	case kindF8E4M3:
		for _, v := range p {
			d.f32 = append(d.f32, f8e4m3ToF32(v))
		}
	case kindF16:
		for i := 0; i+2 <= len(p); i += 2 {
			d.f32 = append(d.f32, f16ToF32(le.Uint16(p[i:])))
		}
	case kindBF16:
		for i := 0; i+2 <= len(p); i += 2 {
			d.f32 = append(d.f32, math.Float32frombits(uint32(le.Uint16(p[i:]))<<16))
		}
	case kindF32:
		for i := 0; i+4 <= len(p); i += 4 {
			d.f32 = append(d.f32, math.Float32frombits(le.Uint32(p[i:])))
		}
	case kindF64:
		for i := 0; i+8 <= len(p); i += 8 {
			d.f64 = append(d.f64, math.Float64frombits(le.Uint64(p[i:])))
		}
	}
	return nil
}

// tensor returns the decoded elements as a tensor of the given shape.
func (d *decoder) tensor(shape []int64) *eager.Tensor {
	sh := make([]int, len(shape))
	for i, s := range shape {
		sh[i] = int(s)
	}
	var t *eager.Tensor
	switch d.kind.target() {
	case eager.Float32:
		t = eager.FromSlice(d.f32, sh...)
	case eager.Float64:
		t = eager.FromSlice(d.f64, sh...)
	case eager.Int64:
		t = eager.FromSlice(d.i64, sh...)
	default:
		t = eager.FromSlice(d.b, sh...)
	}
	if len(sh) == 0 {
		t = t.Reshape()
	}
	return t
}

// chunkBytes is the size of the buffer that streams tensor data between files and tensors.
const chunkBytes = 1 << 20

// readElements reads n elements of kind k from r and returns them as a tensor of shape.
func readElements(r io.Reader, k rawKind, big bool, shape []int64, n int, exact bool) (*eager.Tensor, error) {
	d := newDecoder(k, big, n, exact)
	sz := k.size()
	buf := make([]byte, min(int64(chunkBytes/sz*sz), int64(n)*int64(sz)))
	for left := int64(n) * int64(sz); left > 0; {
		p := buf[:min(left, int64(len(buf)))]
		if _, err := io.ReadFull(r, p); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, formatErr("tensor data is truncated")
			}
			return nil, err
		}
		if err := d.put(p); err != nil {
			return nil, err
		}
		left -= int64(len(p))
	}
	return d.tensor(shape), nil
}

// writeElements writes t's elements, row-major, as kind k (little-endian) to w, encoding
// them a chunk at a time.
func writeElements(w io.Writer, t *eager.Tensor, k rawKind) error {
	if t.Numel() == 0 {
		return nil
	}
	le := binary.LittleEndian
	switch k {
	case kindF32:
		return encodeChunks(w, t.Float32s(), 4, func(p []byte, v []float32) {
			for i, x := range v {
				le.PutUint32(p[4*i:], math.Float32bits(x))
			}
		})
	case kindF64:
		return encodeChunks(w, t.Float64s(), 8, func(p []byte, v []float64) {
			for i, x := range v {
				le.PutUint64(p[8*i:], math.Float64bits(x))
			}
		})
	case kindF16:
		return encodeChunks(w, t.Float32s(), 2, func(p []byte, v []float32) {
			for i, x := range v {
				le.PutUint16(p[2*i:], f32ToF16(x))
			}
		})
	case kindBF16:
		return encodeChunks(w, t.Float32s(), 2, func(p []byte, v []float32) {
			for i, x := range v {
				le.PutUint16(p[2*i:], f32ToBF16(x))
			}
		})
	case kindI64:
		return encodeChunks(w, t.Int64s(), 8, func(p []byte, v []int64) {
			for i, x := range v {
				le.PutUint64(p[8*i:], uint64(x))
			}
		})
	case kindBool:
		return encodeChunks(w, t.Bools(), 1, func(p []byte, v []bool) {
			for i, x := range v {
				p[i] = 0
				if x {
					p[i] = 1
				}
			}
		})
	}
	return fmt.Errorf("serialize: cannot write element kind %d", k)
}

// encodeChunks encodes vals, sz bytes each, into a buffer of at most chunkBytes with enc and
// writes each chunk to w.
func encodeChunks[T any](w io.Writer, vals []T, sz int, enc func(p []byte, v []T)) error {
	per := chunkBytes / sz
	buf := make([]byte, min(len(vals), per)*sz)
	for start := 0; start < len(vals); start += per {
		v := vals[start:min(len(vals), start+per)]
		p := buf[:len(v)*sz]
		enc(p, v)
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}
