package data

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/eagerml/eager"
)

// The fuzz targets check that the readers never panic and that what they accept is
// consistent. Run them with, e.g.,
//
//	go test -run '^$' -fuzz FuzzReadIDX -fuzztime 60s -parallel 1 ./data
//
// An input that makes one fail is written to testdata/fuzz/<target>; commit it there so
// that it runs as an ordinary test from then on. (60 s runs of both found none so far.)

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(idxUint8, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(gzipBytes(f, idxBytes(idxUint8, []uint32{3}, []byte{7, 8, 9})))
	f.Add(idxBytes(idxFloat32, []uint32{1}, []byte{0x3f, 0x80, 0, 0}))
	f.Add(idxBytes(idxFloat64, []uint32{1, 1}, []byte{0x7f, 0xf8, 0, 0, 0, 0, 0, 1}))
	f.Add(idxBytes(idxInt16, []uint32{0xffffffff, 2}, nil))
	f.Add([]byte{0, 0, 8})
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := ReadIDX(bytes.NewReader(b), eager.Float32)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error does not wrap ErrFormat: %v", err)
			}
			return
		}
		// An accepted file's header matches its data: re-encoding the values as float32
		// IDX gives the same shape.
		dims := make([]uint32, x.Dim())
		for d := range dims {
			dims[d] = uint32(x.Size(d))
		}
		y, err := ReadIDX(bytes.NewReader(idxBytes(idxFloat32, dims, make([]byte, 4*x.Numel()))), eager.Int64)
		if err != nil || !slices.Equal(x.Shape(), y.Shape()) {
			t.Fatalf("shape %v does not round-trip: %v %v", x.Shape(), y, err)
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	iris, err := os.ReadFile("testdata/iris.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(iris[:200], uint8(0))
	f.Add([]byte("a,b,species\n1,2,setosa\n3,4,virginica\n"), uint8(0))
	f.Add([]byte("1,2,0.5\n3,4,1e3\n"), uint8(1))
	f.Add([]byte("2,1,x\n1,0\n5,1\n"), uint8(2))
	f.Add(gzipBytes(f, []byte("1;2\n3;4\n")), uint8(3))
	f.Add([]byte("\"1\",\" 2\"\n\"3\n\",4"), uint8(4))
	f.Fuzz(func(t *testing.T, b []byte, mode uint8) {
		var opts []CSVOption
		switch mode % 5 {
		case 1:
			opts = append(opts, FloatLabels())
		case 2:
			opts = append(opts, LabelColumn(0), Header(true))
		case 3:
			opts = append(opts, Comma(';'), NoLabel())
		case 4:
			opts = append(opts, Header(false), LabelColumn(-2))
		}
		tab, err := ReadCSV(bytes.NewReader(b), opts...)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error does not wrap ErrFormat: %v", err)
			}
			return
		}
		n := tab.Len()
		if tab.X.Dim() != 2 || len(tab.Features) != tab.X.Size(1) {
			t.Fatalf("X shape %v with %d feature names", tab.X.Shape(), len(tab.Features))
		}
		if tab.Y != nil {
			if !slices.Equal(tab.Y.Shape(), []int{n}) {
				t.Fatalf("Y shape %v for %d rows", tab.Y.Shape(), n)
			}
			if tab.Y.DType() == eager.Int64 && tab.Classes != nil {
				for _, c := range tab.Y.Int64s() {
					if c < 0 || int(c) >= len(tab.Classes) {
						t.Fatalf("class id %d outside the %d named classes", c, len(tab.Classes))
					}
				}
			}
		}
		if n > 0 {
			if _, err := tab.Get(n - 1); err != nil {
				t.Fatal(err)
			}
		}
	})
}
