package eager

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
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

const sumColsRefBlock = 64

// sumColsRef is sumCols as it was written before kernels.SumCols, scalar float64 loops over
// 16 lanes of accumulators: the reference the kernel must match bit for bit.
func sumColsRef[T float32 | float64](dst, src []T, outer, red, inner int) {
	blocks := (inner + sumColsRefBlock - 1) / sumColsRefBlock
	grain := max(1, (1<<16)/max(red*sumColsRefBlock, 1))
	parallel.For(outer*blocks, grain, func(lo, hi int) {
		var acc [16][sumColsRefBlock]float64
		var tail, total [sumColsRefBlock]float64
		for t := lo; t < hi; t++ {
			o, j0 := t/blocks, t%blocks*sumColsRefBlock
			w := min(sumColsRefBlock, inner-j0)
			base := o*red*inner + j0
			tot := total[:w]
			// Rows in chunks of kernels.SumChunk, each summed in lanes and combined, the
			// chunk totals added in order: kernels.Sum's order for a long row.
			for c0 := 0; c0 < red; c0 += kernels.SumChunk {
				n := min(kernels.SumChunk, red-c0)
				for l := range acc {
					clear(acc[l][:w])
				}
				clear(tail[:w])
				full := n - n%16
				for p := 0; p < full; p++ {
					a := acc[p&15][:w]
					row := src[base+(c0+p)*inner : base+(c0+p)*inner+w]
					for j, v := range row {
						a[j] += float64(v)
					}
				}
				tl := tail[:w]
				for p := full; p < n; p++ {
					row := src[base+(c0+p)*inner : base+(c0+p)*inner+w]
					for j, v := range row {
						tl[j] += float64(v)
					}
				}
				for j := range tot {
					var v [4]float64
					for l := range v {
						v[l] = (acc[l][j] + acc[l+8][j]) + (acc[l+4][j] + acc[l+12][j])
					}
					s := ((v[0] + v[2]) + (v[1] + v[3])) + tl[j]
					if c0 == 0 {
						tot[j] = s
					} else {
						tot[j] += s
					}
				}
			}
			d := dst[o*inner+j0 : o*inner+j0+w]
			for j := range d {
				d[j] = T(tot[j])
			}
		}
	})
}

// TestSumColsMatchesScalar checks sumCols (kernels.SumCols) against the scalar loops it
// replaced, bit for bit, over random shapes: empty, one, odd and unaligned widths, and
// reductions that cross kernels.SumChunk.
func TestSumColsMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	type shape struct{ outer, red, inner int }
	shapes := []shape{{1, 1, 1}, {1, 1, 2}, {2, 3, 1}, {1, 2048, 128}, {1, 2048, 65}, {3, 17, 130}, {1, 32, 8192},
		{2, kernels.SumChunk + 3, 3}, {1, 2*kernels.SumChunk + 17, 9}, {1, kernels.SumChunk, 5}}
	for range 60 {
		shapes = append(shapes, shape{1 + r.IntN(3), 1 + r.IntN(70), r.IntN(200)})
	}
	for _, s := range shapes {
		n := s.outer * s.red * s.inner
		x32, x64 := make([]float32, n), make([]float64, n)
		for i := range x32 {
			x32[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(10)-3)))
			x64[i] = float64(x32[i]) * (1 + 1e-9*r.Float64())
		}
		got32, want32 := make([]float32, s.outer*s.inner), make([]float32, s.outer*s.inner)
		sumCols(got32, x32, s.outer, s.red, s.inner)
		sumColsRef(want32, x32, s.outer, s.red, s.inner)
		got64, want64 := make([]float64, s.outer*s.inner), make([]float64, s.outer*s.inner)
		sumCols(got64, x64, s.outer, s.red, s.inner)
		sumColsRef(want64, x64, s.outer, s.red, s.inner)
		for i := range got32 {
			if math.Float32bits(got32[i]) != math.Float32bits(want32[i]) || math.Float64bits(got64[i]) != math.Float64bits(want64[i]) {
				t.Fatalf("%+v element %d: %v %v, want %v %v", s, i, got32[i], got64[i], want32[i], want64[i])
			}
		}
	}
}

func BenchmarkSumCols(b *testing.B) {
	for _, s := range []struct{ red, inner int }{{2048, 128}, {2048, 512}, {32, 8192}} {
		x := make([]float32, s.red*s.inner)
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		dst := make([]float32, s.inner)
		b.Run(fmt.Sprintf("%dx%d/new", s.red, s.inner), func(b *testing.B) {
			for b.Loop() {
				sumCols(dst, x, 1, s.red, s.inner)
			}
		})
		b.Run(fmt.Sprintf("%dx%d/old", s.red, s.inner), func(b *testing.B) {
			for b.Loop() {
				sumColsRef(dst, x, 1, s.red, s.inner)
			}
		})
	}
}
