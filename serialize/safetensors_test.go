package serialize

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

// sameTensor reports whether a and b have the same dtype, shape and values (NaN equal to NaN).
func sameTensor(a, b *eager.Tensor) bool {
	if a.DType() != b.DType() || !equalShape(a.Shape(), b.Shape()) {
		return false
	}
	if a.DType() == eager.Int64 {
		x, y := a.Int64s(), b.Int64s()
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	x, y := a.Float64s(), b.Float64s()
	for i := range x {
		if x[i] != y[i] && !(math.IsNaN(x[i]) && math.IsNaN(y[i])) {
			return false
		}
	}
	return true
}

func sampleTensors() map[string]*eager.Tensor {
	return map[string]*eager.Tensor{
		"a.f32":   eager.FromSlice([]float32{1, -2.5, float32(math.Inf(1)), float32(math.NaN()), 0, 1e-40}, 3, 2),
		"b.f64":   eager.FromSlice([]float64{math.Pi, -1e300, 5e-324}),
		"c.i64":   eager.FromSlice([]int64{math.MinInt64, math.MaxInt64, 0, -1}, 2, 1, 2),
		"d.bool":  eager.FromSlice([]bool{true, false, false, true}, 2, 2),
		"e.0d":    eager.Scalar(7),
		"f.empty": eager.Zeros(0, 4),
		"g.view":  eager.Arange(0, 12, 1).Reshape(3, 4).Transpose(0, 1), // non-contiguous
	}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	in := sampleTensors()
	meta := map[string]string{"format": "pt", "quote\"d": "line\nbreak <&> ü"}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, in, meta); err != nil {
		t.Fatal(err)
	}
	out, gotMeta, err := ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d tensors, want %d", len(out), len(in))
	}
	for name, want := range in {
		if !sameTensor(out[name], want) {
			t.Errorf("%s: got %v, want %v", name, out[name], want)
		}
	}
	if len(gotMeta) != len(meta) || gotMeta["quote\"d"] != meta["quote\"d"] {
		t.Errorf("metadata = %q, want %q", gotMeta, meta)
	}

	// No metadata and no tensors.
	buf.Reset()
	if err := WriteSafetensors(&buf, nil, nil); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "\x08\x00\x00\x00\x00\x00\x00\x00{}      " {
		t.Errorf("empty file is %q", buf.String())
	}
	out, gotMeta, err = ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || len(out) != 0 || gotMeta != nil {
		t.Errorf("empty file read as %v, %v, %v", out, gotMeta, err)
	}
}

func TestSafetensorsLayout(t *testing.T) {
	var buf bytes.Buffer
	ts := map[string]*eager.Tensor{"z": eager.Zeros(3), "m": eager.OnesOf(eager.Bool, 3), "a": eager.ZerosOf(eager.Int64, 1)}
	if err := WriteSafetensors(&buf, ts, nil, WithFloat16()); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	hl := binary.LittleEndian.Uint64(b)
	if hl%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", hl)
	}
	want := `{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"z":{"dtype":"F16","shape":[3],"data_offsets":[8,14]},"m":{"dtype":"BOOL","shape":[3],"data_offsets":[14,17]}}`
	if got := strings.TrimRight(string(b[8:8+hl]), " "); got != want {
		t.Errorf("header\n%s\nwant\n%s", got, want)
	}
}

