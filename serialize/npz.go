package serialize

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/eagerml/eager"
)

// WriteNPZ writes tensors to w as a NumPy .npz archive: a zip file holding one "<name>.npy"
// entry per tensor, in name order. Entries are stored uncompressed as numpy.savez does, or
// deflated with the Compressed option as numpy.savez_compressed does. Entry times are fixed
// (1980-01-01), so the same tensors always give the same bytes.
func WriteNPZ(w io.Writer, tensors map[string]*eager.Tensor, opts ...Option) error {
	o := collect(opts)
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		names = append(names, name)
	}
	sort.Strings(names)
	zw := zip.NewWriter(w)
	method := zip.Store
	if o.compress {
		method = zip.Deflate
	}
	for _, name := range names {
		fw, err := zw.CreateHeader(&zip.FileHeader{
			Name:     name + ".npy",
			Method:   method,
			Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC),
		})
		if err != nil {
			return err
		}
		if err := WriteNPY(fw, tensors[name], opts...); err != nil {
			return fmt.Errorf("serialize: NPZ entry %q: %w", name, err)
		}
	}
	return zw.Close()
}

// ReadNPZ reads a NumPy .npz archive of size bytes from r and returns its arrays by name
// (the entry names without ".npy"). Entries may be stored or deflated; each must be an NPY
// file that ReadNPY accepts, and its CRC is checked. A malformed archive gives an error
// wrapping ErrFormat.
//
// A stored entry's tensor is allocated once its header is checked against the entry's size;
// a deflated entry's tensor grows as data is decompressed, so a header that lies about its
// shape cannot cause a large allocation.
func ReadNPZ(r io.ReaderAt, size int64) (map[string]*eager.Tensor, error) {
	zr, err := zip.NewReader(r, size)
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // names like "../a.npy" only become map keys here
	}
	if err != nil {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrAlgorithm) || errors.Is(err, zip.ErrChecksum) ||
			err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, formatErr("not a valid NPZ (zip) archive: %v", err)
		}
		return nil, err
	}
	out := make(map[string]*eager.Tensor, len(zr.File))
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			return nil, formatErr("NPZ entry %q is not a .npy file", f.Name)
		}
		if _, dup := out[name]; dup {
			return nil, formatErr("NPZ has the entry %q twice", f.Name)
		}
		t, err := readNPZEntry(f, size)
		if err != nil {
			return nil, fmt.Errorf("serialize: NPZ entry %q: %w", f.Name, err)
		}
		out[name] = t
	}
	return out, nil
}

func readNPZEntry(f *zip.File, size int64) (*eager.Tensor, error) {
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return nil, formatErr("unsupported compression method %d", f.Method)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, zipErr(err)
	}
	defer rc.Close()
	remaining := int64(-1)
	if f.Method == zip.Store {
		// A stored entry's bytes are in the archive, so its size is bounded by the file's.
		if f.UncompressedSize64 != f.CompressedSize64 || f.CompressedSize64 > uint64(size) {
			return nil, formatErr("stored entry sizes %d and %d do not match the archive", f.CompressedSize64, f.UncompressedSize64)
		}
		remaining = int64(f.UncompressedSize64)
	}
	t, err := readNPY(rc, remaining)
	if err != nil {
		return nil, zipErr(err)
	}
	// Read on to the end so that the zip reader checks the CRC; nothing may follow the data.
	var one [1]byte
	n, err := io.ReadFull(rc, one[:])
	if n != 0 {
		return nil, formatErr("data follows the array")
	}
	if err != io.EOF {
		return nil, zipErr(err)
	}
	return t, nil
}

// zipErr marks the zip package's data errors as format errors.
func zipErr(err error) error {
	if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrAlgorithm) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, new(flate.CorruptInputError)) {
		return formatErr("%v", err)
	}
	return err
}

// SaveNPZ writes tensors to the .npz file at path atomically (see AtomicWriteFile).
func SaveNPZ(path string, tensors map[string]*eager.Tensor, opts ...Option) error {
	return AtomicWriteFile(path, func(w io.Writer) error { return WriteNPZ(w, tensors, opts...) })
}

// LoadNPZ reads the .npz file at path.
func LoadNPZ(path string) (map[string]*eager.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	ts, err := ReadNPZ(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ts, nil
}
