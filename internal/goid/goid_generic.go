//go:build purego || !amd64

package goid

import (
	"runtime"
	"sync"
)

// stackBufs holds the buffers key reads the stack's first line into: runtime.Stack makes
// its argument escape, so a local array would be one allocation per call.
var stackBufs = sync.Pool{New: func() any { return new([64]byte) }}

// key parses the goroutine id from the first line of runtime.Stack ("goroutine 17 [running]:").
// It costs about a microsecond; amd64 builds use the g pointer instead.
func key() uintptr {
	buf := stackBufs.Get().(*[64]byte)
	n := runtime.Stack(buf[:], false)
	b := buf[len("goroutine "):n]
	var id uintptr
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uintptr(c-'0')
	}
	stackBufs.Put(buf)
	return id
}
