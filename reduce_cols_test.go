package eager

import (
	"fmt"
	"math"
	"testing"
)

// TestSumMiddleBitIdentical checks that sums over a leading or middle block of dims (taken
// in place by sumCols) equal, bit for bit, the sums of the same values copied into
// reduced-dims-last rows and summed by kernels.Sum.
func TestSumMiddleBitIdentical(t *testing.T) {
	ManualSeed(3)
	for _, dt := range []DType{Float32, Float64} {
		for _, c := range []struct {
			shape []int
			dims  []int
		}{
			{[]int{1, 2}, []int{0}},
			{[]int{15, 3}, []int{0}},
			{[]int{16, 65}, []int{0}},
			{[]int{17, 64}, []int{0}},
			{[]int{33, 130}, []int{0}},
			{[]int{4, 9, 7}, []int{0, 1}},
			{[]int{3, 40, 5}, []int{1}},
			{[]int{2, 3, 19, 2, 67}, []int{1, 2}},
			{[]int{0, 5}, []int{0}},
			{[]int{5, 0, 3}, []int{1}},
			{[]int{1<<16 + 1000, 3}, []int{0}},     // longer than kernels.SumChunk: summed in chunks
			{[]int{2, 1 << 16, 2}, []int{1}},       // exactly one chunk
			{[]int{2, 3, 1<<16 + 17, 2}, []int{2}}, // a short last chunk with a tail
		} {
			t.Run(fmt.Sprintf("%v/%v/%v", dt, c.shape, c.dims), func(t *testing.T) {
				x := RandnOf(dt, c.shape...).MulScalar(1e3)
				got := x.SumKeepDim(c.dims...).Float64s()
				r, perm := planShape("Sum", x, c.dims)
				rows := x.Permute(perm...).Contiguous()
				red := make([]int, 0, len(c.dims))
				for i := len(c.shape) - len(c.dims); i < len(c.shape); i++ {
					red = append(red, i)
				}
				want := rows.Sum(red...).Float64s()
				if len(got) != r.outer || len(want) != r.outer {
					t.Fatalf("got %d values, want %d", len(got), r.outer)
				}
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}
