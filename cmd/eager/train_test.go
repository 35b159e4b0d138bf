package main

import (
	"io"
	"path/filepath"
	"testing"
)

func quickConfig(dir string) trainConfig {
	return trainConfig{model: "mlp", epochs: 2, batch: 50, lr: 1e-3, optimizer: "adam", schedule: "cosine", seed: 3, workers: 2, limit: 600, testLimit: 1000, quiet: true,
		save: filepath.Join(dir, "ck.safetensors"), weights: filepath.Join(dir, "w.safetensors")}
}

func TestTrainLearns(t *testing.T) {
	c := quickConfig(t.TempDir())
	c.plot = filepath.Join(t.TempDir(), "loss.png")
	res, err := train(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.TestAccuracy < 0.5 { // chance is 0.1
		t.Fatalf("test accuracy %.3f after 2 epochs on 600 images", res.TestAccuracy)
	}
	first, last := res.Losses[0], res.Losses[len(res.Losses)-1]
	if last > first/2 {
		t.Fatalf("loss went from %.3f to %.3f", first, last)
	}
}

// TestResumeIsBitIdentical interrupts a run after one epoch and resumes it from the
// checkpoint: the weights must equal an uninterrupted run's bit for bit.
func TestResumeIsBitIdentical(t *testing.T) {
	full, err := train(quickConfig(t.TempDir()), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := quickConfig(dir)
	c.stopAfter = 1 // killed after the first epoch's checkpoint
	if _, err := train(c, io.Discard); err != nil {
		t.Fatal(err)
	}
	c.stopAfter = 0
	c.resume = c.save
	resumed, err := train(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want, got := full.Model.NamedParameters(), resumed.Model.NamedParameters()
	for i := range want {
		w, g := want[i].Tensor.Float32s(), got[i].Tensor.Float32s()
		for j := range w {
			if w[j] != g[j] {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", want[i].Name, j, g[j], w[j])
			}
		}
	}
}

// TestSameSeedSameRun checks that two runs with the same seed give bit-identical losses and
// weights, whatever the number of data-loading goroutines.
func TestSameSeedSameRun(t *testing.T) {
	c := quickConfig(t.TempDir())
	c.epochs = 1
	a, err := train(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c.workers = 0
	b, err := train(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Losses) != len(b.Losses) {
		t.Fatalf("%d vs %d steps", len(a.Losses), len(b.Losses))
	}
	for i := range a.Losses {
		if a.Losses[i] != b.Losses[i] {
			t.Fatalf("step %d: loss %v vs %v", i, a.Losses[i], b.Losses[i])
		}
	}
	pa, pb := a.Model.Parameters(), b.Model.Parameters()
	for i := range pa {
		x, y := pa[i].Float32s(), pb[i].Float32s()
		for j := range x {
			if x[j] != y[j] {
				t.Fatalf("parameter %d element %d differs", i, j)
			}
		}
	}
}

// TestJitTrainingMatchesEager trains the same run eagerly and with the compiled step: the
// losses and weights must be bit-identical, with SGD (compiled after its first step) and
// with Adam (capturable under -jit, so compiled from its second step on).
func TestJitTrainingMatchesEager(t *testing.T) {
	for _, o := range []string{"sgd", "adam"} {
		t.Run(o, func(t *testing.T) { jitMatchesEager(t, o) })
	}
}

func jitMatchesEager(t *testing.T, optimizer string) {
	c := quickConfig(t.TempDir())
	c.epochs, c.schedule, c.optimizer = 1, "none", optimizer
	a, err := train(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c.jit = true
	b, err := train(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s := b.JitStats; s.Hits == 0 || s.Hits < s.Calls-3 {
		t.Fatalf("the compiled step mostly ran eagerly: %+v", s)
	}
	if s := b.JitStats; s.Hits == 0 || s.Hits < s.Calls-3 {
		t.Fatalf("the compiled step mostly ran eagerly: %+v", s)
	}
	for i := range a.Losses {
		if a.Losses[i] != b.Losses[i] {
			t.Fatalf("step %d: eager loss %v, compiled %v", i, a.Losses[i], b.Losses[i])
		}
	}
	pa, pb := a.Model.Parameters(), b.Model.Parameters()
	for i := range pa {
		x, y := pa[i].Float32s(), pb[i].Float32s()
		for j := range x {
			if x[j] != y[j] {
				t.Fatalf("parameter %d element %d: eager %v, compiled %v", i, j, x[j], y[j])
			}
		}
	}
}
