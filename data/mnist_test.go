package data

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

var (
	mnistOnce  [2]sync.Once
	mnistSets  [2]*MNIST
	mnistError [2]error
)

// loadMNIST loads the bundled MNIST set once per test binary (the training images take a
// few hundred milliseconds to decompress and hash).
func loadMNIST(tb testing.TB, train bool) *MNIST {
	tb.Helper()
	k := 0
	if train {
		k = 1
	}
	mnistOnce[k].Do(func() {
		dir, err := MNISTDir()
		if err == nil {
			mnistSets[k], err = LoadMNIST(dir, train)
		}
		mnistError[k] = err
	})
	if mnistError[k] != nil {
		tb.Fatal(mnistError[k])
	}
	return mnistSets[k]
}

func TestLoadMNIST(t *testing.T) {
	// Reference values computed from the IDX bytes with Python's gzip module.
	for _, tc := range []struct {
		train          bool
		n              int
		labels         []int
		sum0, sumLast  int // byte sums of the first and last images
		classCounts    []int
		normalizedMean float64
	}{
		{true, 60000, []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, 27525, 20920, []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, 0},
		{false, 10000, []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}, 18454, 41833, []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, 0},
	} {
		m := loadMNIST(t, tc.train)
		if m.Len() != tc.n {
			t.Fatalf("train=%v: Len = %d, want %d", tc.train, m.Len(), tc.n)
		}
		if h, w := m.ImageSize(); h != 28 || w != 28 {
			t.Errorf("ImageSize = %d×%d", h, w)
		}
		counts := make([]int, 10)
		for i := range m.Len() {
			counts[m.Label(i)]++
		}
		if !slices.Equal(counts, tc.classCounts) {
			t.Errorf("train=%v: class counts %v, want %v", tc.train, counts, tc.classCounts)
		}
		b, err := m.GetBatch([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.X.Shape(), []int{10, 1, 28, 28}) || !slices.Equal(b.Y.Shape(), []int{10}) {
			t.Errorf("batch shapes %v %v, want [10 1 28 28] [10]", b.X.Shape(), b.Y.Shape())
		}
		for k, y := range b.Y.Int64s() {
			if int(y) != tc.labels[k] {
				t.Errorf("train=%v: labels %v, want %v", tc.train, b.Y.Int64s(), tc.labels)
				break
			}
		}
		for _, c := range []struct{ i, sum int }{{0, tc.sum0}, {tc.n - 1, tc.sumLast}} {
			s, err := m.Get(c.i)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.X.Shape(), []int{1, 28, 28}) || s.Y.Dim() != 0 {
				t.Errorf("sample shapes %v %v", s.X.Shape(), s.Y.Shape())
			}
			px := s.X.Float32s()
			lo, hi := slices.Min(px), slices.Max(px)
			if got := s.X.Sum().Item() * 255; math.Abs(got-float64(c.sum)) > 0.01 || lo < 0 || hi > 1 {
				t.Errorf("train=%v image %d: pixel sum×255 %v, want %d; range [%v, %v]", tc.train, c.i, got, c.sum, lo, hi)
			}
		}
	}
}

func TestMNISTNormalize(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadMNIST(dir, false, Normalize(MNISTMean, MNISTStd))
	if err != nil {
		t.Fatal(err)
	}
	raw := loadMNIST(t, false)
	s, _ := m.Get(0)
	r, _ := raw.Get(0)
	want := r.X.SubScalar(MNISTMean).DivScalar(MNISTStd).Float32s()
	if got := s.X.Float32s(); !slices.Equal(got, want) {
		t.Errorf("normalized image differs from (x - mean) / std")
	}
	// The whole-set tensors agree with Get.
	x, y := m.Tensors()
	if !slices.Equal(x.Shape(), []int{10000, 1, 28, 28}) || !slices.Equal(y.Shape(), []int{10000}) {
		t.Errorf("Tensors shapes %v %v", x.Shape(), y.Shape())
	}
	if got := x.Select(0, 0).Float32s(); !slices.Equal(got, want) {
		t.Errorf("Tensors()[0] differs from Get(0)")
	}
}

// TestMNISTBatchMatchesCollate checks that GetBatch gives what Get and DefaultCollate give.
func TestMNISTBatchMatchesCollate(t *testing.T) {
	m := loadMNIST(t, false)
	idx := []int{9999, 0, 5000, 17}
	fast, err := m.GetBatch(idx)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := getAndCollate(m, idx, DefaultCollate)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fast.X.Shape(), slow.X.Shape()) || !slices.Equal(fast.X.Float32s(), slow.X.Float32s()) ||
		!slices.Equal(fast.Y.Shape(), slow.Y.Shape()) || !slices.Equal(fast.Y.Int64s(), slow.Y.Int64s()) {
		t.Error("GetBatch and Get+DefaultCollate disagree")
	}
}

// TestMNISTSHA256SUMS checks that the committed SHA256SUMS lists the committed files.
func TestMNISTSHA256SUMS(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	sums, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	if len(lines) != 4 {
		t.Fatalf("SHA256SUMS has %d lines, want 4", len(lines))
	}
	for _, line := range lines {
		want, name, _ := strings.Cut(line, "  ")
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(b); hex.EncodeToString(got[:]) != want {
			t.Errorf("%s: SHA-256 %x, SHA256SUMS says %s", name, got, want)
		}
	}
	if err := VerifyMNIST(dir); err != nil {
		t.Errorf("VerifyMNIST of the bundled folder: %v", err)
	}
}

