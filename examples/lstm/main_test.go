package main

import (
	"io"
	"math"
	"slices"
	"testing"

	"github.com/eagerml/eager"
)

func smokeConfig() config {
	return config{steps: 3, batch: 4, maxLen: 6, startLen: 3, embed: 4, hidden: 8, lr: 1e-2, seed: 1, every: 1, testSize: 8}
}

func TestRunSmoke(t *testing.T) {
	c := smokeConfig()
	res, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.testAccuracy) != c.steps {
		t.Fatalf("%d reports, want %d", len(res.testAccuracy), c.steps)
	}
	for _, a := range res.testAccuracy {
		if !(a >= 0 && a <= 1) {
			t.Fatalf("test accuracy %v", a)
		}
	}
	again, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.testAccuracy, again.testAccuracy) {
		t.Fatalf("same seed, different runs: %v, then %v", res.testAccuracy, again.testAccuracy)
	}
	c.startLen = 7
	if _, err := run(c, io.Discard); err == nil {
		t.Fatal("no error for -startlen > -maxlen")
	}
}

func TestLabels(t *testing.T) {
	b := newBatch(eager.NewGenerator(3), 16, 9)
	digits, labels := b.digits.Int64s(), b.labels.Int64s()
	T := b.digits.Size(1)
	if T != slices.Max(b.lengths) {
		t.Fatalf("padded to %d, longest sequence %d", T, slices.Max(b.lengths))
	}
	for i, l := range b.lengths {
		sum := int64(0)
		for j, d := range digits[i*T : (i+1)*T] {
			if j >= l && d != 0 {
				t.Fatalf("sequence %d of length %d: padding %v", i, l, digits[i*T:(i+1)*T])
			}
			sum += d
		}
		if labels[i] != sum%2 {
			t.Fatalf("sequence %v: label %d", digits[i*T:(i+1)*T], labels[i])
		}
	}
}

// TestPaddingIgnored checks that a sequence's logits do not depend on what follows its
// length: the batch it is padded in, or the values of the padding.
func TestPaddingIgnored(t *testing.T) {
	eager.ManualSeed(2)
	m := NewClassifier(4, 8)
	alone := m.Classify(eager.FromSlice([]int64{3, 8, 5}, 1, 3), []int{3}).Float32s()
	padded := m.Classify(eager.FromSlice([]int64{
		3, 8, 5, 9, 9, 9,
		1, 2, 3, 4, 5, 6,
	}, 2, 6), []int{3, 6}).Float32s()
	for j := range alone {
		if math.Abs(float64(alone[j]-padded[j])) > 1e-6 {
			t.Fatalf("logits %v alone, %v when padded", alone, padded[:2])
		}
	}
}
