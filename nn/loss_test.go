package nn

import (
	"testing"

	"github.com/eagerml/eager"
)

func lossOpts(a map[string]any, xs []*eager.Tensor) []LossOption {
	var opts []LossOption
	switch a["reduction"] {
	case "sum":
		opts = append(opts, Reduce(Sum))
	case "none":
		opts = append(opts, Reduce(None))
	case "batchmean":
		opts = append(opts, Reduce(BatchMean))
	}
	if v, ok := a["smoothing"].(float64); ok {
		opts = append(opts, LabelSmoothing(v))
	}
	if a["weight"] == true {
		opts = append(opts, ClassWeights(xs[len(xs)-1]))
	}
	if a["pos_weight"] == true {
		opts = append(opts, PosWeight(xs[len(xs)-1]))
	}
	if v, ok := a["beta"].(float64); ok {
		opts = append(opts, Beta(v))
	}
	if v, ok := a["delta"].(float64); ok {
		opts = append(opts, Delta(v))
	}
	if v, ok := a["margin"].(float64); ok {
		opts = append(opts, Margin(v))
	}
	if a["log_target"] == true {
		opts = append(opts, LogTarget())
	}
	return opts
}

func TestLossesAgainstPyTorch(t *testing.T) {
	for _, c := range loadCases(t, "testdata/losses.json") {
		t.Run(c.Name, func(t *testing.T) {
			runCase(t, c, func(xs []*eager.Tensor) *eager.Tensor {
				o := lossOpts(c.Attrs, xs)
				switch c.Op {
				case "CrossEntropy":
					return CrossEntropy(xs[0], xs[1], o...)
				case "NLL":
					return NLL(xs[0], xs[1], o...)
				case "MSE":
					return MSE(xs[0], xs[1], o...)
				case "L1":
					return L1(xs[0], xs[1], o...)
				case "SmoothL1":
					return SmoothL1(xs[0], xs[1], o...)
				case "Huber":
					return Huber(xs[0], xs[1], o...)
				case "BCE":
					return BCE(xs[0], xs[1], o...)
				case "BCEWithLogits":
					return BCEWithLogits(xs[0], xs[1], o...)
				case "KLDiv":
					return KLDiv(xs[0], xs[1], o...)
				case "CosineEmbedding":
					return CosineEmbedding(xs[0], xs[1], xs[2], o...)
				case "TripletMargin":
					return TripletMargin(xs[0], xs[1], xs[2], o...)
				}
				t.Fatalf("unknown loss %q", c.Op)
				return nil
			})
		})
	}
}

func TestLossErrors(t *testing.T) {
	logits := eager.Zeros(3, 4)
	cases := []struct {
		name string
		fn   func()
	}{
		{"target out of range", func() { CrossEntropy(logits, eager.FromSlice([]int64{0, 4, 1})) }},
		{"target shape", func() { CrossEntropy(logits, eager.FromSlice([]int64{0, 1})) }},
		{"mse shape", func() { MSE(eager.Zeros(2), eager.Zeros(3)) }},
	}
	for _, c := range cases {
		err := eager.Try(c.fn)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if e := err.(*eager.Error); e.Where == "" || e.Where[:len("loss_test.go")] != "loss_test.go" {
			t.Errorf("%s: error %q does not name the test file", c.name, err)
		}
	}
}
