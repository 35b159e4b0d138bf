package eager

import (
	"math/bits"
	"sync"
	"unsafe"
)

// The buffer cache keeps large storage buffers that the autograd engine knows to be dead and
// hands them to the next allocations of a similar size, as PyTorch's caching allocator does.
//
// Go has no reference counts, so in general eager cannot know when a tensor dies: the
// garbage collector frees it some time later, and a fresh buffer from the Go heap has to be
// zeroed and, after the runtime returned the pages to the OS, faulted in again (about 10 µs
// per 4 KiB page on the development VM, more than the op itself for large tensors). The one
// place where eager does know is the backward pass: the gradients it computes between nodes
// are reachable only from the pass itself, and the engine counts its references to each
// storage. When the count of a storage allocated during the pass drops to zero, the engine
// returns the buffer here, and it is reused while still in cache, often by the next node of
// the same pass, and in the next training step by the forward pass. Three more sources fill
// it: ZeroGrad, with a leaf's gradient that the engine made and that was only borrowed (see
// Tensor.BorrowGrad); the kernels' scratch buffers (im2col matrices, partial sums), whose
// lifetimes are explicit; and executors that know when a value dies (ReleaseBuffer: jit's
// executor releases the results of the eager ops it replays after their last reader).
//
// Buffers are grouped in size classes of an eighth of a power of two (so at most 12.5% of a
// buffer is unused), only from minCachedBytes up (smaller ones are cheap to allocate), and
// the cache holds at most maxCachedBytes; EmptyCache hands everything back to the garbage
// collector. A released storage header keeps no buffer (its length becomes 0), so a stale
// reference fails loudly instead of reading reused memory.
const (
	minCachedBytes = 64 << 10
	maxCachedBytes = 512 << 20
)

var bufferCache struct {
	mu    sync.Mutex
	free  [numClasses][]unsafe.Pointer // by size class
	bytes int64
	// counters (see CacheStats), kept under mu: separate atomics were a second cache line
	// that two cores' conv tasks bounced between them at every scratch buffer
	hits, misses, releases, drops int64
}

// numClasses bounds the size classes (sizeClass of any int is below it).
const numClasses = 64 << 3

// sizeClass returns the class of an n-byte buffer (n >= minCachedBytes) and the class's
// buffer size: the power of two p below n in the high bits, the eighth above it in the low 3.
func sizeClass(n int) (uint16, int) {
	e := bits.Len(uint(n-1)) - 1 // 2^e <= n-1 < 2^(e+1)
	step := 1 << (e - 3)
	k := (n - 1 - 1<<e) / step // 0..7
	return uint16(e<<3 | k), 1<<e + (k+1)*step
}

// classBytes is the buffer size of class c.
func classBytes(c uint16) int {
	e, k := int(c>>3), int(c&7)
	return 1<<e + (k+1)*(1<<(e-3))
}

// cachedBuffer returns a buffer of at least n bytes for a storage, from the cache when one
// of the right class is there (reused: not zeroed), else newly allocated, zeroed only when
// zero is set; class is 0 when n is too small to be cached.
func cachedBuffer(n int, zero bool) (p unsafe.Pointer, class uint16, reused bool) {
	if n < minCachedBytes {
		return nil, 0, false
	}
	c, size := sizeClass(n)
	bc := &bufferCache
	bc.mu.Lock()
	if l := bc.free[c]; len(l) > 0 {
		p = l[len(l)-1]
		l[len(l)-1] = nil
		bc.free[c] = l[:len(l)-1]
		bc.bytes -= int64(size)
		bc.hits++
		bc.mu.Unlock()
		return p, c, true
	}
	bc.misses++
	bc.mu.Unlock()
	return mallocgc(uintptr(size), nil, zero), c, false
}

// mallocgc is the Go runtime's allocator, which the runtime keeps callable from outside with
// this signature (go.dev/issue/67401): with a nil type the block holds no pointers, and with
// needzero false it is not cleared, which for a large buffer that an op overwrites saves a
// single-threaded pass over memory as long as the op itself (Go's make always clears).
//
//go:linkname mallocgc runtime.mallocgc
func mallocgc(size uintptr, typ unsafe.Pointer, needzero bool) unsafe.Pointer

// recycle hands s's buffer to the cache and leaves s empty. The caller guarantees that
// nothing will read or write s's elements again, except deferred ops that still read them:
// then s keeps its buffer, which the garbage collector frees with those ops, since copying
// the elements for them would cost more than the reuse saves.
func (s *storage) recycle() bool {
	if s.class == 0 || s.ptr == nil || s.readByDeferred() {
		return false
	}
	p, c := s.ptr, s.class
	s.ptr, s.n, s.class = nil, 0, 0
	cacheBuffer(p, c)
	return true
}

// cacheBuffer files buffer p of size class c for reuse (or drops it when the cache is full).
func cacheBuffer(p unsafe.Pointer, c uint16) {
	size := int64(classBytes(c))
	bc := &bufferCache
	bc.mu.Lock()
	if bc.bytes+size <= maxCachedBytes {
		bc.free[c] = append(bc.free[c], p)
		bc.bytes += size
		bc.releases++
	} else {
		bc.drops++
	}
	bc.mu.Unlock()
}

// EmptyCache hands the buffers that eager keeps for reuse back to the garbage collector, as
// torch.cuda.empty_cache does for PyTorch's caching allocator. The backward pass fills the
// cache with the buffers of the gradients it computed and no longer needs; later allocations
// of similar sizes take them from there. It is safe to call at any time.
func EmptyCache() {
	bc := &bufferCache
	bc.mu.Lock()
	bc.free = [numClasses][]unsafe.Pointer{}
	bc.bytes = 0
	bc.mu.Unlock()
}

// CacheStats counts the buffer cache's activity since the program started (see EmptyCache).
type CacheStats struct {
	CachedBytes int64 // bytes of buffers held for reuse now
	Hits        int64 // allocations served from the cache
	Misses      int64 // allocations large enough to be cached that found no buffer of their size class
	Released    int64 // buffers handed (back) to the cache: dead gradients, ZeroGrad, kernel scratch, ReleaseBuffer
	Dropped     int64 // released buffers left to the garbage collector because the cache was full
}

// BufferCacheStats returns the buffer cache's counters. It is safe to call at any time.
func BufferCacheStats() CacheStats {
	bc := &bufferCache
	bc.mu.Lock()
	defer bc.mu.Unlock()
	return CacheStats{CachedBytes: bc.bytes, Hits: bc.hits, Misses: bc.misses, Released: bc.releases, Dropped: bc.drops}
}

// ReleaseBuffer hands the buffer of x's storage to the buffer cache, where the next
// allocation of a similar size takes it while it is still in cache, and leaves the storage
// empty. It is for executors that know when a value dies, as PyTorch's caching allocator
// learns it from reference counts: the jit executor releases the results of the eager ops
// it replays after their last reader. The caller guarantees that x and every view of its
// storage are never read or written again; a released storage has no elements, so a stale
// access panics instead of seeing reused memory. Buffers eager did not allocate itself
// (FromSlice), too small to be cached, allocated while memory is tracked, or still read by a
// deferred op (see SetDeferredFusion) are left to the garbage collector. It reports whether
// the buffer went to the cache.
func ReleaseBuffer(x *Tensor) bool {
	return x.st.recycle()
}

// SharesStorage reports whether a and b view the same storage (one is a view of the other,
// or both are views of a third tensor).
func SharesStorage(a, b *Tensor) bool { return a.st == b.st }
