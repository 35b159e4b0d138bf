package kernels

import (
	"math/rand/v2"
	"testing"
)

// transposeLoop is Transpose's defining loop.
func transposeLoop[T any](dst []T, ldd int, src []T, lds int, rows, cols int) {
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			dst[i*ldd+j] = src[j*lds+i]
		}
	}
}

type transposeCase struct{ rows, cols, ldd, lds, off int }

func transposeCases(rng *rand.Rand) []transposeCase {
	var cs []transposeCase
	sizes := []int{0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 64, 127, 128, 129, 200, 257}
	for _, r := range sizes {
		for _, c := range sizes {
			if r*c > 20000 {
				continue
			}
			cs = append(cs, transposeCase{r, c, c + rng.IntN(3), r + rng.IntN(3), rng.IntN(5)})
		}
	}
	return append(cs, transposeCase{300, 700, 700, 300, 1}, transposeCase{1024, 96, 96, 1024, 0})
}

func TestTransposeMatchesLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range transposeCases(rng) {
		srcLen := tc.off + max(0, (tc.cols-1)*tc.lds+tc.rows)
		dstLen := tc.off + max(0, (tc.rows-1)*tc.ldd+tc.cols)
		f32 := make([]float32, srcLen)
		i64 := make([]int64, srcLen)
		b := make([]bool, srcLen)
		for i := range f32 {
			f32[i] = rng.Float32() - 0.5
			i64[i] = rng.Int64()
			b[i] = rng.IntN(2) == 0
		}
		checkTranspose(t, tc, f32, dstLen)
		checkTranspose(t, tc, i64, dstLen)
		checkTranspose(t, tc, b, dstLen)
	}
}

// checkTranspose compares Transpose, TransposeParallel and the pure-Go loop transposeGo (the
// twin of the AVX2 path) with the defining loop, including that nothing outside the matrix
// in dst is written.
func checkTranspose[T comparable](t *testing.T, tc transposeCase, src []T, dstLen int) {
	t.Helper()
	want := make([]T, dstLen)
	transposeLoop(want[tc.off:], tc.ldd, src[tc.off:], tc.lds, tc.rows, tc.cols)
	for name, fn := range map[string]func(dst []T){
		"Transpose":         func(dst []T) { Transpose(dst[tc.off:], tc.ldd, src[tc.off:], tc.lds, tc.rows, tc.cols) },
		"TransposeParallel": func(dst []T) { TransposeParallel(dst[tc.off:], tc.ldd, src[tc.off:], tc.lds, tc.rows, tc.cols) },
		"transposeGo":       func(dst []T) { transposeGo(dst[tc.off:], tc.ldd, src[tc.off:], tc.lds, 0, tc.rows, 0, tc.cols) },
	} {
		got := make([]T, dstLen)
		fn(got)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s %T %+v: dst[%d] = %v, want %v", name, src, tc, i, got[i], want[i])
			}
		}
	}
}
