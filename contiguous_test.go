package eager

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/eagerml/eager/internal/parallel"
)

// gatherRef is copyContiguous's definition: element by element, each read at the view's
// offset plus its index times its strides.
func gatherRef[T any](src []T, off int, shape, strides []int) []T {
	n := numel(shape)
	out := make([]T, n)
	idx := make([]int, len(shape))
	for o := 0; o < n; o++ {
		rem, pos := o, off
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d] = rem % shape[d]
			rem /= shape[d]
			pos += idx[d] * strides[d]
		}
		out[o] = src[pos]
	}
	return out
}

func checkGather[T comparable](t *testing.T, name string, x *Tensor, src []T, got []T) {
	t.Helper()
	want := gatherRef(src, x.offset, x.shape, x.strides())
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", name, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s (shape %v strides %v offset %d): element %d = %v, want %v", name, x.shape, x.strides(), x.offset, i, got[i], want[i])
		}
	}
}

// TestContiguousStridedViews copies views whose last dim is not stored with unit stride
// (transposes, permutations that move the last dim, with slices, expanded and size-1 dims),
// which take the transposing copy, and others, which do not, in every dtype, on one and two
// workers, and compares each element with the view's definition.
func TestContiguousStridedViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type view struct {
		name string
		make func(x *Tensor) *Tensor
	}
	views := func(a, b, c int) []view {
		return []view{
			{"T", func(x *Tensor) *Tensor { return x.Reshape(a*b, c).T() }},
			{"Permute(2,1,0)", func(x *Tensor) *Tensor { return x.Permute(2, 1, 0) }},
			{"Permute(0,2,1)", func(x *Tensor) *Tensor { return x.Permute(0, 2, 1) }},
			{"Permute(2,0,1)", func(x *Tensor) *Tensor { return x.Permute(2, 0, 1) }},
			{"Permute(1,2,0)", func(x *Tensor) *Tensor { return x.Permute(1, 2, 0) }},
			{"Permute(1,0,2)", func(x *Tensor) *Tensor { return x.Permute(1, 0, 2) }},
			{"sliced T", func(x *Tensor) *Tensor { return x.Narrow(0, a/3, a-a/3).Permute(0, 2, 1).Slice(1, 1, c, 2) }},
			{"unsqueezed expanded T", func(x *Tensor) *Tensor {
				return x.Narrow(0, 0, 1).Permute(0, 2, 1).Unsqueeze(1).Expand(1, 3, c, b)
			}},
			{"expanded last", func(x *Tensor) *Tensor {
				return x.Narrow(1, 0, 1).Permute(0, 2, 1).Expand(a, c, 5)
			}},
		}
	}
	shapes := [][3]int{{2, 3, 4}, {3, 9, 17}, {2, 64, 33}, {1, 128, 130}, {4, 40, 300}, {1, 512, 256}}
	for _, workers := range []int{1, 2} {
		prev := parallel.SetMaxWorkers(workers)
		for _, s := range shapes {
			a, b, c := s[0], s[1], s[2]
			n := a * b * c
			f32 := make([]float32, n)
			f64 := make([]float64, n)
			i64 := make([]int64, n)
			bl := make([]bool, n)
			for i := range f32 {
				f32[i] = rng.Float32()
				f64[i] = rng.Float64()
				i64[i] = rng.Int64()
				bl[i] = rng.IntN(2) == 0
			}
			for _, v := range views(a, b, c) {
				name := fmt.Sprintf("%s of %v, %d workers", v.name, s, workers)
				x := v.make(FromSlice(f32, a, b, c))
				checkGather(t, name+" float32", x, x.st.f32(), x.Contiguous().f32())
				x = v.make(FromSlice(f64, a, b, c))
				checkGather(t, name+" float64", x, x.st.f64(), x.Contiguous().f64())
				x = v.make(FromSlice(i64, a, b, c))
				checkGather(t, name+" int64", x, x.st.i64(), x.Contiguous().i64())
				x = v.make(FromSlice(bl, a, b, c))
				checkGather(t, name+" bool", x, x.st.b(), x.Contiguous().bools())
			}
		}
		parallel.SetMaxWorkers(prev)
	}
}
