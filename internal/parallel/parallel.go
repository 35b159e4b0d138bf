// Package parallel splits loops across cores with a fixed partitioning: the chunk boundaries
// depend only on the problem size and GOMAXPROCS-independent grain, never on timing, so that
// work assigned to each chunk (and hence floating-point results) is reproducible.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn(lo, hi) on disjoint ranges covering [0, n). Ranges have at least grain elements
// (except when n < grain) so that small loops stay on the calling goroutine. The partitioning
// depends only on n, grain and GOMAXPROCS; callers whose results must not depend on the core
// count (reductions) must combine per-range results independently of the range count, or use
// Chunks with a fixed count.
func For(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	workers := runtime.GOMAXPROCS(0)
	chunks := min(workers, (n+grain-1)/grain)
	if chunks <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	size := (n + chunks - 1) / chunks
	for lo := size; lo < n; lo += size {
		wg.Add(1)
		go func(lo int) {
			defer wg.Done()
			fn(lo, min(lo+size, n))
		}(lo)
	}
	fn(0, min(size, n))
	wg.Wait()
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
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(i)
		}
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}
