package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool2x2Row checks the vector kernel against the Go loop on lengths 0 to 40 (whole
// blocks and tails), unaligned starts, ties, signed zeros, infinities and NaNs, with guard
// values after the outputs.
func TestMaxPool2x2Row(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	for n := 0; n <= 40; n++ {
		for trial := 0; trial < 20; trial++ {
			off := rng.IntN(3)
			w := int64(2*n + rng.IntN(3))
			row := func() []float32 {
				r := make([]float32, off+2*n)
				for i := range r {
					switch rng.IntN(4) {
					case 0:
						r[i] = special[rng.IntN(len(special))]
					case 1:
						r[i] = float32(rng.IntN(3)) // ties
					default:
						r[i] = float32(rng.NormFloat64())
					}
				}
				return r[off:]
			}
			r0, r1 := row(), row()
			base := int64(rng.IntN(1000))
			// got and gi are guard-padded: the kernel must not write past n.
			gotG, giG := make([]float32, n+9), make([]int64, n+9)
			for i := range gotG {
				gotG[i], giG[i] = guard, -7
			}
			got, gi := gotG[:n], giG[:n]
			want, wi := make([]float32, n), make([]int64, n)
			MaxPool2x2Row(got, gi, r0, r1, base, w)
			for i := n; i < n+9; i++ {
				if gotG[i] != guard || giG[i] != -7 {
					t.Fatalf("n=%d: wrote past the end at %d", n, i)
				}
			}
			maxPool2x2RowGo(want, wi, r0, r1, base, w)
			for j := range want {
				if gi[j] != wi[j] || math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("n=%d j=%d: got %v at %d, want %v at %d (window %v %v %v %v)", n, j, got[j], gi[j], want[j], wi[j],
						r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1])
				}
			}
		}
	}
}