func TestSafetensorsHalfOptions(t *testing.T) {
	vals := []float32{1, -0.1, 65504, 70000, 1e-8, 3.14159, float32(math.NaN())}
	x := eager.FromSlice(vals, 7)
	for _, c := range []struct {
		name string
		opt  Option
		conv func(float32) float32
	}{
		{"F16", WithFloat16(), func(v float32) float32 { return f16ToF32(f32ToF16(v)) }},
		{"BF16", WithBFloat16(), func(v float32) float32 { return math.Float32frombits(uint32(f32ToBF16(v)) << 16) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			in := map[string]*eager.Tensor{"x": x, "x64": x.To(eager.Float64), "i": eager.ZerosOf(eager.Int64, 2)}
			if err := WriteSafetensors(&buf, in, nil, c.opt); err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(buf.Bytes(), []byte(`"dtype":"`+c.name+`"`)) || !bytes.Contains(buf.Bytes(), []byte(`"I64"`)) {
				t.Errorf("header %q", buf.Bytes())
			}
			out, _, err := ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"x", "x64"} {
				got := out[name]
				if got.DType() != eager.Float32 {
					t.Errorf("%s loads as %v, want float32", name, got.DType())
				}
				for i, v := range got.Float32s() {
					w := c.conv(vals[i])
					if v != w && !(v != v && w != w) {
						t.Errorf("%s[%d] = %v, want %v", name, i, v, w)
					}
				}
			}
			if out["i"].DType() != eager.Int64 {
				t.Errorf("int tensor changed to %v", out["i"].DType())
			}
		})
	}
}

func TestSafetensorsWriteErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		ts   map[string]*eager.Tensor
		meta map[string]string
		want string
	}{
		{"metadata name", map[string]*eager.Tensor{"__metadata__": eager.Zeros(1)}, nil, "cannot be a tensor name"},
		{"nil", map[string]*eager.Tensor{"x": nil}, nil, "is nil"},
		{"utf8 name", map[string]*eager.Tensor{"\xff": eager.Zeros(1)}, nil, "UTF-8"},
		{"utf8 meta", nil, map[string]string{"k": "\xfe"}, "UTF-8"},
	} {
		err := WriteSafetensors(&bytes.Buffer{}, c.ts, c.meta)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// craftST builds a safetensors file from a header and a data section.
func craftST(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestSafetensorsReadErrors(t *testing.T) {
	f32 := func(name string, shape string, b, e int) string {
		return `"` + name + `":{"dtype":"F32","shape":` + shape + `,"data_offsets":[` + itoa(b) + `,` + itoa(e) + `]}`
	}
	d8 := make([]byte, 8)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "shorter than"},
		{"header too long", craftST("{}", nil)[:8], "exceeds the file size"},
		{"header over limit", binary.LittleEndian.AppendUint64(nil, MaxSafetensorsHeader+1), "exceeds the limit"},
		{"huge header length", binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "exceeds the limit"},
		{"not an object", craftST(`["a"]`, nil), "does not start with '{'"},
		{"bad json", craftST(`{"a":`, nil), "EOF"},
		{"bad json 2", craftST(`{"a" 1}`, nil), "expected colon"},
		{"bad json 3", craftST(`{,}`, nil), "safetensors header"},
		{"bad utf8", craftST("{\"\xff\":1}", nil), "UTF-8"},
		{"trailing", craftST(`{} {}`, nil), "trailing data"},
		{"trailing garbage", craftST(`{}x`, nil), "safetensors header"},
		{"unknown dtype", craftST(`{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}`, d8), `unsupported dtype "C64"`},
		{"missing field", craftST(`{"a":{"dtype":"F32","shape":[2]}}`, d8), "needs dtype, shape and data_offsets"},
		{"null entry", craftST(`{"a":null}`, nil), "needs dtype"},
		{"wrong type", craftST(`{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}`, d8), `tensor "a"`},
		{"negative dim", craftST(`{`+f32("a", "[-1]", 0, 8)+`}`, d8), "negative dimension"},
		{"fractional dim", craftST(`{`+f32("a", "[1.5]", 0, 8)+`}`, d8), `tensor "a"`},
		{"overflow", craftST(`{`+f32("a", "[4294967296,4294967296]", 0, 8)+`}`, d8), "too large"},
		{"overflow hidden by zero", craftST(`{`+f32("a", "[0,4294967296,4294967296]", 0, 0)+`}`, nil), "too large"},
		{"offsets length", craftST(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}`, d8), "invalid data_offsets"},
		{"offsets reversed", craftST(`{`+f32("a", "[0]", 8, 0)+`}`, d8), "invalid data_offsets"},
		{"offsets negative", craftST(`{`+f32("a", "[0]", -8, 0)+`}`, d8), "invalid data_offsets"},
		{"span mismatch", craftST(`{`+f32("a", "[3]", 0, 8)+`}`, d8), "needs 12"},
		{"gap", craftST(`{`+f32("a", "[1]", 4, 8)+`}`, d8), "leaving a gap"},
		{"overlap", craftST(`{`+f32("a", "[2]", 0, 8)+`,`+f32("b", "[1]", 4, 8)+`}`, d8), "overlaps"},
		{"extra data", craftST(`{`+f32("a", "[1]", 0, 4)+`}`, d8), "data section holds 8"},
		{"short data", craftST(`{`+f32("a", "[4]", 0, 16)+`}`, d8), "data section holds 8"},
		{"duplicate name", craftST(`{`+f32("a", "[1]", 0, 4)+`,`+f32("a", "[1]", 4, 8)+`}`, d8), "twice"},
		{"metadata not strings", craftST(`{"__metadata__":{"a":1}}`, nil), "must map strings to strings"},
		{"metadata array", craftST(`{"__metadata__":["a"]}`, nil), "must map strings to strings"},
		{"u64 overflow", craftST(`{"a":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}`, bytes.Repeat([]byte{0xff}, 8)), "does not fit in int64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := ReadSafetensors(bytes.NewReader(c.file), int64(len(c.file)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %v does not wrap ErrFormat", err)
			}
		})
	}
}

// TestSafetensorsSizeLies checks a size larger than what the reader holds: an error, not a
// panic.
func TestSafetensorsSizeLies(t *testing.T) {
	f := craftST(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, make([]byte, 8))
	_, _, err := ReadSafetensors(bytes.NewReader(f), int64(len(f))+8)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("error %v, want a truncation", err)
	}
}

func TestSafetensorsIntegerKinds(t *testing.T) {
	cases := []struct {
		dtype string
		raw   []byte
		want  []float64
	}{
		{"U32", []byte{0xff, 0xff, 0xff, 0xff}, []float64{4294967295}},
		{"U16", []byte{0xfe, 0xff}, []float64{65534}},
		{"I16", []byte{0xfe, 0xff}, []float64{-2}},
		{"I8", []byte{0x80}, []float64{-128}},
		{"U64", []byte{1, 0, 0, 0, 0, 0, 0, 0x7f}, []float64{float64(0x7f00000000000001)}},
		{"F8_E4M3", []byte{0x38, 0xb8, 0x7f, 0x01, 0x7e}, []float64{1, -1, math.NaN(), 1.0 / 512, 448}},
		{"F8_E5M2", []byte{0x3c, 0x7c, 0x01}, []float64{1, math.Inf(1), 1.0 / (1 << 16)}},
		{"BOOL", []byte{0, 1, 2}, []float64{0, 1, 1}},
	}
	for _, c := range cases {
		t.Run(c.dtype, func(t *testing.T) {
			f := craftST(`{"x":{"dtype":"`+c.dtype+`","shape":[`+itoa(len(c.want))+`],"data_offsets":[0,`+itoa(len(c.raw))+`]}}`, c.raw)
			ts, _, err := ReadSafetensors(bytes.NewReader(f), int64(len(f)))
			if err != nil {
				t.Fatal(err)
			}
			got := ts["x"].Float64s()
			for i, w := range c.want {
				if got[i] != w && !(math.IsNaN(got[i]) && math.IsNaN(w)) {
					t.Errorf("x[%d] = %v, want %v", i, got[i], w)
				}
			}
		})
	}
}

func TestSafetensorsFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	in := sampleTensors()
	if err := SaveSafetensors(path, in, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	out, meta, err := LoadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["k"] != "v" || !sameTensor(out["g.view"], in["g.view"]) {
		t.Errorf("file round trip lost data: %v %v", meta, out["g.view"])
	}
	if _, _, err := LoadSafetensors(path + ".missing"); err == nil {
		t.Errorf("loading a missing file succeeded")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
