//go:build !race

package eager

import "testing"

// The in-place updates that optimizers run on every parameter at every step allocate
// nothing: their scalar parameters reach the observers boxed only when one is installed.
func TestInPlaceUpdatesAllocateNothing(t *testing.T) {
	x, y := Randn(64), Randn(64)
	for name, fn := range map[string]func(){
		"AddInPlace":       func() { x.AddInPlace(y) },
		"AddScaledInPlace": func() { x.AddScaledInPlace(y, 0.5) },
		"AddcmulInPlace":   func() { x.AddcmulInPlace(y, y, 0.5) },
		"AddcdivInPlace":   func() { x.AddcdivInPlace(y, y, 0.5) },
		"MulScalarInPlace": func() { x.MulScalarInPlace(0.5) },
		"FillInPlace":      func() { x.FillInPlace(0.5) },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s allocates %v objects per call, want 0", name, n)
		}
	}
}
