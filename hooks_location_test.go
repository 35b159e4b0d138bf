package eager

import (
	"runtime"
	"testing"
)

// CallerLocationPCs, from a captured stack, gives what CallerLocation gives at that point,
// also when asked again (from its cache).
func TestCallerLocationPCs(t *testing.T) {
	here := func() (string, string) {
		var pcs [32]uintptr
		return CallerLocation(), CallerLocationPCs(pcs[:runtime.Callers(1, pcs[:])])
	}
	for i := 0; i < 2; i++ {
		want, got := here()
		if got != want || got == "" {
			t.Fatalf("CallerLocationPCs = %q, CallerLocation = %q", got, want)
		}
	}
}
