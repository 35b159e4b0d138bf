package eager

import (
	"sync"
	"sync/atomic"

	"github.com/eagerml/eager/internal/goid"
)

// Grad mode is per goroutine, as PyTorch's is per thread: NoGrad(fn) turns recording off for
// the goroutine that calls it, for the duration of fn, and for no other goroutine. Goroutines
// started inside fn begin with grad mode on, as new threads do in PyTorch.
//
// Go has no goroutine-local storage, so the mode lives in a map keyed by goroutine identity.
// The map is consulted only while some goroutine is inside a NoGrad or EnableGrad scope
// (modeScopes > 0) and only by ops whose inputs require grad, so the common training path
// never touches it.
var (
	modeScopes atomic.Int64
	modeShards [32]modeShard // goid.Key() -> grad enabled, sharded by key
)

// modeShard is one lock-protected part of the goroutine → grad mode map (a plain map: setting
// and clearing an entry for a goroutine that enters scopes repeatedly does not allocate).
type modeShard struct {
	mu sync.Mutex
	m  map[uintptr]bool
	_  [40]byte // keep shards on separate cache lines
}

func shardOf(k uintptr) *modeShard { return &modeShards[(k>>6^k>>12)%uintptr(len(modeShards))] }

func loadGradMode(k uintptr) (enabled, ok bool) {
	sh := shardOf(k)
	sh.mu.Lock()
	enabled, ok = sh.m[k]
	sh.mu.Unlock()
	return enabled, ok
}

// NoGrad runs fn with gradient recording turned off on the calling goroutine: ops inside fn
// produce tensors that do not require grad, as under PyTorch's torch.no_grad(). Use it for
// evaluation and for parameter updates. Other goroutines are not affected.
func NoGrad(fn func()) { withGradMode(false, fn) }

// EnableGrad runs fn with gradient recording turned on on the calling goroutine, even inside
// NoGrad (PyTorch's torch.enable_grad()).
func EnableGrad(fn func()) { withGradMode(true, fn) }

// IsGradEnabled reports whether ops called on this goroutine record autograd history.
func IsGradEnabled() bool {
	if modeScopes.Load() == 0 {
		return true
	}
	if v, ok := loadGradMode(goid.Key()); ok {
		return v
	}
	return true
}

func withGradMode(enabled bool, fn func()) {
	defer popGradMode(pushGradMode(enabled))
	fn()
}

// savedGradMode is what pushGradMode replaced, for popGradMode to restore.
type savedGradMode struct {
	key       uintptr
	prev, had bool
}

// pushGradMode sets the calling goroutine's grad mode until the matching popGradMode.
func pushGradMode(enabled bool) savedGradMode {
	k := goid.Key()
	sh := shardOf(k)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = map[uintptr]bool{}
	}
	prev, had := sh.m[k]
	sh.m[k] = enabled
	sh.mu.Unlock()
	modeScopes.Add(1)
	return savedGradMode{k, prev, had}
}

// popGradMode restores the mode saved by pushGradMode.
func popGradMode(s savedGradMode) {
	sh := shardOf(s.key)
	sh.mu.Lock()
	if s.had {
		sh.m[s.key] = s.prev
	} else {
		delete(sh.m, s.key)
	}
	sh.mu.Unlock()
	modeScopes.Add(-1)
}
