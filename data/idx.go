package data

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/eagerml/eager"
)

// ErrFormat is wrapped by the errors of readers given a malformed file: a bad magic number,
// a header that does not match the data, a truncated file, an unparsable field. Test for
// it with errors.Is.
var ErrFormat = errors.New("data: malformed file")

// dataError is an error with its own message that matches a sentinel under errors.Is.
type dataError struct {
	msg  string
	kind error
}

func (e *dataError) Error() string { return e.msg }
func (e *dataError) Unwrap() error { return e.kind }

// formatErrorf returns an error wrapping ErrFormat with a formatted message.
func formatErrorf(format string, args ...any) error {
	return &dataError{msg: fmt.Sprintf(format, args...), kind: ErrFormat}
}

// decompress returns r, or a gzip reader over it when r starts with the gzip magic number.
func decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErrorf("data: bad gzip header: %v", err)
		}
		return zr, nil
	}
	return br, nil
}

// readErr turns an error met while reading a possibly compressed stream into a format
// error when the stream itself is at fault (truncated or corrupt), and leaves I/O errors
// of the underlying reader as they are.
func readErr(what string, err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return formatErrorf("data: %s: file is truncated", what)
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return formatErrorf("data: %s: corrupt gzip stream: %v", what, err)
	}
	var corrupt flate.CorruptInputError
	if errors.As(err, &corrupt) {
		return formatErrorf("data: %s: corrupt gzip stream: %v", what, err)
	}
	return fmt.Errorf("data: %s: %w", what, err)
}

