package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSoftmaxGradRowBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range normSizes() {
		for trial := range 5 {
			g, y := normValues(r, n), normValues(r, n)
			if n > 0 && trial == 1 {
				g[r.IntN(n)] = float32(math.NaN())
			}
			if n > 0 && trial == 2 {
				y[r.IntN(n)] = float32(math.Inf(1))
			}
			if trial == 3 { // huge terms that cancel in Sum's lane order only
				for j := range g {
					y[j] = 1
					switch j % 16 {
					case 0:
						g[j] = 1e20
					case 8:
						g[j] = -1e20
					}
				}
			}
			want := make([]float32, n)
			p := make([]float32, n)
			Mul(p, g, y)
			s := Sum(p)
			for j := range want {
				want[j] = y[j] * (g[j] - s)
			}
			got := guarded32(n)
			SoftmaxGradRow(got[:n], g, y)
			sameBits32(t, "SoftmaxGradRow", n, got, want)
		}
	}
}
