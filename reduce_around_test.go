package eager

import (
	"fmt"
	"math"
	"testing"
)

// TestSumAroundMiddle checks sums over dims on both sides of a kept block (the conv bias
// gradient's Sum(0, 2, 3)), taken in place by sumAroundMiddle: against a float64 sum of
// the same values in any order (the float64 partial sums leave at most one rounding), and
// bit for bit across thread counts.
func TestSumAroundMiddle(t *testing.T) {
	ManualSeed(4)
	for _, dt := range []DType{Float32, Float64} {
		for _, c := range []struct {
			shape []int
			dims  []int
			taken bool // whether sumAroundMiddle takes the layout
		}{
			{[]int{64, 32, 28, 28}, []int{0, 2, 3}, true},
			{[]int{3, 5, 16}, []int{0, 2}, true},
			{[]int{2, 3, 4, 17}, []int{0, 3}, true},      // kept block of two dims
			{[]int{2, 3, 4, 17}, []int{0, 1, 3}, true},   // reduced prefix of two dims
			{[]int{7, 1, 100}, []int{0, 2}, true},        // one output
			{[]int{2, 4, 15}, []int{0, 2}, false},        // rows too short: the copying path
			{[]int{2, 4, 4, 4}, []int{0, 2, 3}, true},    // inner 16
			{[]int{2, 3, 1<<16 + 1}, []int{0, 2}, false}, // rows longer than a chunk
			{[]int{0, 3, 20}, []int{0, 2}, true},         // nothing to add: zeros
			{[]int{3, 0, 20}, []int{0, 2}, false},        // no outputs: the copying path
		} {
			t.Run(fmt.Sprintf("%v/%v/%v", dt, c.shape, c.dims), func(t *testing.T) {
				x := RandnOf(dt, c.shape...).MulScalar(1e3)
				r, _ := planShape("Sum", x, c.dims)
				probe := newTensor(dt, r.keep)
				if took := sumAroundMiddle(x, r, probe); took != c.taken {
					t.Fatalf("sumAroundMiddle took the layout: %v, want %v", took, c.taken)
				}
				got := x.SumKeepDim(c.dims...).Float64s()
				want := sumAroundReference(x.Float64s(), c.shape, c.dims)
				if len(got) != len(want) {
					t.Fatalf("got %d values, want %d", len(got), len(want))
				}
				tol := 1e-12
				if dt == Float32 {
					tol = 1e-6
				}
				for i := range got {
					if d := math.Abs(got[i] - want[i]); d > tol*math.Max(1, math.Abs(want[i]))*10 {
						t.Fatalf("element %d: %v, want %v", i, got[i], want[i])
					}
				}
				prev := SetNumThreads(1)
				one := x.SumKeepDim(c.dims...).Float64s()
				SetNumThreads(prev)
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(one[i]) {
						t.Fatalf("element %d: %v with all threads, %v with one", i, got[i], one[i])
					}
				}
			})
		}
	}
}

// sumAroundReference sums the row-major values v of shape over dims, in float64, one
// output per combination of the kept dims, in row-major order of those.
func sumAroundReference(v []float64, shape, dims []int) []float64 {
	reduced := make([]bool, len(shape))
	for _, d := range dims {
		reduced[d] = true
	}
	n := 1
	for i, s := range shape {
		if !reduced[i] {
			n *= s
		}
	}
	out := make([]float64, n)
	idx := make([]int, len(shape))
	for _, x := range v {
		k := 0
		for i, s := range shape {
			if !reduced[i] {
				k = k*s + idx[i]
			}
		}
		out[k] += x
		for i := len(shape) - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out
}

// BenchmarkSumAroundMiddle times the conv bias gradient's Sum(0, 2, 3) in place
// (sumAroundMiddle) against the copying path it replaced (a gathered permuted copy summed
// row by row), on MNIST CNN and LeNet shapes:
//
//	go test -run XXX -bench SumAroundMiddle .
func BenchmarkSumAroundMiddle(b *testing.B) {
	for _, shape := range [][]int{{64, 32, 28, 28}, {64, 6, 28, 28}, {64, 16, 10, 10}} {
		x := Randn(shape...)
		r, perm := planShape("Sum", x, []int{0, 2, 3})
		out := newTensor(Float32, r.keep)
		b.Run(fmt.Sprintf("%v/in-place", shape), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sumAroundMiddle(x, r, out)
			}
		})
		b.Run(fmt.Sprintf("%v/gathered-copy", shape), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sumRowsPermuted[float32](x, perm, r, out)
			}
		})
	}
}
