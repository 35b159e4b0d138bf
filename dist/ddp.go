package dist

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// DataParallelConfig configures NewDataParallel. The zero value gives PyTorch's defaults.
type DataParallelConfig struct {
	// BucketCapMB is the size in MiB (of gradient data) at which a bucket is closed; 0 means
	// 25, as in PyTorch's DistributedDataParallel. Smaller buckets start communicating
	// earlier in the backward pass, larger ones make fewer, more efficient calls.
	BucketCapMB float64
	// FirstBucketCapMB caps the first bucket (the last layers' gradients, which backward
	// computes first); 0 means 1, as in PyTorch, so that communication starts early.
	FirstBucketCapMB float64
	// NoBufferSync turns off broadcasting rank 0's buffers (BatchNorm's running statistics)
	// before each training forward pass (PyTorch's broadcast_buffers=False).
	NoBufferSync bool
}

// DataParallel wraps a module for data-parallel training, as PyTorch's
// DistributedDataParallel: every rank holds a replica, runs forward and backward on its
// own shard of each batch, and FinishGrads leaves every replica with the average over the
// ranks of the gradients, so that identical optimizer steps keep the replicas identical.
//
//	ddp, err := dist.NewDataParallel(model, comm, dist.DataParallelConfig{})
//	...
//	loss := nn.CrossEntropy(ddp.Forward(x), y)
//	loss.Backward()              // reduces gradient buckets as they become ready
//	if err := ddp.FinishGrads(); err != nil { ... } // waits for the rest; averaged grads
//	opt.Step()
//
// The gradients are reduced in buckets of about BucketCapMB, filled with the parameters in
// reverse registration order, the order in which backward produces their gradients. A
// gradient hook on each parameter copies its gradient into its bucket; when the last
// gradient of a bucket arrives (and every earlier bucket has been started) the bucket's
// AllReduce starts on a communication goroutine while backward goes on. FinishGrads starts
// the buckets that are still incomplete, waits for all of them and writes the averages into
// the parameters' Grad. Buckets are always reduced in the same order on every rank.
//
// A parameter that no rank used in a step keeps a nil gradient; one that some ranks used
// gets the average in which the others count as zero. DataParallel is itself an nn.Module
// with the wrapped module's parameter names, so checkpoints are interchangeable with the
// unwrapped module's.
//
// Gradient hooks also run in eager.Grad calls that reach the parameters (a gradient
// penalty, say): run those inside NoSync, so that only the step's Backward is reduced.
//
// Threading: Forward, Backward and FinishGrads must run on one goroutine at a time, as a
// training loop does; the hooks run on the goroutine that calls Backward, and the
// communicator serializes the calls of the communication goroutine with any others.
type DataParallel struct {
	nn.Module
	comm Communicator
	cfg  DataParallelConfig

	params  []*eager.Tensor
	names   []string
	slots   []slot // per parameter: where its gradient goes
	buckets []*bucket
	buffers []nn.NamedTensor
	work    chan *bucket
	stop    sync.Once

	// State of the current step, touched by the backward goroutine (hooks, FinishGrads)
	// and read by the communication goroutine only through the buckets it is handed.
	ready  []bool
	next   int // the next bucket to start
	noSync bool
	err    error
	stats  Stats

	commMu   sync.Mutex
	commTime time.Duration
}

// Stats counts what a DataParallel did, for performance reports.
type Stats struct {
	Steps   int // FinishGrads calls
	Buckets int // buckets per step
	// Early is the number of buckets started from a gradient hook, during backward (the
	// others are started by FinishGrads).
	Early int
	// Comm is the time spent inside AllReduce calls, on the communication goroutine.
	Comm time.Duration
	// Wait is the time FinishGrads spent waiting for reductions: the part of Comm that
	// backward did not hide.
	Wait time.Duration
}

type slot struct {
	bucket, offset int
}

