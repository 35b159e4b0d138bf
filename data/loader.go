package data

import (
	"fmt"
	"iter"
	"slices"
	"sync"

	"github.com/eagerml/eager"
)

// Options configures a DataLoader. The zero value loads one sample per batch, in order, on
// the goroutine that ranges over the loader.
type Options struct {
	// BatchSize is the number of samples per batch; 0 means 1.
	BatchSize int
	// Shuffle draws a new order of the samples for every epoch, from Seed and the epoch
	// number, so that a run is reproducible.
	Shuffle bool
	// Seed seeds the shuffle. The zero seed is a seed like any other.
	Seed uint64
	// DropLast drops the last batch of an epoch when it is smaller than BatchSize.
	DropLast bool
	// Workers is the number of goroutines that load batches in the background; 0 loads
	// each batch on the ranging goroutine when the loop asks for it. The batches come in
	// the same order whatever the number of workers.
	Workers int
	// Prefetch bounds how many batches are loaded (or being loaded) ahead of the batch the
	// loop body holds; 0 means 2*Workers. Ignored when Workers is 0.
	Prefetch int
	// Collate turns the samples of a batch into a Batch; nil means DefaultCollate, or the
	// dataset's GetBatch when it implements BatchGetter.
	Collate func([]Sample) (Batch, error)
}

// DataLoader iterates over a dataset in minibatches, as PyTorch's DataLoader:
//
//	loader := data.NewDataLoader(train, data.Options{BatchSize: 64, Shuffle: true, Seed: 1, Workers: 2})
//	for epoch := range 10 {
//		for batch := range loader.All() {
//			loss := model.Forward(batch.X).CrossEntropy(batch.Y) ...
//		}
//		if err := loader.Err(); err != nil {
//			return err
//		}
//	}
//
// Every range over All is one epoch: the first is epoch 0, the next epoch 1, and so on
// (SetEpoch changes the number of the next one, e.g. when resuming from a checkpoint).
// With Shuffle, the order of an epoch depends only on Seed and the epoch number.
//
// A DataLoader runs one iteration at a time: do not range over it from two goroutines at
// once.
type DataLoader struct {
	ds   Dataset
	opts Options

	mu    sync.Mutex
	epoch int
	err   error
}

// NewDataLoader returns a loader over ds. It panics on a negative BatchSize, Workers or
// Prefetch.
func NewDataLoader(ds Dataset, opts Options) *DataLoader {
	if opts.BatchSize < 0 || opts.Workers < 0 || opts.Prefetch < 0 {
		fail("NewDataLoader", "BatchSize %d, Workers %d and Prefetch %d must not be negative", opts.BatchSize, opts.Workers, opts.Prefetch)
	}
	if opts.BatchSize == 0 {
		opts.BatchSize = 1
	}
	if opts.Prefetch == 0 {
		opts.Prefetch = 2 * opts.Workers
	}
	return &DataLoader{ds: ds, opts: opts}
}

// Len returns the number of batches in an epoch.
func (l *DataLoader) Len() int {
	n, bs := l.ds.Len(), l.opts.BatchSize
	if l.opts.DropLast {
		return n / bs
	}
	return (n + bs - 1) / bs
}

// SetEpoch sets the number of the epoch that the next range over All runs.
func (l *DataLoader) SetEpoch(epoch int) {
	l.mu.Lock()
	l.epoch = epoch
	l.mu.Unlock()
}

// Epoch returns the number of the epoch that the next range over All runs.
func (l *DataLoader) Epoch() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.epoch
}

// Err returns the error that ended the last iteration early, or nil when it ran to the
// end or the loop broke out of it. Check it after each range over All, as with
// bufio.Scanner.
func (l *DataLoader) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *DataLoader) setErr(err error) {
	l.mu.Lock()
	l.err = err
	l.mu.Unlock()
}

// All returns an iterator over the batches of the next epoch. The iteration stops at the
// first sample that fails to load; Err then returns its error. Breaking out of the loop
// stops the workers, and the loop statement returns only after they have stopped. A
// panic in Get or Collate on a worker is raised again on the ranging goroutine.
func (l *DataLoader) All() iter.Seq[Batch] {
	return func(yield func(Batch) bool) {
		l.mu.Lock()
		epoch := l.epoch
		l.epoch++
		l.err = nil
		l.mu.Unlock()

		batches := l.plan(epoch)
		if l.opts.Workers == 0 {
			for _, idx := range batches {
				b, err := l.load(idx)
				if err != nil {
					l.setErr(err)
					return
				}
				if !yield(b) {
					return
				}
			}
			return
		}
		l.runWorkers(batches, yield)
	}
}

// plan returns the dataset indices of each batch of epoch.
func (l *DataLoader) plan(epoch int) [][]int {
	n, bs := l.ds.Len(), l.opts.BatchSize
	var order []int
	if l.opts.Shuffle {
		order = eager.NewGenerator(epochSeed(l.opts.Seed, epoch)).Perm(n)
	} else {
		order = make([]int, n)
		for i := range order {
			order[i] = i
		}
	}
	var batches [][]int
	for s := 0; s < n; s += bs {
		e := min(s+bs, n)
		if e-s < bs && l.opts.DropLast {
			break
		}
		batches = append(batches, order[s:e:e])
	}
	return batches
}

