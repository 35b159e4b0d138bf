package serialize

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

// onlyReader hides everything but Read, so ReadNPY cannot tell the remaining length.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestNPYRoundTrip(t *testing.T) {
	for name, x := range sampleTensors() {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteNPY(&buf, x); err != nil {
				t.Fatal(err)
			}
			if buf.Len()%64 != int(x.Numel()*x.DType().Size())%64 {
				t.Errorf("header is not padded to 64 bytes: file of %d bytes", buf.Len())
			}
			for _, r := range []io.Reader{bytes.NewReader(buf.Bytes()), onlyReader{bytes.NewReader(buf.Bytes())}} {
				got, err := ReadNPY(r)
				if err != nil {
					t.Fatal(err)
				}
				if !sameTensor(got, x) {
					t.Errorf("got %v, want %v", got, x)
				}
			}
		})
	}
}

func TestNPYHalf(t *testing.T) {
	x := eager.FromSlice([]float64{1, 0.1, 1e6})
	var buf bytes.Buffer
	if err := WriteNPY(&buf, x, WithFloat16()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "'descr': '<f2'") {
		t.Errorf("header %q", buf.String()[:64])
	}
	got, err := ReadNPY(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, f16ToF32(f32ToF16(0.1)), float32(math.Inf(1))}
	for i, v := range got.Float32s() {
		if v != want[i] {
			t.Errorf("x[%d] = %v, want %v", i, v, want[i])
		}
	}
	if err := WriteNPY(&bytes.Buffer{}, x, WithBFloat16()); err == nil {
		t.Errorf("WriteNPY with bfloat16 succeeded")
	}
}

