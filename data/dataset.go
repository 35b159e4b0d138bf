package data

import (
	"fmt"
	"math"

	"github.com/eagerml/eager"
)

// Sample is one example of a dataset: an input X and a target Y. Y is nil for unlabelled
// data.
type Sample struct {
	X, Y *eager.Tensor
}

// Batch is a minibatch: the samples' inputs and targets stacked along a new leading dim,
// and the dataset indices they came from, in batch order.
type Batch struct {
	X, Y    *eager.Tensor
	Indices []int
}

// Dataset is a collection of samples addressed by index, like PyTorch's map-style
// torch.utils.data.Dataset. Get may be called from several goroutines at once (the
// DataLoader's workers), so it must be safe for concurrent use. An index outside [0, Len())
// is a programmer error and may panic; the error is for data that cannot be read (a
// missing or corrupt file behind a lazily loaded sample).
type Dataset interface {
	Len() int
	Get(i int) (Sample, error)
}

// BatchGetter is implemented by datasets that can build a whole batch faster than
// getting its samples one by one and stacking them (PyTorch's __getitems__). The
// DataLoader uses GetBatch when it has no custom Collate. The batch must equal what
// DefaultCollate makes of the samples; the loader fills in Indices.
type BatchGetter interface {
	GetBatch(indices []int) (Batch, error)
}

// fail panics with an *eager.Error for op located at the caller's line, as the root package
// does for programmer errors.
func fail(op, format string, args ...any) {
	panic(&eager.Error{Op: op, Msg: fmt.Sprintf(format, args...), Where: eager.CallerLocation()})
}

// checkIndex panics when i is not an index of a dataset of n samples.
func checkIndex(op string, i, n int) {
	if i < 0 || i >= n {
		fail(op, "index %d out of range for dataset of length %d", i, n)
	}
}

// TensorDataset is a dataset over tensors that share their first dim: sample i is
// (x[i], y[i]), as PyTorch's TensorDataset(x, y). Samples are views, not copies.
type TensorDataset struct {
	x, y *eager.Tensor
}

// NewTensorDataset returns the dataset of the slices x[i] and y[i] along dim 0. y may be
// nil for unlabelled data. It panics when the tensors are 0-d or differ in their first dim.
func NewTensorDataset(x, y *eager.Tensor) *TensorDataset {
	if x == nil || x.Dim() == 0 {
		fail("NewTensorDataset", "x must have at least one dim (the sample dim)")
	}
	if y != nil && (y.Dim() == 0 || y.Size(0) != x.Size(0)) {
		fail("NewTensorDataset", "x of shape %v and y of shape %v do not have the same first dim", x.Shape(), y.Shape())
	}
	return &TensorDataset{x: x, y: y}
}

// Len returns the size of the tensors' first dim.
func (d *TensorDataset) Len() int { return d.x.Size(0) }

// Get returns (x[i], y[i]) as views.
func (d *TensorDataset) Get(i int) (Sample, error) {
	checkIndex("TensorDataset.Get", i, d.Len())
	s := Sample{X: d.x.Select(0, i)}
	if d.y != nil {
		s.Y = d.y.Select(0, i)
	}
	return s, nil
}

// Tensors returns the dataset's tensors x and y (y may be nil).
func (d *TensorDataset) Tensors() (x, y *eager.Tensor) { return d.x, d.y }

// Subset is the dataset of the samples of Dataset at Indices: sample i is
// Dataset.Get(Indices[i]), as PyTorch's Subset.
type Subset struct {
	Dataset Dataset
	Indices []int
}

// NewSubset returns the subset of ds at indices (which it keeps, not copies). It panics
// when an index is out of range.
func NewSubset(ds Dataset, indices []int) *Subset {
	n := ds.Len()
	for _, i := range indices {
		checkIndex("NewSubset", i, n)
	}
	return &Subset{Dataset: ds, Indices: indices}
}

// Len returns the number of indices.
func (s *Subset) Len() int { return len(s.Indices) }

// Get returns sample Indices[i] of the underlying dataset.
func (s *Subset) Get(i int) (Sample, error) {
	checkIndex("Subset.Get", i, len(s.Indices))
	return s.Dataset.Get(s.Indices[i])
}

// GetBatch forwards to the underlying dataset's GetBatch when it has one, and otherwise
// gets and collates the samples.
func (s *Subset) GetBatch(indices []int) (Batch, error) {
	inner := make([]int, len(indices))
	for k, i := range indices {
		checkIndex("Subset.GetBatch", i, len(s.Indices))
		inner[k] = s.Indices[i]
	}
	if bg, ok := s.Dataset.(BatchGetter); ok {
		return bg.GetBatch(inner)
	}
	return getAndCollate(s.Dataset, inner, DefaultCollate)
}

// RandomSplit splits ds into non-overlapping subsets of the given lengths, which must add
// up to ds.Len(), with a random permutation drawn from seed (torch.utils.data.random_split).
// The same seed gives the same split on every run.
func RandomSplit(ds Dataset, lengths []int, seed uint64) []*Subset {
	n, total := ds.Len(), 0
	for _, l := range lengths {
		if l < 0 {
			fail("RandomSplit", "negative length in %v", lengths)
		}
		total += l
	}
	if total != n {
		fail("RandomSplit", "lengths %v add up to %d, but the dataset has %d samples", lengths, total, n)
	}
	perm := eager.NewGenerator(seed).Perm(n)
	out := make([]*Subset, len(lengths))
	start := 0
	for k, l := range lengths {
		out[k] = &Subset{Dataset: ds, Indices: perm[start : start+l : start+l]}
		start += l
	}
	return out
}

// RandomSplitFractions is RandomSplit with lengths given as fractions of ds.Len() that add
// up to 1. As in PyTorch, each length is floor(fraction*n) and the samples left over go one
// each to the first subsets, round robin.
func RandomSplitFractions(ds Dataset, fractions []float64, seed uint64) []*Subset {
	n := ds.Len()
	sum := 0.0
	for _, f := range fractions {
		if f < 0 || f > 1 || math.IsNaN(f) {
			fail("RandomSplitFractions", "fraction %v is not in [0, 1]", f)
		}
		sum += f
	}
	if math.Abs(sum-1) > 1e-9 {
		fail("RandomSplitFractions", "fractions %v add up to %v, want 1", fractions, sum)
	}
	lengths := make([]int, len(fractions))
	left := n
	for k, f := range fractions {
		lengths[k] = int(math.Floor(float64(n) * f))
		left -= lengths[k]
	}
	for k := 0; k < left; k++ {
		lengths[k%len(lengths)]++
	}
	return RandomSplit(ds, lengths, seed)
}
