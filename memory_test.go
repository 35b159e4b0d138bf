package eager

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// waitLive runs the garbage collector until tracked live memory drops to want (cleanups run
// asynchronously after a collection) and returns the last value seen.
func waitLive(want int64) int64 {
	var live int64
	for i := 0; i < 200; i++ {
		runtime.GC()
		if live = MemoryStats().LiveBytes; live <= want {
			return live
		}
		time.Sleep(5 * time.Millisecond)
	}
	return live
}

func TestMemoryStats(t *testing.T) {
	defer TrackMemory(TrackMemory(true))
	base := waitLive(0)
	s0 := MemoryStats()
	if !s0.Tracking {
		t.Fatal("Tracking false after TrackMemory(true)")
	}
	x := Zeros(1000) // 4000 bytes
	s1 := MemoryStats()
	if d := s1.AllocatedBytes - s0.AllocatedBytes; d != 4000 {
		t.Fatalf("Zeros(1000) allocated %d bytes, want 4000", d)
	}
	if s1.Allocs-s0.Allocs != 1 || s1.LiveBytes < base+4000 || s1.PeakBytes < s1.LiveBytes {
		t.Fatalf("after Zeros(1000): %+v (before %+v)", s1, s0)
	}
	v := x.Reshape(10, 100).Transpose(0, 1) // views allocate nothing
	y := FromSlice(make([]float64, 10))     // 80 bytes
	s2 := MemoryStats()
	if d := s2.AllocatedBytes - s1.AllocatedBytes; d != 80 {
		t.Fatalf("views and FromSlice allocated %d bytes, want 80", d)
	}
	ResetPeakMemory()
	big := Zeros(1 << 18) // 1 MiB
	peak := MemoryStats().PeakBytes
	if peak < s2.LiveBytes+1<<20 {
		t.Fatalf("peak %d below live %d + 1 MiB", peak, s2.LiveBytes)
	}
	runtime.KeepAlive(x)
	runtime.KeepAlive(v)
	runtime.KeepAlive(y)
	runtime.KeepAlive(big)
	if live := waitLive(base); live != base {
		t.Fatalf("live %d after the tensors were collected, want %d", live, base)
	}
	if s := MemoryStats(); s.PeakBytes != peak {
		t.Fatalf("peak changed from %d to %d without a reset", peak, s.PeakBytes)
	}
	ResetPeakMemory()
	if s := MemoryStats(); s.PeakBytes != s.LiveBytes {
		t.Fatalf("after reset: %+v", s)
	}

	// Storage allocated while tracking is off is never counted, not even when it dies later.
	TrackMemory(false)
	before := MemoryStats()
	z := Zeros(100)
	if s := MemoryStats(); s.AllocatedBytes != before.AllocatedBytes || s.Tracking {
		t.Fatalf("counted while off: %+v", s)
	}
	runtime.KeepAlive(z)
}

// TestMemoryStatsConcurrent allocates from many goroutines at once: the counters are atomics,
// so the totals are exact and live memory returns to its start once everything is collected.
// Run with -race.
func TestMemoryStatsConcurrent(t *testing.T) {
	defer TrackMemory(TrackMemory(true))
	base := waitLive(0)
	s0 := MemoryStats()
	const workers, each = 8, 200
	var wg sync.WaitGroup
	var want int64
	for w := 0; w < workers; w++ {
		n := 16 * (w + 1)
		want += int64(each * n * 4)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var keep []*Tensor
			for i := 0; i < each; i++ {
				keep = append(keep, Zeros(n))
				_ = MemoryStats() // readers race with writers
			}
			runtime.KeepAlive(keep)
		}()
	}
	wg.Wait()
	s := MemoryStats()
	if d := s.AllocatedBytes - s0.AllocatedBytes; d != want {
		t.Fatalf("allocated %d bytes, want %d", d, want)
	}
	if d := s.Allocs - s0.Allocs; d != workers*each {
		t.Fatalf("%d allocations, want %d", d, workers*each)
	}
	if live := waitLive(base); live != base {
		t.Fatalf("live %d after collection, want %d", live, base)
	}
	if s := MemoryStats(); s.Frees-s0.Frees < workers*each {
		t.Fatalf("%d frees, want at least %d", s.Frees-s0.Frees, workers*each)
	}
}

// BenchmarkAllocTracking measures what memory tracking adds to an allocation (one-element
// tensors): off it is one atomic load; on, a runtime.AddCleanup registration, which is why
// tracking is opt-in.
func BenchmarkAllocTracking(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			defer TrackMemory(TrackMemory(on))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = Zeros(1)
			}
			b.StopTimer()
			waitLive(0)
		})
	}
}
