package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// eager graph -jit dumps the compiled training step: the traced graph, the optimized one
// with fused loops (the Adam update among them), and every pass with -passes.
func TestGraphJit(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"-jit"}, []string{"=== trace:", "=== optimized:", "Fused{", "AddcmulInPlace", "Gemm["}},
		{[]string{"-jit", "-passes"}, []string{"=== trace:", "=== cse:", "=== fuse:", "=== memplan:"}},
		{[]string{"-jit", "-dot"}, []string{"digraph"}},
	} {
		out := filepath.Join(dir, "g.txt")
		if err := runGraph(append(c.args, "-out", out)); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(string(b), w) {
				t.Fatalf("eager graph %v: no %q in\n%.2000s", c.args, w, b)
			}
		}
	}
}
