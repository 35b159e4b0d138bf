package eager

import (
	"strings"
	"testing"
)

func TestGraphDOT(t *testing.T) {
	w := Randn(3, 2).SetRequiresGrad(true)
	b := Zeros(2).SetRequiresGrad(true)
	x := Randn(4, 3)
	loss := x.MatMul(w).Add(b).ReLU().Sum()
	dot := GraphDOT([]*Tensor{loss}, map[*Tensor]string{w: "fc.weight"})
	for _, want := range []string{"digraph autograd", "SumBackward", "ReLUBackward", "AddBackward", "BmmBackward", "fc.weight\\n[3 2] float32", "[2] float32", "output 0"} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot)
		}
	}
	if strings.Contains(dot, "[4 3] float32") {
		t.Errorf("input that does not require grad drawn as a leaf:\n%s", dot)
	}
	if again := GraphDOT([]*Tensor{loss}, map[*Tensor]string{w: "fc.weight"}); again != dot {
		t.Error("output not deterministic")
	}
}
