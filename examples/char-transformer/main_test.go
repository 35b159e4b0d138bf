package main

import (
	"io"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/eagerml/eager"
)

func smokeConfig() config {
	return config{textPath: defaultText(), limit: 5000, steps: 3, batch: 4, context: 16, dModel: 16, heads: 2, layers: 1,
		lr: 3e-3, warmup: 1, seed: 1, every: 100, evalBatches: 1, generate: 20, temperature: 0.8, prompt: "\n"}
}

// TestRunSmoke trains for three steps on the first 5,000 characters of the bundled text and
// generates from the model.
func TestRunSmoke(t *testing.T) {
	c := smokeConfig()
	res, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.trainLoss) != 1 || len(res.valLoss) != 1 {
		t.Fatalf("%d and %d reports, want one (after the last step)", len(res.trainLoss), len(res.valLoss))
	}
	for _, l := range []float64{res.trainLoss[0], res.valLoss[0]} {
		if math.IsNaN(l) || l <= 0 || l > 10 {
			t.Fatalf("loss %v", l)
		}
	}
	if n := utf8.RuneCountInString(res.sample); n != c.generate {
		t.Fatalf("generated %d characters, want %d: %q", n, c.generate, res.sample)
	}
	again, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if again.sample != res.sample || again.valLoss[0] != res.valLoss[0] {
		t.Fatalf("same seed, different runs: %q (val loss %v), then %q (%v)", res.sample, res.valLoss[0], again.sample, again.valLoss[0])
	}
	c.prompt = "\u00e9" // not in the text's vocabulary
	if _, err := run(c, io.Discard); err == nil {
		t.Fatal("no error for a prompt outside the vocabulary")
	}
}

// TestCausal checks that the logits at a position do not depend on later characters.
func TestCausal(t *testing.T) {
	eager.ManualSeed(3)
	m := NewGPT(ModelConfig{Vocab: 10, Context: 8, DModel: 16, Heads: 2, Layers: 2})
	a := m.Forward(eager.FromSlice([]int64{1, 2, 3, 4, 5, 6}, 1, 6))
	b := m.Forward(eager.FromSlice([]int64{1, 2, 3, 9, 0, 7}, 1, 6))
	pa, pb := a.Narrow(1, 0, 3).Float32s(), b.Narrow(1, 0, 3).Float32s()
	for i := range pa {
		if math.Abs(float64(pa[i]-pb[i])) > 1e-5 {
			t.Fatalf("logit %d of the first three positions changed with later characters: %v vs %v", i, pa[i], pb[i])
		}
	}
	if d := a.Narrow(1, 3, 1).Sub(b.Narrow(1, 3, 1)).Abs().Max().Item(); d == 0 {
		t.Fatal("the logits at position 3 do not depend on the character there")
	}
}

func TestSample(t *testing.T) {
	probs := []float64{0.2, 0.5, 0.3}
	for _, tc := range []struct {
		u    float64
		want int64
	}{{0, 0}, {0.19, 0}, {0.2, 1}, {0.69, 1}, {0.71, 2}, {0.9999999, 2}} {
		if got := sample(probs, tc.u); got != tc.want {
			t.Errorf("sample(%v, %v) = %d, want %d", probs, tc.u, got, tc.want)
		}
	}
	if got := sample([]float64{0.5, 0.4999}, 0.99995); got != 1 { // probabilities that sum to a hair under 1
		t.Errorf("sample past the total = %d, want the last index", got)
	}
}
