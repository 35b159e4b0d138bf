package data

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

// rangeDataset is a TensorDataset of n samples: X[i] = [i, -i] (float32), Y[i] = i (int64).
func rangeDataset(n int) *TensorDataset {
	x := make([]float32, 2*n)
	y := make([]int64, n)
	for i := range n {
		x[2*i], x[2*i+1] = float32(i), float32(-i)
		y[i] = int64(i)
	}
	return NewTensorDataset(eager.FromSlice(x, n, 2), eager.FromSlice(y))
}

func TestTensorDataset(t *testing.T) {
	ds := rangeDataset(5)
	if ds.Len() != 5 {
		t.Fatalf("Len = %d, want 5", ds.Len())
	}
	s, err := ds.Get(3)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.X.Float32s(); !slices.Equal(got, []float32{3, -3}) || !slices.Equal(s.X.Shape(), []int{2}) {
		t.Errorf("X = %v of shape %v, want [3 -3] of shape [2]", got, s.X.Shape())
	}
	if s.Y.Dim() != 0 || s.Y.DType() != eager.Int64 || s.Y.Item() != 3 {
		t.Errorf("Y = %v (%v, %d-D), want 0-d int64 3", s.Y.Item(), s.Y.DType(), s.Y.Dim())
	}
	unlabelled := NewTensorDataset(eager.Zeros(4, 3), nil)
	if s, _ := unlabelled.Get(0); s.Y != nil || !slices.Equal(s.X.Shape(), []int{3}) {
		t.Errorf("unlabelled sample = %v, Y %v", s.X.Shape(), s.Y)
	}
}

func TestSubset(t *testing.T) {
	sub := NewSubset(rangeDataset(10), []int{7, 2, 9})
	if sub.Len() != 3 {
		t.Fatalf("Len = %d", sub.Len())
	}
	s, _ := sub.Get(1)
	if s.Y.Item() != 2 {
		t.Errorf("Get(1).Y = %v, want 2", s.Y.Item())
	}
	b, err := sub.GetBatch([]int{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Y.Int64s(); !slices.Equal(got, []int64{9, 7}) {
		t.Errorf("GetBatch labels = %v, want [9 7]", got)
	}
}

func TestRandomSplit(t *testing.T) {
	ds := rangeDataset(100)
	parts := RandomSplit(ds, []int{70, 20, 10}, 42)
	var all []int
	for k, want := range []int{70, 20, 10} {
		if parts[k].Len() != want {
			t.Errorf("part %d has %d samples, want %d", k, parts[k].Len(), want)
		}
		all = append(all, parts[k].Indices...)
	}
	slices.Sort(all)
	for i, v := range all {
		if v != i {
			t.Fatalf("the parts do not partition the dataset: sorted indices %v", all)
		}
	}
	again := RandomSplit(ds, []int{70, 20, 10}, 42)
	if !slices.Equal(again[1].Indices, parts[1].Indices) {
		t.Error("the same seed gave a different split")
	}
	other := RandomSplit(ds, []int{70, 20, 10}, 43)
	if slices.Equal(other[0].Indices, parts[0].Indices) {
		t.Error("another seed gave the same split")
	}
}

func TestRandomSplitFractions(t *testing.T) {
	for _, tc := range []struct {
		n         int
		fractions []float64
		want      []int
	}{
		{10, []float64{0.5, 0.3, 0.2}, []int{5, 3, 2}},
		{11, []float64{0.5, 0.5}, []int{6, 5}},
		{10, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, []int{4, 3, 3}},
		{5, []float64{0.1, 0.1, 0.8}, []int{1, 0, 4}}, // floors 0, 0, 4; one left over
	} {
		parts := RandomSplitFractions(rangeDataset(tc.n), tc.fractions, 0)
		var got []int
		for _, p := range parts {
			got = append(got, p.Len())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("n=%d fractions %v: lengths %v, want %v", tc.n, tc.fractions, got, tc.want)
		}
	}
}

// TestDatasetPanics checks that misuse panics with an *eager.Error naming the op and this
// file's line.
func TestDatasetPanics(t *testing.T) {
	ds := rangeDataset(4)
	for _, tc := range []struct {
		name, op, msg string
		fn            func()
	}{
		{"index", "TensorDataset.Get", "index 4 out of range", func() { ds.Get(4) }},
		{"mismatch", "NewTensorDataset", "same first dim", func() { NewTensorDataset(eager.Zeros(3, 2), eager.Zeros(4)) }},
		{"scalar", "NewTensorDataset", "at least one dim", func() { NewTensorDataset(eager.Scalar(1), nil) }},
		{"subset", "NewSubset", "index -1 out of range", func() { NewSubset(ds, []int{0, -1}) }},
		{"split sum", "RandomSplit", "add up to 5", func() { RandomSplit(ds, []int{2, 3}, 0) }},
		{"split negative", "RandomSplit", "negative length", func() { RandomSplit(ds, []int{5, -1}, 0) }},
		{"fractions", "RandomSplitFractions", "want 1", func() { RandomSplitFractions(ds, []float64{0.5, 0.6}, 0) }},
		{"batch size", "NewDataLoader", "must not be negative", func() { NewDataLoader(ds, Options{BatchSize: -1}) }},
		{"window", "CharCorpus.Windows", "must be positive", func() { mustCorpus(t, "ab").Windows(0) }},
		{"read idx dtype", "ReadIDX", "not supported", func() { ReadIDX(strings.NewReader(""), eager.Bool) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := eager.Try(tc.fn)
			var e *eager.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a panic with *eager.Error", err)
			}
			if e.Op != tc.op || !strings.Contains(e.Msg, tc.msg) || !strings.HasPrefix(e.Where, "dataset_test.go:") {
				t.Errorf("got Op %q Msg %q Where %q; want Op %q, Msg containing %q, Where in dataset_test.go", e.Op, e.Msg, e.Where, tc.op, tc.msg)
			}
		})
	}
}

func mustCorpus(t testing.TB, text string) *CharCorpus {
	t.Helper()
	c, err := NewCharCorpus(text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
