//go:build purego || !amd64

package goid

import "runtime"

// key parses the goroutine id from the first line of runtime.Stack ("goroutine 17 [running]:").
// It costs about a microsecond; amd64 builds use the g pointer instead.
func key() uintptr {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	b := buf[len("goroutine "):n]
	var id uintptr
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uintptr(c-'0')
	}
	return id
}
