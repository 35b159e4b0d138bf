package kernels

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAssemblyUsesVEXOnly checks that no assembly file writes a vector register with a
// legacy-SSE instruction (MOVQ R9, X15 instead of VMOVQ R9, X15). On the Zen 3 VM such a
// move at the start of maxPool2x2AVX2 cost about 450 ns per call, 20 times the kernel's
// work on a 28×28 plane; the VEX-encoded form costs nothing extra. (Go's assembler encodes
// MOVQ, MOVD, MOVSS, PXOR and the like on X registers as legacy SSE.)
func TestAssemblyUsesVEXOnly(t *testing.T) {
	files, err := filepath.Glob("*.s")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no assembly files found")
	}
	vecReg := regexp.MustCompile(`\b[XYZ]([0-9]|[12][0-9]|3[01])\b`)
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if i := strings.Index(text, "//"); i >= 0 {
				text = text[:i]
			}
			if rest, ok := strings.CutPrefix(strings.TrimSpace(text), "#define"); ok {
				// #define NAME(args) body: the body's instructions, separated by ';'
				if _, body, ok := strings.Cut(rest, ")"); ok {
					text = body
				}
			}
			for _, ins := range strings.Split(text, ";") {
				fields := strings.Fields(ins)
				if len(fields) < 2 || strings.HasSuffix(fields[0], ":") || strings.Contains(fields[0], "(") {
					continue // blank, label, or macro call (its body is checked at its #define)
				}
				switch op := fields[0]; {
				case op == "TEXT" || op == "DATA" || op == "GLOBL" || op == "#include",
					strings.HasPrefix(op, "V") || strings.HasPrefix(op, "K") || strings.HasPrefix(op, "PREFETCH"):
				case vecReg.MatchString(strings.Join(fields[1:], " ")):
					t.Errorf("%s:%d: %q writes or reads a vector register in a legacy-SSE encoding; use the VEX form (V%s)", name, line, strings.TrimSpace(ins), op)
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
}
