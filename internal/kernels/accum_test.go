package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// sumColsRef is SumCols's definition: each column copied into a row and summed in Sum's order
// (sumGo on each SumChunk rows, the chunk totals added in order).
func sumColsRef[T Float](dst []float64, src []T, stride, rows int) {
	col := make([]T, rows)
	for j := range dst {
		for p := range col {
			col[p] = src[p*stride+j]
		}
		if rows == 0 {
			dst[j] = 0
			continue
		}
		t := sumGo(col[:min(rows, SumChunk)])
		for c0 := SumChunk; c0 < rows; c0 += SumChunk {
			t += sumGo(col[c0:min(rows, c0+SumChunk)])
		}
		dst[j] = t
	}
}

// sumColsInput returns rows of stride values whose first w are random with a wide range of
// magnitudes (so that the order of the adds shows in the bits) and whose others are NaN.
func sumColsInput(r *rand.Rand, rows, stride, w int) []float32 {
	src := make([]float32, max(0, (rows-1)*stride+w))
	for i := range src {
		if i%stride >= w {
			src[i] = float32(math.NaN())
			continue
		}
		v := float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(12)-4)))
		switch r.IntN(50) {
		case 0:
			v = float32(math.Copysign(0, -1))
		case 1:
			v = 1e30
		}
		src[i] = v
	}
	return src
}

func TestSumColsBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	type shape struct{ rows, w, pad int }
	var shapes []shape
	for _, rows := range []int{1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 79, 100, 129, 1000} {
		for _, w := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 63, 64, 65, 100, 130} {
			for _, pad := range []int{0, 3} {
				shapes = append(shapes, shape{rows, w, pad})
			}
		}
	}
	// Wider than a block of the row-major kernel, and rows a multiple of 1 KiB apart (which
	// SumCols reads whole on AVX2 from 256 rows on).
	for _, rows := range []int{1, 17, 100, 255, 256, 300} {
		shapes = append(shapes, shape{rows, 1030, 0}, shape{rows, 1024, 512}, shape{rows, 100, 156}, shape{rows, 258, 254})
	}
	for _, rows := range []int{SumChunk - 1, SumChunk, SumChunk + 1, SumChunk + 16, 2*SumChunk + 17} {
		shapes = append(shapes, shape{rows, 9, 2}, shape{rows, 4, 0})
	}
	variants := sumColsVariants()
	for _, s := range shapes {
		stride := s.w + s.pad
		if stride == 0 {
			stride = 1
		}
		src := sumColsInput(r, s.rows, stride, s.w)
		want := make([]float64, s.w)
		sumColsRef(want, src, stride, s.rows)
		check := func(name string, got []float64) {
			t.Helper()
			for j := range want {
				if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
					t.Fatalf("%s rows %d width %d stride %d: column %d = %v, want %v", name, s.rows, s.w, stride, j, got[j], want[j])
				}
			}
			for j := s.w; j < len(got); j++ {
				if got[j] != -7 {
					t.Fatalf("%s rows %d width %d: wrote past the end (index %d)", name, s.rows, s.w, j)
				}
			}
		}
		guarded := func() []float64 {
			g := make([]float64, s.w+9)
			for j := range g {
				g[j] = -7
			}
			return g
		}
		got := guarded()
		SumCols(got[:s.w], src, stride, s.rows)
		check("SumCols", got)
		if s.rows <= SumChunk && s.w > 0 {
			for name, f := range variants {
				got := guarded()
				f(got[:s.w], src, stride, s.rows)
				check(name, got)
			}
		}
		src64 := make([]float64, len(src))
		for i, v := range src {
			src64[i] = float64(v) * 1.0000001
		}
		sumColsRef(want, src64, stride, s.rows)
		got = guarded()
		SumCols(got[:s.w], src64, stride, s.rows)
		check("SumCols float64", got)
	}
}

func TestSumColsEmptyAndShort(t *testing.T) {
	dst := []float64{5, 5}
	SumCols(dst, []float32{}, 2, 0)
	if dst[0] != 0 || dst[1] != 0 {
		t.Fatalf("no rows: %v, want zeros", dst)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short source")
		}
	}()
	SumCols(dst, make([]float32, 4), 3, 2)
}

func BenchmarkSumCols(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range []struct{ rows, w int }{{64, 256}, {256, 512}, {2048, 128}, {2048, 384}, {2048, 512}, {32, 8192}} {
		src := sumColsInput(r, s.rows, s.w, s.w)
		dst := make([]float64, s.w)
		for name, f := range sumColsVariants() {
			b.Run(fmt.Sprintf("%dx%d/%s", s.rows, s.w, name), func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				for b.Loop() {
					f(dst, src, s.w, s.rows)
				}
			})
		}
	}
}
