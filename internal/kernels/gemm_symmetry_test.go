package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmTransposeSymmetry checks a property jit relies on (its FuseGemm pass computes
// (A·B)ᵀ as Bᵀ·Aᵀ): Gemm computes every element of C by the same sequence of operations
// whichever operand comes first, so Cᵀ from the swapped product has C's bits, for every
// path (tiny, matrix-vector, blocked, parallel) and every transposition.
func TestGemmTransposeSymmetry(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkGemmSymmetry[float32](t) })
	t.Run("float64", func(t *testing.T) { checkGemmSymmetry[float64](t) })
}

func checkGemmSymmetry[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	shapes := [][3]int{{784, 256, 64}, {256, 128, 64}, {128, 10, 64}, {10, 128, 64}, {3, 5, 7}, {64, 512, 512},
		{1, 7, 9}, {7, 1, 9}, {1, 300, 200}, {33, 17, 300}, {2, 2, 2}, {100, 3, 1000}, {513, 257, 129}}
	for i := 0; i < 20; i++ {
		shapes = append(shapes, [3]int{1 + r.IntN(300), 1 + r.IntN(300), 1 + r.IntN(300)})
	}
	bits := func(v T) uint64 { return math.Float64bits(float64(v)) }
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a, b := make([]T, m*k), make([]T, k*n)
				for i := range a {
					a[i] = T(r.NormFloat64())
				}
				for i := range b {
					b[i] = T(r.NormFloat64())
				}
				lda, ldb := k, n
				if ta {
					lda = m
				}
				if tb {
					ldb = k
				}
				c, ct := make([]T, m*n), make([]T, n*m)
				Gemm(ta, tb, m, n, k, a, lda, b, ldb, c, n, false)
				Gemm(!tb, !ta, n, m, k, b, ldb, a, lda, ct, m, false) // Bᵀ·Aᵀ
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						if bits(c[i*n+j]) != bits(ct[j*m+i]) {
							t.Fatalf("m=%d n=%d k=%d ta=%v tb=%v: C[%d,%d] = %v, (BᵀAᵀ)[%d,%d] = %v", m, n, k, ta, tb, i, j, c[i*n+j], j, i, ct[j*m+i])
						}
					}
				}
			}
		}
	}
}
