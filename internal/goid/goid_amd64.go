//go:build !purego

package goid

// getg returns the address of the current goroutine's runtime descriptor (g), read from
// thread-local storage. It is unique among live goroutines and costs about a nanosecond.
func getg() uintptr

func key() uintptr { return getg() }
