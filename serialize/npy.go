package serialize

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/eagerml/eager"
)

// npyMagic starts every NPY file.
const npyMagic = "\x93NUMPY"

// MaxNPYHeader is the largest NPY header ReadNPY accepts, in bytes. (numpy itself refuses
// headers over 10000 bytes unless told otherwise; a shape would need thousands of dims to
// come near this.)
const MaxNPYHeader = 1 << 20

// WriteNPY writes t to w in NumPy's .npy format (version 1.0, or 2.0 when the header needs
// it): Float32 as <f4, Float64 as <f8, Int64 as <i8, Bool as |b1, or the float dtypes as <f2
// with WithFloat16. The data is C-ordered (row-major) little-endian.
func WriteNPY(w io.Writer, t *eager.Tensor, opts ...Option) error {
	if t == nil {
		return fmt.Errorf("serialize: WriteNPY of a nil tensor")
	}
	o := collect(opts)
	if o.half == kindBF16 {
		return fmt.Errorf("serialize: NPY has no bfloat16 dtype")
	}
	k, err := storedKind(t.DType(), o)
	if err != nil {
		return err
	}
	var descr string
	switch k {
	case kindF16:
		descr = "<f2"
	case kindF32:
		descr = "<f4"
	case kindF64:
		descr = "<f8"
	case kindI64:
		descr = "<i8"
	case kindBool:
		descr = "|b1"
	}
	dims := make([]string, len(t.Shape()))
	for i, d := range t.Shape() {
		dims[i] = strconv.Itoa(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(dims) == 1 {
		tuple += "," // (3,): a one-element tuple
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)

	// Pad with spaces so that magic, version, length and header end on a multiple of 64
	// bytes, the last byte being a newline, as numpy does.
	prefix := len(npyMagic) + 2 + 2
	version := byte(1)
	if prefix+len(header)+1 > 1<<16 {
		prefix, version = len(npyMagic)+2+4, 2
	}
	total := (prefix + len(header) + 1 + 63) / 64 * 64
	header += strings.Repeat(" ", total-prefix-len(header)-1) + "\n"

	var head bytes.Buffer
	head.WriteString(npyMagic)
	head.WriteByte(version)
	head.WriteByte(0)
	if version == 1 {
		binary.Write(&head, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&head, binary.LittleEndian, uint32(len(header)))
	}
	head.WriteString(header)
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	return writeElements(w, t, k)
}

// npyHeader is the parsed header of an NPY file.
type npyHeader struct {
	kind    rawKind
	big     bool
	fortran bool
	shape   []int64
	numel   int
}

// ReadNPY reads one tensor in NumPy's .npy format (versions 1.0, 2.0 and 3.0) from r.
//
// Supported dtypes are floats (f2, f4, f8), signed and unsigned integers (i1 to i8, u1 to u8)
// and bool (b1), in either byte order: f2 converts to Float32 and the integers to Int64 (a u8
// value beyond the int64 range is an error). Fortran-ordered arrays are read and returned in
// row-major layout. Object arrays, structured dtypes and complex numbers are refused with an
// error wrapping ErrFormat. The header is checked before any tensor memory is allocated; when
// r's remaining length can be told (an *os.File, a *bytes.Reader, a *strings.Reader), the
// data must fit in it; otherwise the tensor grows only as data actually arrives.
func ReadNPY(r io.Reader) (*eager.Tensor, error) {
	return readNPY(r, remainingLen(r))
}

// remainingLen returns how many bytes r has left, or -1 when it cannot tell.
func remainingLen(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		pos, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return st.Size() - pos
	}
	return -1
}

// readNPY reads an NPY stream; remaining is r's length in bytes, or -1 when unknown.
func readNPY(r io.Reader, remaining int64) (*eager.Tensor, error) {
	h, n, err := readNPYHeader(r)
	if err != nil {
		return nil, err
	}
	span := byteSpan(h.numel, h.kind)
	exact := false
	if remaining >= 0 {
		if left := remaining - int64(n); span > left {
			return nil, formatErr("npy shape %v needs %d bytes of data, but only %d remain", h.shape, span, left)
		}
		exact = true
	}
	shape := h.shape
	if h.fortran {
		shape = reversed(h.shape)
	}
	t, err := readElements(r, h.kind, h.big, shape, h.numel, exact)
	if err != nil {
		return nil, err
	}
	if h.fortran && len(shape) > 1 {
		perm := make([]int, len(shape))
		for i := range perm {
			perm[i] = len(shape) - 1 - i
		}
		t = t.Permute(perm...).Contiguous()
	}
	return t, nil
}

func reversed(s []int64) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// readNPYHeader reads magic, version and header dict; it returns the header and the number
// of bytes consumed.
func readNPYHeader(r io.Reader) (npyHeader, int, error) {
	var pre [len(npyMagic) + 2]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return npyHeader{}, 0, readErr(err)
	}
	if string(pre[:len(npyMagic)]) != npyMagic {
		return npyHeader{}, 0, formatErr("not an NPY file (bad magic)")
	}
	major, minor := pre[len(npyMagic)], pre[len(npyMagic)+1]
	var hl int
	n := len(pre)
	switch {
	case major == 1 && minor == 0:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return npyHeader{}, 0, readErr(err)
		}
		hl, n = int(binary.LittleEndian.Uint16(b[:])), n+2
	case (major == 2 || major == 3) && minor == 0:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return npyHeader{}, 0, readErr(err)
		}
		l := binary.LittleEndian.Uint32(b[:])
		if l > MaxNPYHeader {
			return npyHeader{}, 0, formatErr("npy header length %d exceeds the limit of %d bytes", l, MaxNPYHeader)
		}
		hl, n = int(l), n+4
	default:
		return npyHeader{}, 0, formatErr("unsupported NPY format version %d.%d", major, minor)
	}
	hb := make([]byte, hl)
	if _, err := io.ReadFull(r, hb); err != nil {
		return npyHeader{}, 0, readErr(err)
	}
	h, err := parseNPYHeader(string(hb))
	return h, n + hl, err
}

