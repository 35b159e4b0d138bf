package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

// idxBytes encodes an IDX file of element type typ with the given dims and big-endian
// payload.
func idxBytes(typ byte, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

func TestReadIDXTypes(t *testing.T) {
	be := binary.BigEndian
	f32 := func(vs ...float32) []byte {
		var b []byte
		for _, v := range vs {
			b = be.AppendUint32(b, math.Float32bits(v))
		}
		return b
	}
	f64 := func(vs ...float64) []byte {
		var b []byte
		for _, v := range vs {
			b = be.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	for _, tc := range []struct {
		name    string
		file    []byte
		shape   []int
		asFloat []float64
		asInt   []int64
	}{
		{"uint8", idxBytes(idxUint8, []uint32{2, 3}, []byte{0, 1, 2, 127, 128, 255}), []int{2, 3}, []float64{0, 1, 2, 127, 128, 255}, []int64{0, 1, 2, 127, 128, 255}},
		{"int8", idxBytes(idxInt8, []uint32{3}, []byte{0x80, 0xff, 0x7f}), []int{3}, []float64{-128, -1, 127}, []int64{-128, -1, 127}},
		{"int16", idxBytes(idxInt16, []uint32{2}, []byte{0x80, 0x00, 0x01, 0x02}), []int{2}, []float64{-32768, 258}, []int64{-32768, 258}},
		{"int32", idxBytes(idxInt32, []uint32{1, 2}, be.AppendUint32(be.AppendUint32(nil, 0xffffffff), 70000)), []int{1, 2}, []float64{-1, 70000}, []int64{-1, 70000}},
		{"float32", idxBytes(idxFloat32, []uint32{2}, f32(1.5, -2.25)), []int{2}, []float64{1.5, -2.25}, []int64{1, -2}},
		{"float64", idxBytes(idxFloat64, []uint32{3}, f64(0.1, math.NaN(), 1e300)), []int{3}, []float64{0.1, math.NaN(), 1e300}, []int64{0, 0, math.MaxInt64}},
		{"empty", idxBytes(idxUint8, []uint32{0, 28, 28}, nil), []int{0, 28, 28}, []float64{}, []int64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, compress := range []bool{false, true} {
				file := tc.file
				if compress {
					file = gzipBytes(t, file)
				}
				x, err := ReadIDX(bytes.NewReader(file), eager.Float64)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(x.Shape(), tc.shape) || x.DType() != eager.Float64 {
					t.Errorf("shape %v %v, want %v float64", x.Shape(), x.DType(), tc.shape)
				}
				if got := x.Float64s(); !slices.EqualFunc(got, tc.asFloat, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
					t.Errorf("float64 values %v, want %v", got, tc.asFloat)
				}
				y, err := ReadIDX(bytes.NewReader(file), eager.Int64)
				if err != nil {
					t.Fatal(err)
				}
				if got := y.Int64s(); y.DType() != eager.Int64 || !slices.Equal(got, tc.asInt) {
					t.Errorf("int64 values %v, want %v", got, tc.asInt)
				}
				z, err := ReadIDX(bytes.NewReader(file), eager.Float32)
				if err != nil || z.DType() != eager.Float32 || !slices.Equal(z.Shape(), tc.shape) {
					t.Errorf("float32: %v %v", z, err)
				}
			}
		})
	}
}

func TestReadIDXErrors(t *testing.T) {
	valid := idxBytes(idxUint8, []uint32{2, 2}, []byte{1, 2, 3, 4})
	for _, tc := range []struct {
		name string
		file []byte
		msg  string
	}{
		{"empty", nil, "data: IDX: empty file"},
		{"short magic", []byte{0, 0}, "data: IDX header: file is truncated"},
		{"magic", []byte("P5\n28 28\n255\n"), "data: IDX: not an IDX file: magic number 0x50350a32 does not start with two zero bytes"},
		{"type", idxBytes(0x07, []uint32{1}, []byte{0}), "data: IDX: unknown element type 0x07 in magic number 0x00000701"},
		{"no dims", idxBytes(idxUint8, nil, []byte{0}), "data: IDX: 0 dims, want 1 to 16"},
		{"too many dims", idxBytes(idxUint8, make([]uint32, 17), nil), "data: IDX: 17 dims, want 1 to 16"},
		{"short dims", valid[:9], "data: IDX header: file is truncated"},
		{"truncated data", valid[:len(valid)-1], "data: IDX data of shape [2 2]: file is truncated: the header promises 4 bytes of data, the file has 3"},
		{"trailing data", append(slices.Clone(valid), 5), "data: IDX: unexpected data after the end promised by the header"},
		{"huge", idxBytes(idxFloat64, []uint32{1 << 31, 1 << 31}, nil), "data: IDX: dims [2147483648 2147483648] declare more than 4294967296 bytes of data"},
		{"bad gzip header", []byte{0x1f, 0x8b, 0}, "data: bad gzip header: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(tc.file), eager.Float32)
			if !errors.Is(err, ErrFormat) || err.Error() != tc.msg {
				t.Errorf("got %v\nwant %s (wrapping ErrFormat)", err, tc.msg)
			}
		})
	}
}

// TestReadIDXHostileHeader checks that a header claiming gigabytes costs no more memory
// than the bytes that follow it.
func TestReadIDXHostileHeader(t *testing.T) {
	// 60000 × 28 × 28 bytes promised, 1 MiB delivered (compressed to a few KiB).
	file := gzipBytes(t, idxBytes(idxUint8, []uint32{60000, 28, 28}, make([]byte, 1<<20)))
	hostile := idxBytes(idxFloat64, []uint32{20000, 20000}, make([]byte, 100)) // 3.2 GB promised
	for _, f := range [][]byte{file, hostile} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadIDX(bytes.NewReader(f), eager.Float32)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "file is truncated") {
			t.Errorf("got %v, want a truncation error", err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Errorf("reading a truncated file allocated %d bytes", alloc)
		}
	}
}