// epochSeed mixes the loader's seed and the epoch number into the seed of that epoch's
// shuffle (SplitMix64's finalizer), so that neighbouring seeds and epochs give unrelated
// orders.
func epochSeed(seed uint64, epoch int) uint64 {
	z := seed + uint64(epoch)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// load builds the batch of the samples at idx.
func (l *DataLoader) load(idx []int) (Batch, error) {
	var b Batch
	var err error
	if bg, ok := l.ds.(BatchGetter); ok && l.opts.Collate == nil {
		b, err = bg.GetBatch(idx)
	} else {
		collate := l.opts.Collate
		if collate == nil {
			collate = DefaultCollate
		}
		b, err = getAndCollate(l.ds, idx, collate)
	}
	if err != nil {
		return Batch{}, err
	}
	b.Indices = idx
	return b, nil
}

func getAndCollate(ds Dataset, idx []int, collate func([]Sample) (Batch, error)) (Batch, error) {
	samples := make([]Sample, len(idx))
	for k, i := range idx {
		s, err := ds.Get(i)
		if err != nil {
			return Batch{}, fmt.Errorf("data: sample %d: %w", i, err)
		}
		samples[k] = s
	}
	return collate(samples)
}

// loaded is the outcome of loading one batch on a worker.
type loaded struct {
	batch    Batch
	err      error
	panicked bool
	panicVal any
}

// runWorkers loads batches on l.opts.Workers goroutines and yields them in order.
//
// A feeder goroutine hands out the batches in order; for each it first queues a one-slot
// result channel in slots, so that the ranging goroutine can wait for the results in order
// whichever worker finishes first, and then gives the job to a worker. slots holds at most
// Prefetch channels, so while the loop body holds batch k, the feeder has handed out
// batches up to k+Prefetch and no further.
func (l *DataLoader) runWorkers(batches [][]int, yield func(Batch) bool) {
	type job struct {
		idx  []int
		slot chan loaded
	}
	prefetch := max(l.opts.Prefetch, 1)
	done := make(chan struct{})
	jobs := make(chan job)
	slots := make(chan chan loaded, prefetch)
	var wg sync.WaitGroup
	defer func() {
		close(done)
		wg.Wait()
	}()

	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(slots)
		for _, idx := range batches {
			slot := make(chan loaded, 1)
			select {
			case slots <- slot:
			case <-done:
				return
			}
			select {
			case jobs <- job{idx, slot}:
			case <-done:
				return
			}
		}
	}()
	for range l.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.slot <- l.safeLoad(j.idx)
			}
		}()
	}

	for slot := range slots {
		r := <-slot
		if r.panicked {
			panic(r.panicVal)
		}
		if r.err != nil {
			l.setErr(r.err)
			return
		}
		if !yield(r.batch) {
			return
		}
	}
}

// safeLoad is load with a panic turned into a result, to be raised again on the ranging
// goroutine.
func (l *DataLoader) safeLoad(idx []int) (r loaded) {
	defer func() {
		if p := recover(); p != nil {
			r = loaded{panicked: true, panicVal: p}
		}
	}()
	b, err := l.load(idx)
	return loaded{batch: b, err: err}
}

// DefaultCollate stacks the samples' X along a new dim 0, and their Y likewise (labels that
// are 0-d int64 tensors become a 1-D batch of labels). The samples must all have a Y or all
// have none, and equal shapes; otherwise it returns an error.
func DefaultCollate(samples []Sample) (Batch, error) {
	if len(samples) == 0 {
		return Batch{}, fmt.Errorf("data: collate: empty batch")
	}
	xs := make([]*eager.Tensor, len(samples))
	var ys []*eager.Tensor
	if samples[0].Y != nil {
		ys = make([]*eager.Tensor, len(samples))
	}
	x0, y0 := samples[0].X, samples[0].Y
	for k, s := range samples {
		if s.X == nil {
			return Batch{}, fmt.Errorf("data: collate: sample %d of the batch has no X", k)
		}
		if !slices.Equal(s.X.Shape(), x0.Shape()) || s.X.DType() != x0.DType() {
			return Batch{}, fmt.Errorf("data: collate: sample %d of the batch has X of shape %v %v, sample 0 has %v %v", k, s.X.Shape(), s.X.DType(), x0.Shape(), x0.DType())
		}
		xs[k] = s.X
		if (s.Y == nil) != (y0 == nil) {
			return Batch{}, fmt.Errorf("data: collate: sample %d of the batch has a Y and sample 0 has none, or the reverse", k)
		}
		if y0 != nil {
			if !slices.Equal(s.Y.Shape(), y0.Shape()) || s.Y.DType() != y0.DType() {
				return Batch{}, fmt.Errorf("data: collate: sample %d of the batch has Y of shape %v %v, sample 0 has %v %v", k, s.Y.Shape(), s.Y.DType(), y0.Shape(), y0.DType())
			}
			ys[k] = s.Y
		}
	}
	b := Batch{X: eager.Stack(xs, 0)}
	if ys != nil {
		b.Y = eager.Stack(ys, 0)
	}
	return b, nil
}