// TestNPYLongHeader checks that a shape too long for a version 1.0 header is written as 2.0.
func TestNPYLongHeader(t *testing.T) {
	shape := make([]int, 25000)
	for i := range shape {
		shape[i] = 1
	}
	x := eager.Ones(shape...)
	var buf bytes.Buffer
	if err := WriteNPY(&buf, x); err != nil {
		t.Fatal(err)
	}
	if buf.Bytes()[6] != 2 {
		t.Errorf("version %d.%d, want 2.0", buf.Bytes()[6], buf.Bytes()[7])
	}
	got, err := ReadNPY(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Dim() != 25000 || got.Float32s()[0] != 1 {
		t.Errorf("got a tensor of rank %d", got.Dim())
	}
}

// craftNPY builds a version 1.0 NPY file from a header dict and data.
func craftNPY(header string, data []byte) []byte {
	b := []byte(npyMagic + "\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	return append(append(b, header...), data...)
}

func TestNPYHeaders(t *testing.T) {
	ok := []struct {
		header string
		data   []byte
		shape  []int
		vals   []float64
	}{
		{`{"descr": "<i2", "fortran_order": False, "shape": (2,)}`, []byte{1, 0, 0xff, 0xff}, []int{2}, []float64{1, -1}},
		{`{'shape': (), 'fortran_order': False, 'descr': '>u2',}`, []byte{1, 0}, []int{}, []float64{256}},
		{`{'descr':'|i1','fortran_order':True,'shape':(2,2)}` + "   \n", []byte{1, 2, 3, 4}, []int{2, 2}, []float64{1, 3, 2, 4}},
		{`{'descr': '?', 'fortran_order': False, 'shape': (3L,), }`, []byte{0, 1, 9}, []int{3}, []float64{0, 1, 1}},
		{`{'descr': 'u1', 'fortran_order': False, 'shape': (1, 1, 1,), }`, []byte{200}, []int{1, 1, 1}, []float64{200}},
	}
	for _, c := range ok {
		got, err := ReadNPY(bytes.NewReader(craftNPY(c.header, c.data)))
		if err != nil {
			t.Errorf("%s: %v", c.header, err)
			continue
		}
		if !equalShape(got.Shape(), c.shape) {
			t.Errorf("%s: shape %v, want %v", c.header, got.Shape(), c.shape)
			continue
		}
		for i, v := range got.Float64s() {
			if v != c.vals[i] {
				t.Errorf("%s: [%d] = %v, want %v", c.header, i, v, c.vals[i])
			}
		}
	}

	f4 := func(shape string) string {
		return `{'descr': '<f4', 'fortran_order': False, 'shape': ` + shape + `, }`
	}
	bad := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"magic", []byte("\x93NUMPZ\x01\x00\x00\x00"), "bad magic"},
		{"version", []byte(npyMagic + "\x04\x00\x00\x00"), "version 4.0"},
		{"minor", []byte(npyMagic + "\x01\x01\x00\x00"), "version 1.1"},
		{"v2 huge header", append([]byte(npyMagic+"\x02\x00"), 0xff, 0xff, 0xff, 0xff), "exceeds the limit"},
		{"header truncated", []byte(npyMagic + "\x01\x00\x50\x00{'descr'"), "truncated"},
		{"not a dict", craftNPY(`['descr']`, nil), "not a dict"},
		{"object", craftNPY(`{'descr': '|O', 'fortran_order': False, 'shape': (1,), }`, nil), `unsupported npy dtype "|O"`},
		{"complex", craftNPY(`{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }`, nil), "unsupported npy dtype"},
		{"structured", craftNPY(`{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }`, nil), "structured"},
		{"missing key", craftNPY(`{'descr': '<f4', 'shape': (1,), }`, nil), "lacks"},
		{"extra key", craftNPY(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}`, nil), `unexpected key "x"`},
		{"duplicate key", craftNPY(`{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}`, nil), "twice"},
		{"fortran", craftNPY(`{'descr': '<f4', 'fortran_order': 1, 'shape': (1,)}`, nil), "True or False"},
		{"fortran word", craftNPY(`{'descr': '<f4', 'fortran_order': Truely, 'shape': (1,)}`, nil), "True or False"},
		{"int not tuple", craftNPY(f4("(3)"), nil), "not a tuple"},
		{"negative", craftNPY(f4("(-3,)"), nil), "not a tuple"},
		{"float dim", craftNPY(f4("(3.0,)"), nil), "not a tuple"},
		{"list shape", craftNPY(f4("[3]"), nil), "not a tuple"},
		{"unterminated", craftNPY(`{'descr': '<f4`, nil), "not a string"},
		{"unterminated dict", craftNPY(`{'descr': '<f4'`, nil), "not a valid dict"},
		{"trailing", craftNPY(f4("(1,)")+"x", nil), "trailing data"},
		{"escape", craftNPY(`{'descr': '<f\4', 'fortran_order': False, 'shape': (1,)}`, nil), "structured"},
		{"overflow", craftNPY(f4("(4294967296, 4294967296)"), nil), "too large"},
		{"data short", craftNPY(f4("(3,)"), make([]byte, 8)), "only 8 remain"},
		{"u8 overflow", craftNPY(`{'descr': '<u8', 'fortran_order': False, 'shape': (1,)}`, bytes.Repeat([]byte{0xff}, 8)), "does not fit"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadNPY(bytes.NewReader(c.file))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
		})
	}
}

// TestNPYHostileShapeStream checks that a header claiming a huge array, read from a stream of
// unknown length, fails at the end of the data without allocating for the claimed shape.
func TestNPYHostileShapeStream(t *testing.T) {
	f := craftNPY(`{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }`, make([]byte, 64))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadNPY(onlyReader{bytes.NewReader(f)})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("error %v, want a truncation", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("reading allocated %d bytes", n)
	}
}

func TestNPZRoundTrip(t *testing.T) {
	in := sampleTensors()
	for _, opts := range [][]Option{nil, {Compressed()}} {
		var buf bytes.Buffer
		if err := WriteNPZ(&buf, in, opts...); err != nil {
			t.Fatal(err)
		}
		out, err := ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Errorf("got %d arrays, want %d", len(out), len(in))
		}
		for name, want := range in {
			if !sameTensor(out[name], want) {
				t.Errorf("%s: got %v, want %v", name, out[name], want)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "a.npz")
	if err := SaveNPZ(path, in); err != nil {
		t.Fatal(err)
	}
	if out, err := LoadNPZ(path); err != nil || len(out) != len(in) {
		t.Errorf("LoadNPZ: %d arrays, %v", len(out), err)
	}
	if err := SaveNPY(path, in["c.i64"]); err != nil {
		t.Fatal(err)
	}
	if x, err := LoadNPY(path); err != nil || !sameTensor(x, in["c.i64"]) {
		t.Errorf("LoadNPY: %v, %v", x, err)
	}
}

// zipOf builds a zip archive from entries given as name, method, content triples.
func zipOf(t *testing.T, entries ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(entries); i += 3 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: entries[i].(string), Method: entries[i+1].(uint16)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(entries[i+2].([]byte))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestNPZErrors(t *testing.T) {
	var npy bytes.Buffer
	if err := WriteNPY(&npy, eager.Arange(0, 100, 1)); err != nil {
		t.Fatal(err)
	}
	good := npy.Bytes()
	huge := craftNPY(`{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }`, make([]byte, 1000))
	stored := zipOf(t, "a.npy", zip.Store, good)
	corrupt := bytes.Clone(stored)
	corrupt[bytes.Index(corrupt, good)+len(good)-3] ^= 0xff // a data byte: the CRC no longer matches

	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"not zip", []byte("hello, world"), "not a valid NPZ"},
		{"empty", nil, "not a valid NPZ"},
		{"not npy name", zipOf(t, "a.txt", zip.Store, good), "not a .npy file"},
		{"duplicate", zipOf(t, "a.npy", zip.Store, good, "a.npy", zip.Deflate, good), "twice"},
		{"bad npy", zipOf(t, "a.npy", zip.Store, []byte("garbage, not npy")), "bad magic"},
		{"trailing", zipOf(t, "a.npy", zip.Store, append(bytes.Clone(good), 0)), "data follows"},
		{"crc", corrupt, "checksum"},
		{"huge stored", zipOf(t, "a.npy", zip.Store, huge), "remain"},
		{"huge deflated", zipOf(t, "a.npy", zip.Deflate, huge), "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadNPZ(bytes.NewReader(c.file), int64(len(c.file)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
		})
	}
	// A directory entry is skipped.
	f := zipOf(t, "d/", zip.Store, []byte{}, "d/a.npy", zip.Store, good)
	if out, err := ReadNPZ(bytes.NewReader(f), int64(len(f))); err != nil || out["d/a"] == nil {
		t.Errorf("got %v, %v", out, err)
	}
}
