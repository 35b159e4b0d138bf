package eager

import "github.com/eagerml/eager/internal/parallel"

// SetNumThreads caps the goroutines one op splits its work across (intra-op parallelism, as
// torch.set_num_threads) at n and returns the previous NumThreads; n <= 0 restores the
// default, GOMAXPROCS. A server that runs a model on many goroutines at once is usually
// faster with 1: the requests then keep the cores busy, without each op's split waiting for
// busy cores.
// Results do not depend on it (every split is a fixed partition). It is safe to call at any
// time, from any goroutine; ops already running keep their split.
func SetNumThreads(n int) (previous int) {
	previous = NumThreads()
	parallel.SetMaxWorkers(n)
	return previous
}

// NumThreads returns how many goroutines an op may split its work across: GOMAXPROCS, or the
// lower cap set by SetNumThreads.
func NumThreads() int { return parallel.Workers() }
