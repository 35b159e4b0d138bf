package nn

import (
	"math"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

func TestGradNorms(t *testing.T) {
	eager.ManualSeed(1)
	model := NewSequential(NewLinear(3, 4), &ReLU{}, NewLinear(4, 2))
	x := eager.Randn(5, 3)
	model.Forward(x).Sum().Backward()
	norms := GradNorms(model)
	names := []string{"0.weight", "0.bias", "2.weight", "2.bias"}
	if len(norms) != len(names) {
		t.Fatalf("got %d norms", len(norms))
	}
	var sq float64
	for i, n := range norms {
		g := model.NamedParameters()[i].Tensor.Grad().Float64s()
		var want float64
		for _, v := range g {
			want += v * v
		}
		sq += want
		want = math.Sqrt(want)
		if n.Name != names[i] || !n.HasGrad || math.Abs(n.Norm-want) > 1e-6*want {
			t.Fatalf("norm %d: %+v, want %s %v", i, n, names[i], want)
		}
	}
	if tot := TotalGradNorm(norms); math.Abs(tot-math.Sqrt(sq)) > 1e-6*tot {
		t.Fatalf("total %v, want %v", tot, math.Sqrt(sq))
	}
	if p := CheckGradNorms(norms, GradLimits{}); len(p) != 0 {
		t.Fatalf("healthy gradients flagged: %v", p)
	}
}

func TestCheckGradNorms(t *testing.T) {
	big := float32(1e30) // its square overflows float32 and float64 sums of squares need scaling
	model := NewSequential(NewLinear(2, 2), NewLinear(2, 2), NewLinear(2, 2), NewLinear(2, 2))
	ps := model.NamedParameters()
	set := func(i int, vals ...float32) { ps[i].Tensor.SetGrad(eager.FromSlice(vals, ps[i].Tensor.Shape()...)) }
	set(0, big, big, 0, 0)                // 0.weight: exploding, norm 1.41e30
	set(1, 0, 1e-9)                       // 0.bias: vanishing
	set(2, 1, float32(math.NaN()), 0, 0)  // 1.weight: non-finite
	set(3, 0.5, 0.5)                      // 1.bias: healthy
	set(4, float32(math.Inf(1)), 0, 0, 0) // 2.weight: non-finite
	set(5, 0, 0)                          // 2.bias: vanishing (all zero)
	ps[6].Tensor.SetGrad(nil)             // 3.weight: missing
	ps[7].Tensor.SetRequiresGrad(false)   // 3.bias: frozen, skipped
	norms := GradNorms(model)
	if n := norms[0].Norm; math.Abs(n-math.Sqrt2*1e30)/n > 1e-6 {
		t.Fatalf("exploding norm %v overflowed", n)
	}
	got := CheckGradNorms(norms, GradLimits{})
	want := []struct{ name, kind string }{
		{"0.weight", "exploding"}, {"0.bias", "vanishing"}, {"1.weight", "non-finite"},
		{"2.weight", "non-finite"}, {"2.bias", "vanishing"}, {"3.weight", "missing"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i, w := range want {
		if got[i].Name != w.name || got[i].Kind != w.kind {
			t.Fatalf("problem %d: %v, want %s %s", i, got[i], w.name, w.kind)
		}
	}
	if s := got[0].String(); !strings.Contains(s, "0.weight: gradient exploding (norm 1.41e+30 > 1000)") {
		t.Errorf("String: %s", s)
	}
	if s := got[1].String(); !strings.Contains(s, "0.bias: gradient vanishing (norm 1e-09 < 1e-07)") {
		t.Errorf("String: %s", s)
	}
	// Custom limits.
	if p := CheckGradNorms([]NamedNorm{{Name: "w", Norm: 5, HasGrad: true}}, GradLimits{Explode: 4}); len(p) != 1 || p[0].Kind != "exploding" {
		t.Fatalf("custom limit: %v", p)
	}
}