type bucket struct {
	index   int
	dtype   eager.DType
	params  []int // parameter indices
	offsets []int // where each one's gradient starts in the buffer
	n       int   // gradient elements; the buffer has one usage flag per parameter after them
	f32     []float32
	f64     []float64
	pending int // parameters whose gradient has not arrived in this step
	started bool
	done    chan error
}

func (b *bucket) data() any {
	if b.dtype == eager.Float64 {
		return b.f64
	}
	return b.f32
}

// NewDataParallel wraps m for data-parallel training over comm. It copies rank 0's
// parameters and buffers to every rank (so the replicas start identical whatever their
// initialization), assigns the gradients to buckets and registers a gradient hook on every
// parameter that requires grad; wrap a module only once. Every rank must call it, as it
// runs collectives. Parameters must be float32 or float64.
func NewDataParallel(m nn.Module, comm Communicator, cfg DataParallelConfig) (*DataParallel, error) {
	if cfg.BucketCapMB == 0 {
		cfg.BucketCapMB = 25
	}
	if cfg.FirstBucketCapMB == 0 {
		cfg.FirstBucketCapMB = 1
	}
	if cfg.BucketCapMB < 0 || cfg.FirstBucketCapMB < 0 {
		return nil, fmt.Errorf("dist: NewDataParallel: bucket caps must not be negative (got %v and %v MiB)", cfg.BucketCapMB, cfg.FirstBucketCapMB)
	}
	d := &DataParallel{Module: m, comm: comm, cfg: cfg, buffers: m.NamedBuffers()}
	for _, p := range m.NamedParameters() {
		if err := comm.Broadcast(p.Tensor, 0); err != nil {
			return nil, fmt.Errorf("dist: NewDataParallel: broadcasting parameter %s: %w", p.Name, err)
		}
		if !p.Tensor.RequiresGrad() {
			continue
		}
		if dt := p.Tensor.DType(); dt != eager.Float32 && dt != eager.Float64 {
			return nil, fmt.Errorf("dist: NewDataParallel: parameter %s has dtype %v, want float32 or float64", p.Name, dt)
		}
		d.params = append(d.params, p.Tensor)
		d.names = append(d.names, p.Name)
	}
	if err := d.syncBuffers(); err != nil {
		return nil, fmt.Errorf("dist: NewDataParallel: %w", err)
	}
	d.assignBuckets()
	d.ready = make([]bool, len(d.params))
	d.work = make(chan *bucket, len(d.buckets))
	for i, p := range d.params {
		p.RegisterHook(d.hook(i))
	}
	go d.communicate()
	return d, nil
}

// assignBuckets fills buckets with the parameters in reverse order, one dtype per bucket,
// closing a bucket once it holds at least its cap in bytes.
func (d *DataParallel) assignBuckets() {
	const mib = 1 << 20
	open := map[eager.DType]*bucket{}
	var order []*bucket // buckets in the order they were closed, then the open ones
	var created []*bucket
	d.slots = make([]slot, len(d.params))
	for i := len(d.params) - 1; i >= 0; i-- {
		p := d.params[i]
		dt := p.DType()
		b := open[dt]
		if b == nil {
			b = &bucket{dtype: dt}
			open[dt] = b
			created = append(created, b)
		}
		b.params = append(b.params, i)
		b.offsets = append(b.offsets, b.n)
		b.n += p.Numel()
		limit := d.cfg.BucketCapMB * mib
		if len(order) == 0 {
			limit = d.cfg.FirstBucketCapMB * mib
		}
		if float64(b.n*dtypeSize(dt)) >= limit {
			order = append(order, b)
			delete(open, dt)
		}
	}
	for _, b := range created {
		if open[b.dtype] == b {
			order = append(order, b)
		}
	}
	for k, b := range order {
		b.index = k
		size := b.n + len(b.params)
		if b.dtype == eager.Float64 {
			b.f64 = make([]float64, size)
		} else {
			b.f32 = make([]float32, size)
		}
		b.pending = len(b.params)
		b.done = make(chan error, 1)
		for j, i := range b.params {
			d.slots[i] = slot{k, b.offsets[j]}
		}
	}
	d.buckets = order
	d.stats.Buckets = len(order)
}

