package eager

import (
	"fmt"
	"math"
	"testing"
)

func TestSummary(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	w := FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	cases := []struct {
		name string
		x    *Tensor
		want string
	}{
		{"float32", FromSlice([]float32{1, 2, 3, 4}, 2, 2),
			"shape=[2 2] dtype=float32 min=1 max=4 mean=2.5 std=1.291 nan=0 inf=0"},
		{"nan and inf are counted, not averaged", FromSlice([]float64{nan, -1, inf, 3, nan}),
			"shape=[5] dtype=float64 min=-1 max=3 mean=1 std=2.828 nan=2 inf=1"},
		{"no finite values", FromSlice([]float32{float32(nan), float32(math.Inf(-1))}),
			"shape=[2] dtype=float32 no finite values nan=1 inf=1"},
		{"one element", Scalar(7),
			"shape=[] dtype=float32 min=7 max=7 mean=7 std=0 nan=0 inf=0"},
		{"int64", FromSlice([]int64{-5, 5}), "shape=[2] dtype=int64 min=-5 max=5 mean=0 std=7.071 nan=0 inf=0"},
		{"bool", FromSlice([]bool{true, false, true, true}), "shape=[4] dtype=bool min=0 max=1 mean=0.75 std=0.5 nan=0 inf=0"},
		{"empty", Zeros(0, 3), "shape=[0 3] dtype=float32 empty"},
		{"non-contiguous view", Arange(0, 6, 1).Reshape(2, 3).T(),
			"shape=[3 2] dtype=float32 min=0 max=5 mean=2.5 std=1.871 nan=0 inf=0"},
		{"large mean keeps precision", FromSlice([]float64{1e9 + 1, 1e9 + 2, 1e9 + 3}),
			"shape=[3] dtype=float64 min=1e+09 max=1e+09 mean=1e+09 std=1 nan=0 inf=0"},
		{"grad_fn", w.MulScalar(2), "shape=[2] dtype=float64 min=2 max=4 mean=3 std=1.414 nan=0 inf=0 grad_fn=MulBackward"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.x.Summary(); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestSummaryIsInvisible checks that Summary runs no op: the profiler and the jit tracer do
// not see logging.
func TestSummaryIsInvisible(t *testing.T) {
	x := Randn(3, 4).Transpose(0, 1)
	if seen := opsSeen(func() { _ = x.Summary() }); len(seen) != 0 {
		t.Fatalf("Summary ran ops %v", seen)
	}
}

func ExampleTensor_Summary() {
	x := FromSlice([]float32{0.5, -1, 2, float32(math.NaN())}, 2, 2)
	fmt.Println(x.Summary())
	// Output: shape=[2 2] dtype=float32 min=-1 max=2 mean=0.5 std=1.5 nan=1 inf=0
}
