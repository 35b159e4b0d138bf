package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestTasks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 3, 17, 1000} {
			counts := make([]atomic.Int32, n)
			Tasks(n, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("procs=%d n=%d: task %d ran %d times", procs, n, i, c)
				}
			}
		}
	}
}

func TestFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 5, 100, 1001} {
			for _, grain := range []int{0, 1, 7, 2000} {
				counts := make([]atomic.Int32, n)
				For(n, grain, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						counts[i].Add(1)
					}
				})
				for i := range counts {
					if c := counts[i].Load(); c != 1 {
						t.Fatalf("procs=%d n=%d grain=%d: index %d covered %d times", procs, n, grain, i, c)
					}
				}
			}
		}
	}
}