func dtypeSize(dt eager.DType) int {
	if dt == eager.Float64 {
		return 8
	}
	return 4
}

// communicate reduces the buckets handed to it, in order, on its own goroutine.
func (d *DataParallel) communicate() {
	for b := range d.work {
		start := time.Now()
		err := d.comm.AllReduce(b.data())
		d.commMu.Lock()
		d.commTime += time.Since(start)
		d.commMu.Unlock()
		b.done <- err
	}
}

// hook returns the gradient hook of parameter i. It runs on the backward goroutine when
// the parameter's gradient for this backward pass is complete.
func (d *DataParallel) hook(i int) func(*eager.Tensor) *eager.Tensor {
	return func(g *eager.Tensor) *eager.Tensor {
		if d.noSync || d.work == nil {
			return nil
		}
		if d.ready[i] {
			d.fail(fmt.Errorf("dist: DataParallel: parameter %s got a second gradient before FinishGrads; call FinishGrads after every Backward, or run all but the last Backward of a gradient accumulation inside NoSync", d.names[i]))
			return nil
		}
		d.fill(i, g)
		b := d.buckets[d.slots[i].bucket]
		if b.pending--; b.pending == 0 {
			d.startReady(true)
		}
		return nil
	}
}

// fill writes parameter i's gradient for this step into its bucket: g (this backward
// pass's gradient, nil for none) plus the gradient already accumulated in the parameter
// (by earlier passes under NoSync), and sets its usage flag.
func (d *DataParallel) fill(i int, g *eager.Tensor) {
	d.ready[i] = true
	p := d.params[i]
	s := d.slots[i]
	b := d.buckets[s.bucket]
	flag := b.n + indexOf(b.params, i)
	prev := p.Grad()
	if g == nil && prev == nil {
		return // unused here: zeros, flag 0 (the buffer was cleared after the last step)
	}
	n := p.Numel()
	if b.dtype == eager.Float64 {
		dst := b.f64[s.offset : s.offset+n]
		clear(dst)
		for _, t := range []*eager.Tensor{g, prev} {
			if t != nil {
				for k, v := range t.Float64s() {
					dst[k] += v
				}
			}
		}
		b.f64[flag] = 1
		return
	}
	dst := b.f32[s.offset : s.offset+n]
	clear(dst)
	for _, t := range []*eager.Tensor{g, prev} {
		if t != nil {
			for k, v := range t.Float32s() {
				dst[k] += v
			}
		}
	}
	b.f32[flag] = 1
}

func indexOf(s []int, v int) int {
	for k, x := range s {
		if x == v {
			return k
		}
	}
	return -1
}

// startReady hands the communication goroutine every complete bucket that is next in
// order.
func (d *DataParallel) startReady(early bool) {
	for d.next < len(d.buckets) && d.buckets[d.next].pending == 0 {
		b := d.buckets[d.next]
		b.started = true
		if early {
			d.stats.Early++
		}
		d.work <- b
		d.next++
	}
}

func (d *DataParallel) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// FinishGrads completes the gradient reduction of the current step: it starts the buckets
// whose gradients did not all arrive (a parameter unused on this rank contributes zeros),
// waits for every bucket and sets each parameter's Grad to the average over the ranks.
// Call it after Backward and before the optimizer step, on every rank. It returns the
// first communication error, or a misuse detected during backward.
func (d *DataParallel) FinishGrads() error {
	if d.work == nil {
		return fmt.Errorf("dist: DataParallel.FinishGrads: %w", ErrClosed)
	}
	start := time.Now()
	for i, ok := range d.ready {
		if !ok {
			d.fill(i, nil)
		}
	}
	for _, b := range d.buckets {
		b.pending = 0
	}
	d.startReady(false)
	errs := []error{d.err}
	for _, b := range d.buckets {
		errs = append(errs, <-b.done)
	}
	d.stats.Wait += time.Since(start)
	d.stats.Steps++
	err := errors.Join(errs...)
	if err == nil {
		d.writeBack()
	}
	d.reset()
	return err
}

