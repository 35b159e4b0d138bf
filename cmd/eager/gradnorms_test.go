package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

func TestTrainLogsGradNorms(t *testing.T) {
	c := quickConfig(t.TempDir())
	c.epochs, c.limit, c.gradNorms = 1, 200, 2
	var out bytes.Buffer
	if _, err := train(c, &out); err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, " grad norms: total ") {
			lines++
			for _, p := range []string{"1.weight", "1.bias", "3.weight", "5.bias"} {
				if !strings.Contains(l, "| "+p+" ") {
					t.Fatalf("line lacks %s: %s", p, l)
				}
			}
		}
	}
	if lines != 2 { // 200 images in batches of 50: steps 2 and 4
		t.Fatalf("%d grad-norm lines, want 2:\n%s", lines, out.String())
	}
	if strings.Contains(out.String(), "warning:") {
		t.Fatalf("healthy run flagged:\n%s", out.String())
	}
}

func TestLogGradNormsFlagsProblems(t *testing.T) {
	m, _ := newModel("mlp")
	ps := m.NamedParameters()
	for _, p := range ps {
		p.Tensor.SetGrad(eager.OnesLike(p.Tensor).MulScalar(1e-3))
	}
	ps[0].Tensor.SetGrad(eager.OnesLike(ps[0].Tensor).MulScalar(100)) // 1.weight: 784*256 elements of 100
	ps[5].Tensor.SetGrad(eager.ZerosLike(ps[5].Tensor))               // 5.bias: all zero
	var out bytes.Buffer
	problems := logGradNorms(&out, m, 7)
	got := out.String()
	for _, w := range []string{
		"step 7 grad norms: total ",
		"  warning: step 7: 1.weight: gradient exploding (norm 4.48e+04 > 1000)",
		"  warning: step 7: 5.bias: gradient vanishing (norm 0 < 1e-07)",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
	if len(problems) != 2 {
		t.Fatalf("problems %v", problems)
	}
}
