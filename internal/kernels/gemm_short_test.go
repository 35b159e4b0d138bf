package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmSerialShortSameBits checks that GemmSerialShort (the 8-row tile where there is one)
// gives GemmSerial's bits for every path and transposition, with and without accumulation,
// with padded row strides, row counts around multiples of 8 and 12, and depths across kc
// blocks; and that it leaves C's row padding alone.
func TestGemmSerialShortSameBits(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkGemmShort[float32](t) })
	t.Run("float64", func(t *testing.T) { checkGemmShort[float64](t) })
}

func checkGemmShort[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(8, 12))
	shapes := [][3]int{{6, 896, 26}, {8, 896, 26}, {16, 160, 151}, {24, 160, 151}, {8, 32, 896}, {16, 160, 140},
		{1, 7, 9}, {7, 1, 9}, {2, 2, 2}, {5, 33, 257}, {9, 64, 513}, {12, 40, 3}, {13, 100, 700}, {0, 5, 5}, {5, 0, 5}, {4, 5, 0}}
	for m := 1; m <= 26; m++ {
		shapes = append(shapes, [3]int{m, 1 + r.IntN(200), 1 + r.IntN(600)})
	}
	for i := 0; i < 15; i++ {
		shapes = append(shapes, [3]int{1 + r.IntN(130), 1 + r.IntN(300), 1 + r.IntN(300)})
	}
	bits := func(v T) uint64 { return math.Float64bits(float64(v)) }
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, acc := range []bool{false, true} {
					pad := r.IntN(3)
					lda, ldb, ldc := k+pad, n+pad, n+r.IntN(3)
					if ta {
						lda = m + pad
					}
					if tb {
						ldb = k + pad
					}
					a, b := make([]T, max(m, k)*lda+1), make([]T, max(k, n)*ldb+1)
					for i := range a {
						a[i] = T(r.NormFloat64())
					}
					for i := range b {
						b[i] = T(r.NormFloat64())
					}
					c0 := make([]T, m*ldc+3)
					for i := range c0 {
						c0[i] = T(r.NormFloat64())
					}
					c, cs := append([]T(nil), c0...), append([]T(nil), c0...)
					GemmSerial(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc)
					GemmSerialShort(ta, tb, m, n, k, a, lda, b, ldb, cs, ldc, acc)
					for i := range c {
						if bits(c[i]) != bits(cs[i]) {
							t.Fatalf("m=%d n=%d k=%d ta=%v tb=%v acc=%v ld=%d/%d/%d: element %d: GemmSerial %v, GemmSerialShort %v",
								m, n, k, ta, tb, acc, lda, ldb, ldc, i, c[i], cs[i])
						}
					}
				}
			}
		}
	}
}

// TestGemmShortTile checks that the short tile is no taller than the standard one and as wide.
func TestGemmShortTile(t *testing.T) {
	mr, nr := GemmTile[float32]()
	smr, snr := GemmShortTile[float32]()
	if smr > mr || snr != nr {
		t.Fatalf("short tile %d×%d, standard %d×%d", smr, snr, mr, nr)
	}
	if gemmShortF32 != nil && smr != 8 {
		t.Fatalf("short tile has %d rows, want 8", smr)
	}
}
