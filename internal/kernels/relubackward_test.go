package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestReLUBackward checks the kernel (assembly where built) against the defining loop over
// every tail length, unaligned offsets, a split length, and special values of y and g.
func TestReLUBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)),
		float32(math.Inf(-1)), 1e-45, -1e-45, 2, -2}
	for _, n := range append(append([]int{}, ewSizes...), splitLen+3) {
		for off := 0; off < 2; off++ {
			g, _ := ewBuf(rng, n, off)
			y, _ := ewBuf(rng, n, 1-off)
			for i := range y {
				if i%5 == 0 {
					y[i] = special[(i/5)%len(special)]
				}
				if i%7 == 0 {
					g[i] = special[(i/7+3)%len(special)]
				}
			}
			dst, check := ewBuf(rng, n, off)
			ReLUBackward(dst, g, y)
			check(t, "ReLUBackward")
			for i := range dst {
				var want float32
				if y[i] > 0 {
					want = g[i]
				}
				if !sameBits(dst[i], want) {
					t.Fatalf("n=%d off=%d: [%d] y=%v g=%v: got %v, want %v", n, off, i, y[i], g[i], dst[i], want)
				}
			}
		}
	}
}
