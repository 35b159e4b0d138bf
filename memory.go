package eager

import (
	"runtime"
	"sync/atomic"
)

// Memory accounting counts the bytes of tensor storage (the flat buffers that tensors and
// their views share) from allocation until the garbage collector frees it.
//
// Go has no reference counts, so eager learns that a buffer died from runtime.AddCleanup,
// which the collector runs after the buffer becomes unreachable. Registering a cleanup costs
// about 750 ns per allocation on the development machine (measured with a one-element
// tensor: ~100 ns without, ~850 ns with, including running the cleanup), ten times a small
// op's whole overhead, so tracking is off by default: TrackMemory(true) turns it on, and the
// profiler turns it on while it records. Off, each allocation pays one atomic load.
//
// Only storage allocated while tracking is on is counted, and each counted buffer is
// subtracted exactly once when it is collected, whatever happens to the setting meanwhile.
// "Live" therefore means "allocated while tracking and not yet collected": a tensor dropped
// by the program stays live until the next garbage collection (runtime.GC() makes the number
// tight), unlike PyTorch's reference-counted allocator which frees on the spot.
var (
	memTracking  atomic.Bool
	memLive      atomic.Int64
	memPeak      atomic.Int64
	memAllocated atomic.Int64
	memAllocs    atomic.Int64
	memFreed     atomic.Int64
)

// MemStats is a snapshot of the tensor memory accounting (see TrackMemory).
type MemStats struct {
	LiveBytes      int64 // storage allocated while tracking and not yet garbage-collected
	PeakBytes      int64 // the highest LiveBytes since tracking began or ResetPeakMemory
	AllocatedBytes int64 // total storage bytes allocated while tracking
	Allocs         int64 // number of storage buffers allocated while tracking
	Frees          int64 // number of those buffers the garbage collector has freed
	Tracking       bool  // whether new allocations are being counted
}

// TrackMemory turns memory accounting on or off for storage allocated from now on and
// returns the previous setting. It costs about 750 ns per tensor allocation while on (a
// runtime.AddCleanup registration), so it is off by default; profile.Start turns it on.
func TrackMemory(on bool) (was bool) { return memTracking.Swap(on) }

// MemoryStats returns the current tensor memory accounting. It is safe to call at any time
// from any goroutine; the counters are updated atomically.
func MemoryStats() MemStats {
	return MemStats{
		LiveBytes:      memLive.Load(),
		PeakBytes:      memPeak.Load(),
		AllocatedBytes: memAllocated.Load(),
		Allocs:         memAllocs.Load(),
		Frees:          memFreed.Load(),
		Tracking:       memTracking.Load(),
	}
}

// ResetPeakMemory sets the peak to the current live bytes, as
// torch.cuda.reset_peak_memory_stats does, so that the peak of one phase can be measured.
func ResetPeakMemory() { memPeak.Store(memLive.Load()) }

// trackStorage counts s as live until the garbage collector frees it.
func trackStorage(s *storage) {
	n := s.bytes()
	memAllocs.Add(1)
	memAllocated.Add(n)
	live := memLive.Add(n)
	for {
		p := memPeak.Load()
		if live <= p || memPeak.CompareAndSwap(p, live) {
			break
		}
	}
	runtime.AddCleanup(s, releaseStorage, n)
}

// releaseStorage runs on the runtime's cleanup goroutine after a tracked buffer is collected.
func releaseStorage(n int64) {
	memLive.Add(-n)
	memFreed.Add(1)
}