// parseNPYHeader parses the Python dict literal {'descr': ..., 'fortran_order': ...,
// 'shape': (...)} that numpy writes.
func parseNPYHeader(s string) (npyHeader, error) {
	p := &pyParser{s: s}
	var h npyHeader
	var descr string
	have := map[string]bool{}
	if !p.eat('{') {
		return h, formatErr("npy header is not a dict: %.60q", s)
	}
	for !p.eat('}') {
		key, ok := p.str()
		if !ok || !p.eat(':') {
			return h, formatErr("npy header is not a valid dict: %.60q", s)
		}
		if have[key] {
			return h, formatErr("npy header has the key %q twice", key)
		}
		have[key] = true
		switch key {
		case "descr":
			if descr, ok = p.str(); !ok {
				return h, formatErr("npy descr is not a string (structured dtypes are not supported): %.60q", s)
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
			default:
				return h, formatErr("npy fortran_order is not True or False: %.60q", s)
			}
		case "shape":
			if h.shape, ok = p.tuple(); !ok {
				return h, formatErr("npy shape is not a tuple of integers: %.60q", s)
			}
		default:
			return h, formatErr("npy header has unexpected key %q", key)
		}
		if !p.eat(',') {
			if !p.eat('}') {
				return h, formatErr("npy header is not a valid dict: %.60q", s)
			}
			break
		}
	}
	p.space()
	if p.i != len(p.s) {
		return h, formatErr("npy header has trailing data: %.60q", s)
	}
	if !have["descr"] || !have["fortran_order"] || !have["shape"] {
		return h, formatErr("npy header lacks descr, fortran_order or shape: %.60q", s)
	}
	var err error
	if h.kind, h.big, err = npyKind(descr); err != nil {
		return h, err
	}
	if h.numel, err = checkedNumel(h.shape); err != nil {
		return h, err
	}
	return h, nil
}

// npyKind maps a numpy dtype string such as "<f4" to a stored kind and byte order.
func npyKind(descr string) (rawKind, bool, error) {
	d := descr
	big := false
	if d != "" {
		switch d[0] {
		case '<', '|':
			d = d[1:]
		case '>':
			big, d = true, d[1:]
		case '=':
			big, d = nativeBig(), d[1:]
		}
	}
	k := map[string]rawKind{
		"f2": kindF16, "f4": kindF32, "f8": kindF64,
		"i1": kindI8, "i2": kindI16, "i4": kindI32, "i8": kindI64,
		"u1": kindU8, "u2": kindU16, "u4": kindU32, "u8": kindU64,
		"b1": kindBool, "?": kindBool,
	}[d]
	if k == kindInvalid {
		return 0, false, formatErr("unsupported npy dtype %q", descr)
	}
	return k, big, nil
}

func nativeBig() bool {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], 1)
	return b[0] == 0
}

// pyParser reads the small subset of Python literal syntax used by NPY headers.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) eat(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// word consumes the identifier w if it comes next.
func (p *pyParser) word(w string) bool {
	p.space()
	if !strings.HasPrefix(p.s[p.i:], w) {
		return false
	}
	j := p.i + len(w)
	if j < len(p.s) && (isAlnum(p.s[j]) || p.s[j] == '_') {
		return false
	}
	p.i = j
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// str reads a quoted string without escapes (numpy's keys and dtype strings have none).
func (p *pyParser) str() (string, bool) {
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '\'' && p.s[p.i] != '"' {
		return "", false
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", false
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.IndexByte(v, '\\') >= 0 {
		return "", false
	}
	p.i += end + 2
	return v, true
}

// tuple reads a tuple of non-negative integers: (), (3,), (2, 3) (a Python 2 "L" suffix is
// allowed).
func (p *pyParser) tuple() ([]int64, bool) {
	if !p.eat('(') {
		return nil, false
	}
	out := []int64{}
	for !p.eat(')') {
		p.space()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		v, err := strconv.ParseInt(p.s[p.i:j], 10, 64)
		if err != nil {
			return nil, false
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' {
			p.i++
		}
		out = append(out, v)
		if !p.eat(',') {
			if !p.eat(')') {
				return nil, false
			}
			if len(out) == 1 {
				return nil, false // (3) is an int, not a tuple
			}
			break
		}
	}
	return out, true
}

// SaveNPY writes t to the .npy file at path atomically (see AtomicWriteFile).
func SaveNPY(path string, t *eager.Tensor, opts ...Option) error {
	return AtomicWriteFile(path, func(w io.Writer) error { return WriteNPY(w, t, opts...) })
}

// LoadNPY reads the .npy file at path.
func LoadNPY(path string) (*eager.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := ReadNPY(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}
