// Package goid identifies the calling goroutine cheaply, so that eager can keep per-goroutine
// state (grad mode) the way PyTorch keeps per-thread state.
//
// Go has no goroutine-local storage by design. Grad mode must nevertheless be per goroutine: a
// data-loader or evaluation goroutine running under NoGrad must not switch recording off for
// the training goroutine. Key returns a value that is unique among live goroutines; callers
// may only rely on it while the goroutine that obtained it is still running.
package goid

// Key returns an identifier of the calling goroutine, unique among live goroutines.
func Key() uintptr { return key() }