// readFull reads exactly n bytes from r. It does not trust n: the buffer grows with the
// bytes that actually arrive, so a header that claims gigabytes costs no more memory
// than the file holds.
func readFull(r io.Reader, n int64, what string) ([]byte, error) {
	const chunk = 1 << 20
	buf := make([]byte, 0, min(n, chunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, int64(2*cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF && int64(len(buf)) < n {
			return nil, formatErrorf("data: %s: file is truncated: the header promises %d bytes of data, the file has %d", what, n, len(buf))
		}
		if err != nil && err != io.EOF {
			return nil, readErr(what, err)
		}
	}
	return buf, nil
}

// expectEOF checks that r holds nothing more. Reading to the end also makes a gzip reader
// check the stream's CRC.
func expectEOF(r io.Reader, what string) error {
	var one [1]byte
	for {
		m, err := r.Read(one[:])
		if m > 0 {
			return formatErrorf("data: %s: unexpected data after the end promised by the header", what)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return readErr(what, err)
		}
	}
}

// IDX element types (the third byte of the magic number).
const (
	idxUint8   = 0x08
	idxInt8    = 0x09
	idxInt16   = 0x0b
	idxInt32   = 0x0c
	idxFloat32 = 0x0d
	idxFloat64 = 0x0e
)

// idxElemSize returns the size in bytes of an IDX element type, or 0 for an unknown type.
func idxElemSize(typ byte) int {
	switch typ {
	case idxUint8, idxInt8:
		return 1
	case idxInt16:
		return 2
	case idxInt32, idxFloat32:
		return 4
	case idxFloat64:
		return 8
	}
	return 0
}

// maxIDXBytes bounds the data an IDX header may declare (4 GiB, six times EMNIST), so that the size
// arithmetic cannot overflow.
const (
	maxIDXDims  = 16
	maxIDXBytes = 1 << 32
)

// idxArray is a decoded IDX file: element type, dims and raw big-endian data.
type idxArray struct {
	typ  byte
	dims []int
	raw  []byte
}

// parseIDX reads an uncompressed IDX stream to its end.
func parseIDX(r io.Reader) (*idxArray, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		if err == io.EOF {
			return nil, formatErrorf("data: IDX: empty file")
		}
		return nil, readErr("IDX header", err)
	}
	if head[0] != 0 || head[1] != 0 {
		return nil, formatErrorf("data: IDX: not an IDX file: magic number %#08x does not start with two zero bytes", binary.BigEndian.Uint32(head[:]))
	}
	typ, ndims := head[2], int(head[3])
	size := idxElemSize(typ)
	if size == 0 {
		return nil, formatErrorf("data: IDX: unknown element type %#02x in magic number %#08x", typ, binary.BigEndian.Uint32(head[:]))
	}
	if ndims == 0 || ndims > maxIDXDims {
		return nil, formatErrorf("data: IDX: %d dims, want 1 to %d", ndims, maxIDXDims)
	}
	dimBytes := make([]byte, 4*ndims)
	if _, err := io.ReadFull(r, dimBytes); err != nil {
		return nil, readErr("IDX header", err)
	}
	dims := make([]int, ndims)
	for d := range dims {
		dims[d] = int(binary.BigEndian.Uint32(dimBytes[4*d:]))
	}
	total := int64(size)
	for _, v := range dims {
		if v > 0 && total > maxIDXBytes/int64(v) {
			return nil, formatErrorf("data: IDX: dims %v declare more than %d bytes of data", dims, int64(maxIDXBytes))
		}
		total *= int64(v)
	}
	raw, err := readFull(r, total, fmt.Sprintf("IDX data of shape %v", dims))
	if err != nil {
		return nil, err
	}
	if err := expectEOF(r, "IDX"); err != nil {
		return nil, err
	}
	return &idxArray{typ: typ, dims: dims, raw: raw}, nil
}

// ReadIDX reads an IDX file (the format of MNIST and Fashion-MNIST), compressed with gzip or
// not, and returns its array as a tensor of dtype dt (Float32, Float64 or Int64) with the
// file's dims. Values are converted as Go converts numbers: MNIST's uint8 pixels become
// 0..255, its labels class ids. A malformed or truncated file gives an error wrapping
// ErrFormat; ReadIDX checks the header against the data before trusting it, so a hostile
// header cannot make it allocate more than the file holds.
func ReadIDX(r io.Reader, dt eager.DType) (*eager.Tensor, error) {
	if dt != eager.Float32 && dt != eager.Float64 && dt != eager.Int64 {
		fail("ReadIDX", "dtype %v is not supported; use float32, float64 or int64", dt)
	}
	dr, err := decompress(r)
	if err != nil {
		return nil, err
	}
	a, err := parseIDX(dr)
	if err != nil {
		return nil, err
	}
	switch dt {
	case eager.Float32:
		return eager.FromSlice(decodeIDX[float32](a), a.dims...), nil
	case eager.Float64:
		return eager.FromSlice(decodeIDX[float64](a), a.dims...), nil
	}
	return eager.FromSlice(decodeIDX[int64](a), a.dims...), nil
}

// decodeIDX converts the big-endian elements of a to T.
func decodeIDX[T float32 | float64 | int64](a *idxArray) []T {
	size := idxElemSize(a.typ)
	out := make([]T, len(a.raw)/size)
	raw := a.raw
	switch a.typ {
	case idxUint8:
		for i, b := range raw {
			out[i] = T(b)
		}
	case idxInt8:
		for i, b := range raw {
			out[i] = T(int8(b))
		}
	case idxInt16:
		for i := range out {
			out[i] = T(int16(binary.BigEndian.Uint16(raw[2*i:])))
		}
	case idxInt32:
		for i := range out {
			out[i] = T(int32(binary.BigEndian.Uint32(raw[4*i:])))
		}
	case idxFloat32:
		for i := range out {
			out[i] = floatTo[T](float64(math.Float32frombits(binary.BigEndian.Uint32(raw[4*i:]))))
		}
	case idxFloat64:
		for i := range out {
			out[i] = floatTo[T](math.Float64frombits(binary.BigEndian.Uint64(raw[8*i:])))
		}
	}
	return out
}

// floatTo converts v to T; to int64 it truncates, mapping NaN to 0 and clamping out of
// range values, since Go leaves those conversions to the platform.
func floatTo[T float32 | float64 | int64](v float64) T {
	var zero T
	if _, isInt := any(zero).(int64); !isInt {
		return T(v)
	}
	switch {
	case math.IsNaN(v):
		return 0
	case v >= math.MaxInt64:
		return T(int64(math.MaxInt64))
	case v <= math.MinInt64:
		return T(int64(math.MinInt64))
	}
	return T(v)
}