// copyMNIST copies the bundled test-set files into a temporary folder, applying edit to
// the decompressed labels, and writes them compressed (or not).
func copyMNIST(t *testing.T, compress bool, edit func(labels []byte)) string {
	t.Helper()
	src, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	for _, name := range []string{trainImages, trainLabels, testImages, testLabels} {
		if strings.HasPrefix(name, "train") {
			// The training files are only needed by VerifyMNIST: link them.
			if err := os.Symlink(filepath.Join(src, name+".gz"), filepath.Join(dst, name+".gz")); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b := gunzipFile(t, filepath.Join(src, name+".gz"))
		if name == testLabels && edit != nil {
			edit(b)
		}
		path := filepath.Join(dst, name)
		if compress {
			b, path = gzipBytes(t, b), path+".gz"
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func gunzipFile(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMNISTRawAndRecompressed(t *testing.T) {
	for _, compress := range []bool{false, true} {
		dir := copyMNIST(t, compress, nil)
		m, err := LoadMNIST(dir, false)
		if err != nil {
			t.Fatalf("compress=%v: %v", compress, err)
		}
		if m.Len() != 10000 || m.Label(0) != 7 {
			t.Errorf("compress=%v: Len %d, first label %d", compress, m.Len(), m.Label(0))
		}
		if err := VerifyMNIST(dir); err != nil {
			t.Errorf("compress=%v: VerifyMNIST: %v", compress, err)
		}
	}
}

func TestMNISTChecksumMismatch(t *testing.T) {
	// A well-formed file with one label changed: only the checksum can tell.
	dir := copyMNIST(t, true, func(labels []byte) { labels[8] = (labels[8] + 1) % 10 })
	_, err := LoadMNIST(dir, false)
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "t10k-labels-idx1-ubyte.gz: SHA-256 of the IDX data is") {
		t.Errorf("LoadMNIST of a changed file: %v, want a checksum error naming the file", err)
	}
	if err := VerifyMNIST(dir); !errors.Is(err, ErrChecksum) {
		t.Errorf("VerifyMNIST of a changed file: %v, want ErrChecksum", err)
	}
	// The same files read without verification.
	img, _ := os.Open(filepath.Join(dir, testImages+".gz"))
	defer img.Close()
	lbl, _ := os.Open(filepath.Join(dir, testLabels+".gz"))
	defer lbl.Close()
	m, err := NewMNIST(img, lbl)
	if err != nil {
		t.Fatal(err)
	}
	if m.Label(0) != 8 {
		t.Errorf("NewMNIST: label 0 = %d, want the changed 8", m.Label(0))
	}
}

func TestMNISTBadFiles(t *testing.T) {
	src, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile(filepath.Join(src, testLabels+".gz"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		labels []byte // contents of t10k-labels-idx1-ubyte.gz; nil: missing
		is     error
		msg    string
	}{
		{"missing", nil, fs.ErrNotExist, "neither t10k-labels-idx1-ubyte.gz nor t10k-labels-idx1-ubyte is in"},
		{"truncated gzip", gz[:len(gz)/2], ErrFormat, "file is truncated"},
		{"corrupt gzip", corrupt(gz, 1000, 0x5a), ErrFormat, "corrupt gzip stream"},
		{"bad gzip CRC", corrupt(gz, len(gz)-6, 0x01), ErrFormat, "corrupt gzip stream: gzip: invalid checksum"},
		{"not IDX", gzipBytes(t, []byte("hello, world")), ErrFormat, "not an IDX file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{testImages + ".gz"} {
				os.Symlink(filepath.Join(src, name), filepath.Join(dir, name))
			}
			if tc.labels != nil {
				os.WriteFile(filepath.Join(dir, testLabels+".gz"), tc.labels, 0o644)
			}
			_, err := LoadMNIST(dir, false)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v, want an error wrapping %v containing %q", err, tc.is, tc.msg)
			}
		})
	}
}

// corrupt returns a copy of b with b[i] xor-ed with mask.
func corrupt(b []byte, i int, mask byte) []byte {
	c := slices.Clone(b)
	c[i] ^= mask
	return c
}

func TestMNISTDirEnv(t *testing.T) {
	t.Setenv("EAGER_MNIST_DIR", "/some/where")
	if dir, err := MNISTDir(); err != nil || dir != "/some/where" {
		t.Errorf("MNISTDir with EAGER_MNIST_DIR = %q, %v", dir, err)
	}
}

// TestFashionMNIST runs where Debian's dataset-fashion-mnist is installed.
func TestFashionMNIST(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
	}
	m, err := LoadFashionMNIST(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	var labels []int
	for i := range 10 {
		labels = append(labels, m.Label(i))
	}
	if m.Len() != 10000 || !slices.Equal(labels, []int{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}) {
		t.Errorf("Len %d, labels %v", m.Len(), labels)
	}
	// Fashion-MNIST is not MNIST: the checksums tell them apart.
	if _, err := LoadMNIST(dir, false); !errors.Is(err, ErrChecksum) {
		t.Errorf("LoadMNIST of Fashion-MNIST: %v, want ErrChecksum", err)
	}
}
