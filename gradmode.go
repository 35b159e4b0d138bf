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
	gradModes  sync.Map // goid.Key() -> bool (grad enabled)
)

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
	if v, ok := gradModes.Load(goid.Key()); ok {
		return v.(bool)
	}
	return true
}

func withGradMode(enabled bool, fn func()) {
	restore := setGradMode(enabled)
	defer restore()
	fn()
}

// setGradMode sets the calling goroutine's grad mode and returns a function that restores it.
func setGradMode(enabled bool) func() {
	k := goid.Key()
	prev, had := gradModes.Load(k)
	gradModes.Store(k, enabled)
	modeScopes.Add(1)
	return func() {
		if had {
			gradModes.Store(k, prev)
		} else {
			gradModes.Delete(k)
		}
		modeScopes.Add(-1)
	}
}
