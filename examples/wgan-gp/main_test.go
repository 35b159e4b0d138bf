package main

import (
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

func TestRunSmoke(t *testing.T) {
	c := config{steps: 3, critic: 2, batch: 16, noise: 2, hidden: 8, lambda: 0.1, lr: 1e-3, seed: 1, every: 1, samples: 64}
	res, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.modeDistance) != 3 {
		t.Fatalf("%d reports, want 3", len(res.modeDistance))
	}
	for i, d := range res.modeDistance {
		if !(d >= 0 && d < 10) || res.modesCovered[i] < 0 || res.modesCovered[i] > numModes {
			t.Fatalf("report %d: distance %v, %d modes", i, d, res.modesCovered[i])
		}
	}
	again, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.modeDistance, again.modeDistance) {
		t.Fatalf("same seed, different runs: %v, then %v", res.modeDistance, again.modeDistance)
	}
}

// TestPenaltyReachesCritic checks that the penalty's Backward, which goes through the
// gradient eager.Grad recorded with CreateGraph, gives every weight matrix of the critic a
// finite, nonzero gradient. The biases get none, correctly: with ReLU activations
// ∇x critic(x) = W1ᵀ·D1·W2ᵀ·D2·W3ᵀ, where the 0/1 diagonals D1, D2 of ReLU's derivative are
// piecewise constant in the biases (ReLU's second derivative is zero) and the last bias
// does not appear at all. (PyTorch gives the hidden biases a zero tensor there; eager,
// whose ReLU backward treats its mask as a constant, leaves them nil.) TestPenaltyGradCheck
// covers the biases with a smooth critic.
func TestPenaltyReachesCritic(t *testing.T) {
	eager.ManualSeed(4)
	critic := mlp(2, 16, 1)
	real := realBatch(eager.NewGenerator(5), 32)
	fake := eager.Randn(32, 2)
	gp := gradientPenalty(critic, real, fake)
	if !(gp.Item() >= 0) {
		t.Fatalf("penalty %v", gp.Item())
	}
	gp.Backward()
	weights := 0
	for _, p := range critic.NamedParameters() {
		g := p.Tensor.Grad()
		if !strings.HasSuffix(p.Name, "weight") {
			continue
		}
		weights++
		if g == nil {
			t.Fatalf("%s: no gradient from the penalty", p.Name)
		}
		nonzero := false
		for _, v := range g.Float64s() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%s: gradient %v", p.Name, g)
			}
			nonzero = nonzero || v != 0
		}
		if !nonzero {
			t.Fatalf("%s: the penalty's gradient is zero", p.Name)
		}
	}
	if weights != 3 {
		t.Fatalf("checked %d weight matrices, want 3", weights)
	}
}

// TestPenaltyGradCheck compares the penalty's gradient with respect to the critic's weights,
// a second-order derivative of the critic, with finite differences (in float64, with the
// same interpolation points at every evaluation).
func TestPenaltyGradCheck(t *testing.T) {
	prev := eager.SetDefaultDType(eager.Float64)
	defer eager.SetDefaultDType(prev)
	eager.ManualSeed(6)
	critic := mlp(2, 5, 1)
	critic.Layers[1] = &nn.Tanh{} // smooth, so that finite differences apply everywhere
	critic.Layers[3] = &nn.Tanh{}
	real := realBatch(eager.NewGenerator(7), 4).To(eager.Float64)
	fake := eager.Randn(4, 2)
	params := critic.Parameters()
	penalty := func([]*eager.Tensor) *eager.Tensor {
		eager.ManualSeed(8) // the same interpolation weights every time
		return gradientPenalty(critic, real, fake)
	}
	if err := eager.GradCheck(penalty, params, eager.GradCheckOptions{}); err != nil {
		t.Fatal(err)
	}
}
