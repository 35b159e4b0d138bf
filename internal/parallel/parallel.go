// Package parallel splits loops across cores with a fixed partitioning: the chunk boundaries
// depend only on the problem size and GOMAXPROCS-independent grain, never on timing, so that
// work assigned to each chunk (and hence floating-point results) is reproducible.
//
// All parallel work runs on one process-wide pool of persistent worker goroutines (at most
// GOMAXPROCS-1 of them; the calling goroutine is always the first worker). Waking a parked
// goroutine costs tens of microseconds on a VM, so an idle worker spins briefly (spinFor)
// before it parks: back-to-back parallel ops then start within a microsecond, while an idle
// process stops using CPU after spinFor. The caller claims chunks itself, so a loop finishes
// even when every worker is busy (nested parallel loops cannot deadlock) and only one pool
// ever competes for the cores.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// maxWorkers caps the goroutines a parallel loop uses (SetMaxWorkers); 0 means GOMAXPROCS.
var maxWorkers atomic.Int32

// SetMaxWorkers caps the goroutines each parallel loop uses at n (at most GOMAXPROCS; n <= 0
// removes the cap) and returns the previous cap (0 for none). Loops already running keep
// their split. Results do not change: every split is a fixed partition whose outputs do not
// depend on the number of ranges.
func SetMaxWorkers(n int) int {
	return int(maxWorkers.Swap(int32(max(n, 0))))
}

// Workers returns how many goroutines a parallel loop may use: GOMAXPROCS, or the cap set
// by SetMaxWorkers when that is lower.
func Workers() int {
	w := runtime.GOMAXPROCS(0)
	if m := int(maxWorkers.Load()); m > 0 && m < w {
		return m
	}
	return w
}

// spinFor is how long an idle worker polls for new work before parking.
const spinFor = 200 * time.Microsecond

// job is one parallel loop: n chunks claimed in increasing order by whichever goroutine is free.
type job struct {
	fn     func(i int)
	n      int64
	next   atomic.Int64 // next unclaimed chunk
	done   atomic.Int64 // finished chunks
	failed atomic.Pointer[panicValue]
}

// panicValue carries a panic from a worker to the goroutine that started the loop.
type panicValue struct{ v any }

var (
	startMu sync.Mutex
	started int                    // worker goroutines started so far
	jobs    = make(chan *job, 256) // offers of work to idle workers
)

// ensureWorkers starts workers until at least n exist.
func ensureWorkers(n int) {
	startMu.Lock()
	for started < n {
		started++
		go worker()
	}
	startMu.Unlock()
}

func worker() {
	for {
		var j *job
		select {
		case j = <-jobs:
		default:
			j = spinForJob()
			if j == nil {
				j = <-jobs // park
			}
		}
		j.work()
	}
}

// spinForJob polls for an offered job for up to spinFor, reading the channel's length (a
// plain load) rather than entering the scheduler on every iteration, and yielding the core
// every 64 polls so that the garbage collector and other goroutines can run. It returns nil
// when no job came.
func spinForJob() *job {
	start := time.Now()
	for i := 1; ; i++ {
		if len(jobs) > 0 {
			select {
			case j := <-jobs:
				return j
			default:
			}
		}
		if i%64 == 0 {
			if time.Since(start) > spinFor {
				return nil
			}
			runtime.Gosched()
		}
	}
}

// work claims and runs chunks until none are left.
func (j *job) work() {
	defer func() {
		if r := recover(); r != nil {
			j.failed.CompareAndSwap(nil, &panicValue{r})
			// Mark the rest as done so the caller does not wait for them; it re-panics.
			for j.next.Add(1)-1 < j.n {
				j.done.Add(1)
			}
			j.done.Add(1)
		}
	}()
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.fn(int(i))
		j.done.Add(1)
	}
}

// run calls fn(i) for each i in [0, n) on up to workers goroutines including the caller.
func run(n, workers int, fn func(i int)) {
	j := &job{fn: fn, n: int64(n)}
	ensureWorkers(workers - 1)
	for k := 1; k < workers; k++ {
		select {
		case jobs <- j:
		default:
		}
	}
	j.work()
	for spins := 0; j.done.Load() < j.n; spins++ {
		if spins < 64 {
			continue
		}
		runtime.Gosched()
	}
	if p := j.failed.Load(); p != nil {
		panic(p.v)
	}
}

// Countdown counts unfinished tasks that other tasks of the same Tasks call wait for (a
// product's B-packing tasks, which its compute tasks need). Unlike a sync.WaitGroup, Wait
// spins, yielding the core between polls, instead of parking the goroutine: the tasks it
// waits for have all been claimed by running goroutines (see Tasks), so the wait is short,
// while a parked goroutine is woken onto the waking goroutine's run queue, where it stayed
// until that goroutine's current task was done. On the 2-core development VM, the eager
// character-transformer step (`go test ./cmd/eager -bench TrainStep/transformer/eager`) took
// 0.84-0.97x the time it took with the product waiting on a sync.WaitGroup (three runs of
// each, alternated). The zero value counts nothing.
type Countdown struct{ n atomic.Int64 }

// Add adds n unfinished tasks.
func (c *Countdown) Add(n int) { c.n.Add(int64(n)) }

// Done marks one task finished.
func (c *Countdown) Done() { c.n.Add(-1) }

// Wait returns when every task added has been marked done.
func (c *Countdown) Wait() {
	for spins := 0; c.n.Load() > 0; spins++ {
		if spins >= 64 {
			runtime.Gosched()
		}
	}
}

// For calls fn(lo, hi) on disjoint ranges covering [0, n). Ranges have at least grain elements
// (except when n < grain) so that small loops stay on the calling goroutine. The partitioning
// depends only on n, grain and Workers(); callers whose results must not depend on the core
// count (reductions) must combine per-range results independently of the range count, or use
// Tasks with a fixed task count.
func For(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	workers := Workers()
	chunks := min(workers, (n+grain-1)/grain)
	if chunks <= 1 {
		fn(0, n)
		return
	}
	size := (n + chunks - 1) / chunks
	chunks = (n + size - 1) / size
	run(chunks, chunks, func(i int) { fn(i*size, min((i+1)*size, n)) })
}

// Tasks calls fn(i) once for each i in [0, n), on up to GOMAXPROCS goroutines including the
// caller, which claim tasks in increasing order as they become free. Which goroutine runs a
// task depends on timing (a helper that starts late, on a busy machine, simply takes fewer
// tasks), so callers must make each task's result independent of that, as tasks that write
// disjoint outputs computed by a fixed sequence of operations are. A task may wait for an
// earlier task to finish (all earlier tasks have been claimed by running goroutines).
func Tasks(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	workers := min(Workers(), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	run(n, workers, fn)
}
