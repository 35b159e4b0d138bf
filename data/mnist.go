package data

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/eagerml/eager"
)

// ErrChecksum is wrapped by the error of LoadMNIST, LoadFashionMNIST and VerifyMNIST when a
// file's SHA-256 is not the published data's: the file is corrupt, or another data set.
var ErrChecksum = errors.New("data: checksum mismatch")

// The mean and standard deviation of the pixels (scaled to [0, 1]) of the training sets,
// for Normalize. MNIST's are the values used throughout PyTorch's examples.
const (
	MNISTMean        = 0.1307
	MNISTStd         = 0.3081
	FashionMNISTMean = 0.2860
	FashionMNISTStd  = 0.3530
)

// MNIST is an image classification dataset read from a pair of IDX files: MNIST,
// Fashion-MNIST, or any other set of 8-bit grey images with 8-bit labels. It keeps the
// pixels as bytes (47 MB for MNIST's training set) and converts the images a batch asks for.
// Sample i is X, a float32 image of shape [1, H, W] with values in [0, 1] (normalized when
// loaded with Normalize), and Y, its label as a 0-d int64 tensor; batches are [B, 1, H, W]
// and [B], as torchvision's MNIST with ToTensor gives.
type MNIST struct {
	pixels  []byte
	labels  []byte
	n, h, w int
	lut     [256]float32 // the value of each byte after scaling and normalization
}

// ImageOption configures the loading of an image dataset.
type ImageOption func(*imageConfig)

type imageConfig struct {
	mean, std float64
}

// Normalize makes the images (x - mean) / std, after scaling to [0, 1], as torchvision's
// transforms.Normalize: pass MNISTMean and MNISTStd for MNIST.
func Normalize(mean, std float64) ImageOption {
	return func(c *imageConfig) { c.mean, c.std = mean, std }
}

// The names of the IDX files of MNIST and Fashion-MNIST, without ".gz".
const (
	trainImages = "train-images-idx3-ubyte"
	trainLabels = "train-labels-idx1-ubyte"
	testImages  = "t10k-images-idx3-ubyte"
	testLabels  = "t10k-labels-idx1-ubyte"
)

// The SHA-256 of the decompressed IDX files, so that a gzip or raw copy verifies alike.
// (The .gz files' own sums are in mnist/SHA256SUMS beside this file.)
var (
	mnistSums = map[string]string{
		trainImages: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
		trainLabels: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
		testImages:  "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
		testLabels:  "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
	}
	fashionSums = map[string]string{
		trainImages: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
		trainLabels: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
		testImages:  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
		testLabels:  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
	}
)

// MNISTDir returns the folder of the MNIST files that ship with eager (data/mnist in the
// module), so that programs train on MNIST with no download. The environment variable
// EAGER_MNIST_DIR overrides it. The folder is found from this source file's path, which a
// binary built with -trimpath or moved to another machine does not have: there, set
// EAGER_MNIST_DIR or pass the folder to LoadMNIST yourself.
func MNISTDir() (string, error) {
	if dir := os.Getenv("EAGER_MNIST_DIR"); dir != "" {
		return dir, nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("data: cannot locate the bundled MNIST folder; set EAGER_MNIST_DIR: %w", fs.ErrNotExist)
	}
	dir := filepath.Join(filepath.Dir(file), "mnist")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("data: the bundled MNIST folder %s is missing (binary built with -trimpath, or moved?); set EAGER_MNIST_DIR to a folder holding the MNIST files: %w", dir, fs.ErrNotExist)
	}
	return dir, nil
}

// LoadMNIST loads MNIST's training set (60,000 images) or, with train false, its test set
// (10,000) from dir, which holds the IDX files as published (train-images-idx3-ubyte.gz,
// ...), compressed or not. It checks each file's SHA-256 against the published data's and
// returns an error wrapping ErrChecksum on a mismatch. MNISTDir gives the bundled copy.
func LoadMNIST(dir string, train bool, opts ...ImageOption) (*MNIST, error) {
	return loadVerified(dir, train, mnistSums, opts)
}

// LoadFashionMNIST is LoadMNIST for Fashion-MNIST (Zalando's 28×28 images of clothes in 10
// classes, same file names and format). Debian's package dataset-fashion-mnist installs it
// in /usr/share/datasets/fashion-mnist.
func LoadFashionMNIST(dir string, train bool, opts ...ImageOption) (*MNIST, error) {
	return loadVerified(dir, train, fashionSums, opts)
}

func loadVerified(dir string, train bool, sums map[string]string, opts []ImageOption) (*MNIST, error) {
	imgName, lblName := testImages, testLabels
	if train {
		imgName, lblName = trainImages, trainLabels
	}
	images, err := readIDXFile(dir, imgName, sums[imgName])
	if err != nil {
		return nil, err
	}
	labels, err := readIDXFile(dir, lblName, sums[lblName])
	if err != nil {
		return nil, err
	}
	return newMNIST(images, labels, opts)
}

// VerifyMNIST checks the SHA-256 of the four MNIST files in dir (compressed or not) and
// returns an error wrapping ErrChecksum for the first that does not match, or wrapping
// fs.ErrNotExist for one that is missing.
func VerifyMNIST(dir string) error {
	for _, name := range []string{trainImages, trainLabels, testImages, testLabels} {
		path, err := findIDX(dir, name)
		if err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("data: %w", err)
		}
		h := sha256.New()
		r, err := decompress(f)
		if err == nil {
			_, err = io.Copy(h, r)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, readErr("IDX", err))
		}
		if err := checkSum(path, h, mnistSums[name]); err != nil {
			return err
		}
	}
	return nil
}

