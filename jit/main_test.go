package jit

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/eagerml/eager"
)

// TestMain runs the package's tests (not its benchmarks, whose figures it would distort) with
// every buffer handed out uncleared filled with NaN, so that a compiled kernel that leaves
// part of an output unwritten (or reads scratch before writing it) fails the comparisons with
// eager instead of passing on zeroed memory. It fails the run if a replayed op returned a
// view of its argument (see planReleases).
func TestMain(m *testing.M) {
	flag.Parse()
	if b := flag.Lookup("test.bench"); b == nil || b.Value.String() == "" {
		eager.SetFillUninitialized(true)
	}
	code := m.Run()
	if n := replayAliasing.Load(); n > 0 && code == 0 {
		// planReleases assumes that only view ops return views of their arguments.
		fmt.Fprintf(os.Stderr, "jit: %d replayed ops returned a view of an argument's storage\n", n)
		code = 1
	}
	os.Exit(code)
}
