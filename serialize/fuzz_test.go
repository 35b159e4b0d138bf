package serialize

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/eagerml/eager"
)

// The fuzz targets feed arbitrary bytes to the readers: they must return an error or tensors,
// never panic, hang or allocate beyond what the input calls for; and what they return must
// survive a write and a second read unchanged. Run, e.g.,
//
//	go test -fuzz=FuzzReadSafetensors -fuzztime=60s ./serialize
//
// Inputs that once failed are kept in testdata/fuzz/<target>.

func addFiles(f *testing.F, pattern string) {
	paths, _ := filepath.Glob(pattern)
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

func sameMaps(t *testing.T, a, b map[string]*eager.Tensor) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d tensors became %d", len(a), len(b))
	}
	for k, v := range a {
		if b[k] == nil || !sameTensor(v, b[k]) {
			t.Fatalf("tensor %q changed in a round trip: %v, then %v", k, v, b[k])
		}
	}
}

func FuzzReadSafetensors(f *testing.F) {
	addFiles(f, "testdata/*/*.safetensors")
	f.Add(craftST(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}`, make([]byte, 4)))
	f.Add(craftST(`{"a":{"dtype":"BOOL","shape":[0,3],"data_offsets":[0,0]}}`, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, meta, err := ReadSafetensors(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, ts, meta); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		ts2, meta2, err := ReadSafetensors(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("cannot read what was written: %v", err)
		}
		sameMaps(t, ts, ts2)
		if len(meta) != len(meta2) {
			t.Fatalf("metadata %q became %q", meta, meta2)
		}
		for k, v := range meta {
			if meta2[k] != v {
				t.Fatalf("metadata %q became %q", meta, meta2)
			}
		}
	})
}

func FuzzReadNPY(f *testing.F) {
	addFiles(f, "testdata/*/*.npy")
	f.Add(craftNPY(`{'descr': '>i2', 'fortran_order': True, 'shape': (2, 2), }`, make([]byte, 8)))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ReadNPY(bytes.NewReader(data))
		y, err2 := ReadNPY(onlyReader{bytes.NewReader(data)}) // the growing path
		if (err == nil) != (err2 == nil) {
			t.Fatalf("known length: %v; unknown length: %v", err, err2)
		}
		if err != nil {
			return
		}
		if !sameTensor(x, y) {
			t.Fatalf("the two paths read %v and %v", x, y)
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, x); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		z, err := ReadNPY(&buf)
		if err != nil {
			t.Fatalf("cannot read what was written: %v", err)
		}
		if !sameTensor(x, z) {
			t.Fatalf("round trip changed %v to %v", x, z)
		}
	})
}

func FuzzReadNPZ(f *testing.F) {
	addFiles(f, "testdata/*/*.npz")
	addFiles(f, "testdata/*/*.npy")
	f.Fuzz(func(t *testing.T, data []byte) {
		// data as an archive, and as the content of a stored and of a deflated entry (which
		// random archives rarely reach).
		for _, archive := range [][]byte{data, zipEntry(data, zip.Store), zipEntry(data, zip.Deflate)} {
			checkNPZ(t, archive)
		}
	})
}

func zipEntry(content []byte, method uint16) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "a.npy", Method: method})
	w.Write(content)
	zw.Close()
	return buf.Bytes()
}

func checkNPZ(t *testing.T, data []byte) {
	ts, err := ReadNPZ(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return
	}
	var buf bytes.Buffer
	if err := WriteNPZ(&buf, ts, Compressed()); err != nil {
		t.Fatalf("cannot write what was read: %v", err)
	}
	ts2, err := ReadNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("cannot read what was written: %v", err)
	}
	sameMaps(t, ts, ts2)
}
