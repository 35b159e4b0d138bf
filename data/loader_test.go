package data

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eagerml/eager"
)

// epochIndices runs one epoch of l and returns the dataset indices of each batch, checking
// that each batch's labels are its indices (the samples of rangeDataset).
func epochIndices(t *testing.T, l *DataLoader) [][]int {
	t.Helper()
	var out [][]int
	for b := range l.All() {
		labels := b.Y.Int64s()
		for k, i := range b.Indices {
			if labels[k] != int64(i) {
				t.Fatalf("batch %d: label %d at position %d, but index %d", len(out), labels[k], k, i)
			}
		}
		if got, want := b.X.Shape(), []int{len(b.Indices), 2}; !slices.Equal(got, want) {
			t.Fatalf("batch X shape %v, want %v", got, want)
		}
		out = append(out, b.Indices)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoaderCoversEveryIndexOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 3} {
		for _, shuffle := range []bool{false, true} {
			t.Run(fmt.Sprintf("workers=%d/shuffle=%v", workers, shuffle), func(t *testing.T) {
				l := NewDataLoader(rangeDataset(103), Options{BatchSize: 10, Shuffle: shuffle, Seed: 7, Workers: workers})
				if l.Len() != 11 {
					t.Errorf("Len = %d, want 11", l.Len())
				}
				for epoch := range 3 {
					batches := epochIndices(t, l)
					if len(batches) != 11 || len(batches[10]) != 3 {
						t.Fatalf("epoch %d: %d batches, last of %d, want 11 and 3", epoch, len(batches), len(batches[len(batches)-1]))
					}
					all := slices.Concat(batches...)
					if !shuffle && !slices.IsSorted(all) {
						t.Errorf("epoch %d without shuffle is out of order: %v", epoch, all)
					}
					slices.Sort(all)
					for i, v := range all {
						if v != i {
							t.Fatalf("epoch %d does not visit every index once: sorted %v", epoch, all)
						}
					}
				}
			})
		}
	}
}

func TestLoaderDeterminism(t *testing.T) {
	opts := Options{BatchSize: 8, Shuffle: true, Seed: 1234}
	var ref [][][]int // ref[epoch] from Workers 0
	for _, workers := range []int{0, 1, 4} {
		o := opts
		o.Workers = workers
		l := NewDataLoader(rangeDataset(50), o)
		var epochs [][][]int
		for range 3 {
			epochs = append(epochs, epochIndices(t, l))
		}
		if ref == nil {
			ref = epochs
			if slices.Equal(slices.Concat(ref[0]...), slices.Concat(ref[1]...)) {
				t.Error("epochs 0 and 1 have the same order")
			}
			continue
		}
		for e := range epochs {
			if !slices.EqualFunc(epochs[e], ref[e], slices.Equal) {
				t.Errorf("workers=%d epoch %d: order %v differs from workers=0: %v", workers, e, epochs[e], ref[e])
			}
		}
	}
	// SetEpoch replays an epoch; another seed gives another order.
	l := NewDataLoader(rangeDataset(50), opts)
	l.SetEpoch(2)
	if got := epochIndices(t, l); !slices.EqualFunc(got, ref[2], slices.Equal) {
		t.Errorf("SetEpoch(2) gave %v, want %v", got, ref[2])
	}
	if l.Epoch() != 3 {
		t.Errorf("Epoch() after running epoch 2 = %d, want 3", l.Epoch())
	}
	o := opts
	o.Seed++
	if got := epochIndices(t, NewDataLoader(rangeDataset(50), o)); slices.EqualFunc(got, ref[0], slices.Equal) {
		t.Error("seeds 1234 and 1235 give the same order")
	}
}

func TestLoaderDropLast(t *testing.T) {
	for _, tc := range []struct {
		n, bs    int
		dropLast bool
		sizes    []int
	}{
		{10, 4, false, []int{4, 4, 2}},
		{10, 4, true, []int{4, 4}},
		{8, 4, true, []int{4, 4}},
		{3, 4, true, nil},
		{3, 4, false, []int{3}},
		{0, 4, false, nil},
	} {
		for _, workers := range []int{0, 2} {
			l := NewDataLoader(rangeDataset(tc.n), Options{BatchSize: tc.bs, DropLast: tc.dropLast, Workers: workers})
			var sizes []int
			for _, b := range epochIndices(t, l) {
				sizes = append(sizes, len(b))
			}
			if !slices.Equal(sizes, tc.sizes) || l.Len() != len(tc.sizes) {
				t.Errorf("n=%d bs=%d dropLast=%v workers=%d: batch sizes %v (Len %d), want %v", tc.n, tc.bs, tc.dropLast, workers, sizes, l.Len(), tc.sizes)
			}
		}
	}
}

