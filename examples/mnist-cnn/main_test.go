package main

import (
	"io"
	"math"
	"testing"

	"github.com/eagerml/eager/data"
)

// smallMNIST returns the first n images of MNIST's test set (the smaller file, quick to
// load), to stand in for both sets in a smoke test.
func smallMNIST(t *testing.T, n int) data.Dataset {
	t.Helper()
	dir, err := data.MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.LoadMNIST(dir, false, data.Normalize(data.MNISTMean, data.MNISTStd))
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return data.NewSubset(test, idx)
}

// TestRunSmoke trains for a few steps that span two epochs (12 images, batch 4) and checks
// that the run is reproducible.
func TestRunSmoke(t *testing.T) {
	ds := smallMNIST(t, 12)
	c := config{epochs: 3, steps: 4, batch: 4, lr: 1e-3, seed: 1, workers: 1, evalLimit: 12}
	res, err := run(c, ds, ds, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.steps != c.steps || len(res.losses) != 2 {
		t.Fatalf("ran %d steps in %d epochs, want %d in 2", res.steps, len(res.losses), c.steps)
	}
	for _, l := range res.losses {
		if math.IsNaN(l) || l <= 0 {
			t.Fatalf("training loss %v", l)
		}
	}
	if !(res.accuracy >= 0 && res.accuracy <= 1) {
		t.Fatalf("accuracy %v", res.accuracy)
	}
	again, err := run(c, ds, ds, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if again.losses[1] != res.losses[1] || again.accuracy != res.accuracy {
		t.Fatalf("same seed, different runs: loss %v, accuracy %v, then %v, %v", res.losses, res.accuracy, again.losses, again.accuracy)
	}
}
