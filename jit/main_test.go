package jit

import (
	"flag"
	"os"
	"testing"

	"github.com/eagerml/eager"
)

// TestMain runs the package's tests (not its benchmarks, whose figures it would distort) with
// every buffer handed out uncleared filled with NaN, so that a compiled kernel that leaves
// part of an output unwritten (or reads scratch before writing it) fails the comparisons with
// eager instead of passing on zeroed memory.
func TestMain(m *testing.M) {
	flag.Parse()
	if b := flag.Lookup("test.bench"); b == nil || b.Value.String() == "" {
		eager.SetFillUninitialized(true)
	}
	os.Exit(m.Run())
}
