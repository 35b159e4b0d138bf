package jit

import "errors"

// Sentinel errors, for errors.Is on the *Error that Compile's functions fail with.
var (
	// ErrDataDependent: fn read the values of a traced tensor (Item, Float32s, String, ...),
	// so the graph would silently bake in one branch of Go control flow.
	ErrDataDependent = errors.New("data-dependent control flow")
	// ErrUnsupported: fn used an op or a feature the tracer cannot replay.
	ErrUnsupported = errors.New("not supported by jit")
	// ErrAliasing: fn used a tensor after another view of its storage was modified in place.
	ErrAliasing = errors.New("in-place update through an aliasing view")
)

// Error is what a compiled function fails with when it refuses to trace fn: it names what
// was wrong and the user's file:line.
type Error struct {
	Op    string // the op or tensor method involved, e.g. "Item" or "Conv2d"
	Msg   string
	Where string // the user's file:line, e.g. "train.go:42"
	Kind  error  // one of the sentinel errors
}

// Error formats the error as "jit: Op: Msg (Where)".
func (e *Error) Error() string {
	s := "jit: " + e.Op + ": " + e.Msg
	if e.Where != "" {
		s += " (" + e.Where + ")"
	}
	return s
}

// Unwrap returns the sentinel error, so that errors.Is(err, jit.ErrDataDependent) works.
func (e *Error) Unwrap() error { return e.Kind }