// findIDX returns the path of name.gz, or else of name, in dir.
func findIDX(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("data: neither %s.gz nor %s is in %s: %w", name, name, dir, fs.ErrNotExist)
}

// readIDXFile reads dir/name(.gz), checking the SHA-256 of its decompressed bytes against
// sum.
func readIDXFile(dir, name, sum string) (*idxArray, error) {
	path, err := findIDX(dir, name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	r, err := decompress(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h := sha256.New()
	a, err := parseIDX(io.TeeReader(r, h))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkSum(path, h, sum); err != nil {
		return nil, err
	}
	return a, nil
}

func checkSum(path string, h hash.Hash, want string) error {
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return &dataError{
			msg:  fmt.Sprintf("data: %s: SHA-256 of the IDX data is %s, want %s: the file is corrupt or not the published data set", path, got, want),
			kind: ErrChecksum,
		}
	}
	return nil
}

// NewMNIST returns the image dataset of an IDX file of 8-bit images (dims N, H, W) and one
// of 8-bit labels (dims N), each compressed with gzip or not, without checking any
// checksum: for MNIST-like sets such as KMNIST, or for tests.
func NewMNIST(images, labels io.Reader, opts ...ImageOption) (*MNIST, error) {
	var arrs [2]*idxArray
	for k, r := range []io.Reader{images, labels} {
		dr, err := decompress(r)
		if err != nil {
			return nil, err
		}
		if arrs[k], err = parseIDX(dr); err != nil {
			return nil, err
		}
	}
	return newMNIST(arrs[0], arrs[1], opts)
}

func newMNIST(images, labels *idxArray, opts []ImageOption) (*MNIST, error) {
	if images.typ != idxUint8 || len(images.dims) != 3 {
		return nil, formatErrorf("data: MNIST images: want 3-D uint8 IDX data (N, H, W), got %d-D of type %#02x", len(images.dims), images.typ)
	}
	if labels.typ != idxUint8 || len(labels.dims) != 1 {
		return nil, formatErrorf("data: MNIST labels: want 1-D uint8 IDX data, got %d-D of type %#02x", len(labels.dims), labels.typ)
	}
	if images.dims[0] != labels.dims[0] {
		return nil, formatErrorf("data: MNIST: %d images but %d labels", images.dims[0], labels.dims[0])
	}
	cfg := imageConfig{mean: 0, std: 1}
	for _, o := range opts {
		o(&cfg)
	}
	m := &MNIST{pixels: images.raw, labels: labels.raw, n: images.dims[0], h: images.dims[1], w: images.dims[2]}
	mean, std := float32(cfg.mean), float32(cfg.std)
	for b := range m.lut {
		m.lut[b] = (float32(b)/255 - mean) / std
	}
	return m, nil
}

// Len returns the number of images.
func (m *MNIST) Len() int { return m.n }

// ImageSize returns the height and width of the images (28, 28 for MNIST).
func (m *MNIST) ImageSize() (h, w int) { return m.h, m.w }

// Label returns the class of image i, with no tensor made.
func (m *MNIST) Label(i int) int {
	checkIndex("MNIST.Label", i, m.n)
	return int(m.labels[i])
}

// Get returns image i as a [1, H, W] float32 tensor and its label as a 0-d int64 tensor.
func (m *MNIST) Get(i int) (Sample, error) {
	checkIndex("MNIST.Get", i, m.n)
	x := make([]float32, m.h*m.w)
	m.convert(x, i)
	return Sample{
		X: eager.FromSlice(x, 1, m.h, m.w),
		Y: eager.ScalarOf(eager.Int64, float64(m.labels[i])),
	}, nil
}

// GetBatch returns images at indices as a [B, 1, H, W] tensor and their labels as [B],
// converting the bytes straight into the batch.
func (m *MNIST) GetBatch(indices []int) (Batch, error) {
	size := m.h * m.w
	x := make([]float32, len(indices)*size)
	y := make([]int64, len(indices))
	for k, i := range indices {
		checkIndex("MNIST.GetBatch", i, m.n)
		m.convert(x[k*size:(k+1)*size], i)
		y[k] = int64(m.labels[i])
	}
	return Batch{X: eager.FromSlice(x, len(indices), 1, m.h, m.w), Y: eager.FromSlice(y)}, nil
}

// convert writes image i's scaled pixels into dst.
func (m *MNIST) convert(dst []float32, i int) {
	size := m.h * m.w
	for j, b := range m.pixels[i*size : (i+1)*size] {
		dst[j] = m.lut[b]
	}
}

// Tensors returns the whole dataset as an [N, 1, H, W] float32 tensor of images and an [N]
// int64 tensor of labels (188 MB of float32 for MNIST's training set), for code that
// wants it in one piece.
func (m *MNIST) Tensors() (x, y *eager.Tensor) {
	all := make([]int, m.n)
	for i := range all {
		all[i] = i
	}
	b, _ := m.GetBatch(all)
	return b.X, b.Y
}