// writeBack sets each parameter's gradient to its bucket's sum divided by the number of
// ranks, unless no rank had a gradient for it.
func (d *DataParallel) writeBack() {
	scale := 1 / float64(d.comm.Size())
	for _, b := range d.buckets {
		for j, i := range b.params {
			p := d.params[i]
			off, n := b.offsets[j], p.Numel()
			var g *eager.Tensor
			if b.dtype == eager.Float64 {
				if b.f64[b.n+j] == 0 {
					continue
				}
				vals := b.f64[off : off+n]
				for k := range vals {
					vals[k] *= scale
				}
				g = eager.FromSlice(vals, p.Shape()...)
			} else {
				if b.f32[b.n+j] == 0 {
					continue
				}
				vals := b.f32[off : off+n]
				s := float32(scale)
				for k := range vals {
					vals[k] *= s
				}
				g = eager.FromSlice(vals, p.Shape()...)
			}
			p.SetGrad(g)
		}
	}
}

// reset prepares the buckets for the next step.
func (d *DataParallel) reset() {
	clear(d.ready)
	d.next = 0
	d.err = nil
	for _, b := range d.buckets {
		b.pending = len(b.params)
		b.started = false
		clear(b.f32)
		clear(b.f64)
	}
}

// NoSync runs fn (typically forward and backward of one micro-batch) without reducing
// gradients: they accumulate locally in each parameter's Grad and are reduced, summed
// with the next synchronized backward's, at the next FinishGrads. This is PyTorch's
// no_sync, for gradient accumulation at the cost of one reduction per accumulated step.
func (d *DataParallel) NoSync(fn func()) {
	old := d.noSync
	d.noSync = true
	defer func() { d.noSync = old }()
	fn()
}

// Forward runs the wrapped module's Forward. In training mode with gradients enabled it
// first copies rank 0's buffers to every rank (unless NoBufferSync); a communication
// error is then returned by the next FinishGrads. It panics when the previous step's
// gradients are still being reduced (FinishGrads was not called after Backward).
func (d *DataParallel) Forward(x *eager.Tensor) *eager.Tensor {
	if !d.noSync && d.pendingStep() {
		panic(&eager.Error{Op: "dist.DataParallel.Forward", Msg: "the gradients of the previous Backward have not been reduced: call FinishGrads after Backward (and before the optimizer step); use NoSync to accumulate gradients over several backward passes", Where: eager.CallerLocation()})
	}
	if !d.cfg.NoBufferSync && len(d.buffers) > 0 && d.Training() && eager.IsGradEnabled() {
		if err := d.syncBuffers(); err != nil {
			d.fail(err)
		}
	}
	return d.Module.Forward(x)
}

func (d *DataParallel) pendingStep() bool {
	for _, r := range d.ready {
		if r {
			return true
		}
	}
	return false
}

func (d *DataParallel) syncBuffers() error {
	for _, b := range d.buffers {
		if err := d.comm.Broadcast(b.Tensor, 0); err != nil {
			return fmt.Errorf("broadcasting buffer %s: %w", b.Name, err)
		}
	}
	return nil
}

// Comm returns the communicator.
func (d *DataParallel) Comm() Communicator { return d.comm }

// Stats returns counts and timings of the reductions so far.
func (d *DataParallel) Stats() Stats {
	s := d.stats
	d.commMu.Lock()
	s.Comm = d.commTime
	d.commMu.Unlock()
	return s
}

// BucketSizes returns the number of gradient elements of each bucket, in reduction order.
func (d *DataParallel) BucketSizes() []int {
	out := make([]int, len(d.buckets))
	for k, b := range d.buckets {
		out[k] = b.n
	}
	return out
}

// Close stops the communication goroutine; the gradient hooks stay registered but do
// nothing. It does not close the communicator.
func (d *DataParallel) Close() {
	d.stop.Do(func() {
		close(d.work)
		d.work = nil
	})
}
