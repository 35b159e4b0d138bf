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

// TestCountdown runs tasks that wait for the earlier tasks of the same call, as a product's
// compute tasks wait for its packing tasks: each waiter must see every earlier task's write
// (the race detector checks the ordering), and the call must finish on any core count.
func TestCountdown(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for _, first := range []int{0, 1, 3} {
			for _, n := range []int{first, first + 1, first + 9} {
				var c Countdown
				c.Add(first)
				wrote := make([]int, first)
				var bad atomic.Int32
				Tasks(n, func(i int) {
					if i < first {
						wrote[i] = i + 1
						c.Done()
						return
					}
					c.Wait()
					for j, v := range wrote {
						if v != j+1 {
							bad.Add(1)
						}
					}
				})
				if b := bad.Load(); b != 0 {
					t.Fatalf("procs=%d first=%d n=%d: %d waiters saw an unfinished task", procs, first, n, b)
				}
			}
		}
	}
	var zero Countdown
	zero.Wait() // counts nothing: returns at once
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

func TestNestedLoopsFinish(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(4)
	var total atomic.Int64
	Tasks(8, func(i int) {
		For(1000, 10, func(lo, hi int) {
			Tasks(3, func(int) { total.Add(int64(hi - lo)) })
		})
	})
	if got := total.Load(); got != 8*3*1000 {
		t.Fatalf("nested loops covered %d, want %d", got, 8*3*1000)
	}
}

func TestPanicReachesCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(2)
	for trial := 0; trial < 20; trial++ {
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Fatalf("recovered %v, want boom", r)
				}
			}()
			Tasks(50, func(i int) {
				if i == 37 {
					panic("boom")
				}
			})
		}()
	}
	// The pool still works after a panic.
	var n atomic.Int32
	Tasks(10, func(int) { n.Add(1) })
	if n.Load() != 10 {
		t.Fatalf("ran %d tasks after a panic, want 10", n.Load())
	}
}

func BenchmarkForSmall(b *testing.B) {
	buf := make([]float32, 1<<16)
	for b.Loop() {
		For(len(buf), 1<<12, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				buf[i]++
			}
		})
	}
}

func BenchmarkForSmallSerial(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	buf := make([]float32, 1<<16)
	for b.Loop() {
		For(len(buf), 1<<12, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				buf[i]++
			}
		})
	}
}
