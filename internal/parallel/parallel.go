// Package parallel splits loops across cores with a fixed partitioning: the chunk boundaries
// depend only on the problem size and GOMAXPROCS-independent grain, never on timing, so that
// work assigned to each chunk (and hence floating-point results) is reproducible.
package parallel

import (
	"runtime"
	"sync"
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