// waitGoroutines waits up to 100 ms for the goroutine count to fall to want and returns
// the count: goroutines that have done their work (after a deferred wg.Done, or of an
// earlier test) may still be exiting.
func waitGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > want; i++ {
		time.Sleep(time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestLoaderEarlyBreakLeaksNothing(t *testing.T) {
	before := waitGoroutines(0)
	l := NewDataLoader(rangeDataset(1000), Options{BatchSize: 4, Shuffle: true, Workers: 4, Prefetch: 3})
	count := 0
	for range l.All() {
		count++
		if count == 3 {
			break
		}
	}
	// The loop statement returns after the workers' last wg.Done; give them the moment
	// they need to finish exiting.
	if after := waitGoroutines(before); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before the loop, %d after breaking out of it:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
	if l.Err() != nil {
		t.Errorf("Err after break = %v", l.Err())
	}
}

// slowBatches is a dataset whose GetBatch counts its calls and takes a little time.
type slowBatches struct {
	*TensorDataset
	started atomic.Int64
}

func (s *slowBatches) GetBatch(idx []int) (Batch, error) {
	s.started.Add(1)
	time.Sleep(100 * time.Microsecond)
	return getAndCollate(s.TensorDataset, idx, DefaultCollate)
}

func TestLoaderPrefetchBound(t *testing.T) {
	const prefetch = 3
	ds := &slowBatches{TensorDataset: rangeDataset(200)}
	l := NewDataLoader(ds, Options{BatchSize: 5, Workers: 4, Prefetch: prefetch})
	k := 0
	for range l.All() {
		time.Sleep(2 * time.Millisecond) // the workers have ample time to run ahead
		// The body holds batch k; batches k+1 ... k+prefetch may be loading or loaded.
		if started := int(ds.started.Load()); started > k+1+prefetch {
			t.Fatalf("while the body holds batch %d, %d batches were started; the bound is %d", k, started, k+1+prefetch)
		}
		k++
	}
	if k != 40 {
		t.Errorf("%d batches, want 40", k)
	}
}

// failingDataset fails to load sample bad.
type failingDataset struct {
	*TensorDataset
	bad     int
	doPanic bool
}

var errBroken = errors.New("broken sample")

func (f *failingDataset) Get(i int) (Sample, error) {
	if i == f.bad {
		if f.doPanic {
			panic("sample went wrong")
		}
		return Sample{}, errBroken
	}
	return f.TensorDataset.Get(i)
}

func TestLoaderError(t *testing.T) {
	for _, workers := range []int{0, 2} {
		before := waitGoroutines(0)
		l := NewDataLoader(&failingDataset{TensorDataset: rangeDataset(40), bad: 17}, Options{BatchSize: 5, Workers: workers})
		n := 0
		for range l.All() {
			n++
		}
		if n != 3 {
			t.Errorf("workers=%d: %d batches before the error, want 3", workers, n)
		}
		if err := l.Err(); !errors.Is(err, errBroken) || err.Error() != "data: sample 17: broken sample" {
			t.Errorf("workers=%d: Err = %v, want sample 17's error", workers, err)
		}
		if after := waitGoroutines(before); after > before {
			t.Errorf("workers=%d: %d goroutines after the error, %d before", workers, after, before)
		}
		// The next epoch starts afresh.
		l2 := NewDataLoader(rangeDataset(4), Options{Workers: workers})
		epochIndices(t, l2)
	}
}

func TestLoaderWorkerPanic(t *testing.T) {
	for _, workers := range []int{0, 2} {
		before := waitGoroutines(0)
		l := NewDataLoader(&failingDataset{TensorDataset: rangeDataset(40), bad: 12, doPanic: true}, Options{BatchSize: 5, Workers: workers})
		func() {
			defer func() {
				if p := recover(); p != "sample went wrong" {
					t.Errorf("workers=%d: recovered %v, want the dataset's panic", workers, p)
				}
			}()
			for range l.All() {
			}
		}()
		if after := waitGoroutines(before); after > before {
			t.Errorf("workers=%d: %d goroutines after the panic, %d before", workers, after, before)
		}
	}
}

func TestLoaderCollate(t *testing.T) {
	// A custom collate that keeps only X, summed over the batch.
	l := NewDataLoader(rangeDataset(6), Options{BatchSize: 3, Workers: 1, Collate: func(s []Sample) (Batch, error) {
		xs := make([]*eager.Tensor, len(s))
		for i := range s {
			xs[i] = s[i].X
		}
		return Batch{X: eager.Stack(xs, 0).Sum(0)}, nil
	}})
	var sums [][]float32
	for b := range l.All() {
		if b.Y != nil || !slices.Equal(b.Indices, []int{len(sums) * 3, len(sums)*3 + 1, len(sums)*3 + 2}) {
			t.Errorf("batch Y %v, Indices %v", b.Y, b.Indices)
		}
		sums = append(sums, b.X.Float32s())
	}
	if want := [][]float32{{3, -3}, {12, -12}}; !slices.EqualFunc(sums, want, slices.Equal) {
		t.Errorf("collated sums %v, want %v", sums, want)
	}
}

func TestDefaultCollateErrors(t *testing.T) {
	one := eager.ScalarOf(eager.Int64, 1)
	for _, tc := range []struct {
		name    string
		samples []Sample
		msg     string
	}{
		{"empty", nil, "data: collate: empty batch"},
		{"shape", []Sample{{X: eager.Zeros(3)}, {X: eager.Zeros(4)}}, "data: collate: sample 1 of the batch has X of shape [4] float32, sample 0 has [3] float32"},
		{"dtype", []Sample{{X: eager.Zeros(3)}, {X: eager.ZerosOf(eager.Float64, 3)}}, "data: collate: sample 1 of the batch has X of shape [3] float64, sample 0 has [3] float32"},
		{"missing Y", []Sample{{X: eager.Zeros(3), Y: one}, {X: eager.Zeros(3)}}, "data: collate: sample 1 of the batch has a Y and sample 0 has none, or the reverse"},
		{"Y shape", []Sample{{X: eager.Zeros(3), Y: one}, {X: eager.Zeros(3), Y: eager.FromSlice([]int64{1, 2})}}, "data: collate: sample 1 of the batch has Y of shape [2] int64, sample 0 has [] int64"},
		{"no X", []Sample{{X: eager.Zeros(3)}, {}}, "data: collate: sample 1 of the batch has no X"},
	} {
		if _, err := DefaultCollate(tc.samples); err == nil || err.Error() != tc.msg {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.msg)
		}
	}
}

func TestDefaultCollateStacksLabels(t *testing.T) {
	b, err := DefaultCollate([]Sample{
		{X: eager.FromSlice([]float32{1, 2}), Y: eager.ScalarOf(eager.Int64, 4)},
		{X: eager.FromSlice([]float32{3, 4}), Y: eager.ScalarOf(eager.Int64, 7)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(b.X.Shape(), []int{2, 2}) || !slices.Equal(b.X.Float32s(), []float32{1, 2, 3, 4}) {
		t.Errorf("X = %v %v", b.X.Shape(), b.X.Float32s())
	}
	if b.Y.DType() != eager.Int64 || !slices.Equal(b.Y.Shape(), []int{2}) || !slices.Equal(b.Y.Int64s(), []int64{4, 7}) {
		t.Errorf("Y = %v %v %v", b.Y.DType(), b.Y.Shape(), b.Y.Int64s())
	}
}

// BenchmarkLoaderMNIST measures an epoch-long stream of MNIST batches of 64 (the batch
// path with GetBatch against sample-by-sample Get and DefaultCollate), per batch.
func BenchmarkLoaderMNIST(b *testing.B) {
	m := loadMNIST(b, true)
	for _, bc := range []struct {
		name string
		ds   Dataset
	}{{"GetBatch", m}, {"Get+Collate", onlyGet{m}}} {
		for _, workers := range []int{0, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", bc.name, workers), func(b *testing.B) {
				l := NewDataLoader(bc.ds, Options{BatchSize: 64, Shuffle: true, Workers: workers})
				b.ReportAllocs()
				b.SetBytes(64 * 28 * 28 * 4)
				n := 0
				for n < b.N {
					for range l.All() {
						n++
						if n == b.N {
							break
						}
					}
				}
			})
		}
	}
}

// onlyGet hides a dataset's GetBatch.
type onlyGet struct{ Dataset }
