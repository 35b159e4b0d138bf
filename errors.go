package eager

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
)

// Error is the value eager panics with when an op is misused: a shape or dtype mismatch, an
// out-of-range dim, or a misuse of autograd. It names the op and the caller's file:line.
// Programmer errors panic, as in gonum and PyTorch; use Try to turn them into an error.
type Error struct {
	Op    string // the op that was called, e.g. "MatMul"
	Msg   string // what was wrong, e.g. "shapes [3 4] and [5 6] do not match"
	Where string // the caller's file:line outside the library, e.g. "model.go:42"
}

// Error formats the error as "Op: Msg (Where)".
func (e *Error) Error() string {
	if e.Where == "" {
		return e.Op + ": " + e.Msg
	}
	return e.Op + ": " + e.Msg + " (" + e.Where + ")"
}

// Try runs fn and returns the *Error it panicked with, if any. Other panics propagate.
func Try(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Error); ok {
				err = e
				return
			}
			panic(r)
		}
	}()
	fn()
	return nil
}

// failf panics with an *Error for op, located at the first caller outside the library.
func failf(op, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...), Where: CallerLocation()})
}

// libraryDirs are the directories whose frames CallerLocation skips: the root package and
// the library packages that call it (nn, optim, data, jit, ...). Test files are never skipped.
var libraryDirs []string

func init() {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return
	}
	root := filepath.Dir(file)
	libraryDirs = []string{root}
	for _, sub := range []string{"nn", "optim", "data", "jit", "serialize", "profile", "dist", "internal"} {
		libraryDirs = append(libraryDirs, filepath.Join(root, sub))
	}
}

func isLibraryFile(file string) bool {
	if strings.HasSuffix(file, "_test.go") {
		return false
	}
	dir := filepath.Dir(file)
	for _, d := range libraryDirs {
		if dir == d || strings.HasPrefix(dir, d+"/") && d != libraryDirs[0] {
			return true
		}
	}
	return false
}

// CallerLocation returns "file.go:line" of the innermost stack frame outside eager's library
// packages: the user's line that called into eager. Library packages built on eager (nn,
// optim, ...) use it to blame the user's code rather than their own.
func CallerLocation() string {
	var pcs [32]uintptr
	n := runtime.Callers(2, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.File != "" && !isLibraryFile(f.File) {
			return fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line)
		}
		if !more {
			return ""
		}
	}
}
