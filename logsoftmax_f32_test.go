package eager

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLogSoftmaxRowsF32 checks the float32 LogSoftmax rows (vector exponentials, float64
// sum and log) against the float64 scalar loop: within 2e-6 absolute plus 4 ulp of the
// result on random rows of 1 to 70 values with large and tied values, and the same
// non-finite results on rows holding NaN or infinities.
func TestLogSoftmaxRowsF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for inner := 1; inner <= 70; inner++ {
		for trial := 0; trial < 10; trial++ {
			rows := 1 + rng.IntN(5)
			x := make([]float32, rows*inner)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * []float64{1, 10, 100}[trial%3])
				if rng.IntN(8) == 0 {
					x[i] = float32(rng.IntN(3))
				}
			}
			if trial == 7 {
				x[rng.IntN(len(x))] = float32(math.NaN())
			}
			if trial == 8 {
				x[rng.IntN(len(x))] = float32(math.Inf(1 - 2*rng.IntN(2)))
			}
			if trial == 9 {
				for i := 0; i < inner; i++ {
					x[i] = float32(math.Inf(-1))
				}
			}
			got, want := make([]float32, len(x)), make([]float32, len(x))
			logSoftmaxRowsF32(got, x, inner)
			for r := 0; r < rows; r++ {
				softmaxRow(want[r*inner:(r+1)*inner], x[r*inner:(r+1)*inner], nil, true)
			}
			for i := range got {
				g, w := float64(got[i]), float64(want[i])
				if math.IsNaN(w) || math.IsInf(w, 0) {
					if !(math.IsNaN(g) && math.IsNaN(w)) && g != w {
						t.Fatalf("inner %d trial %d element %d: %v, want %v", inner, trial, i, g, w)
					}
					continue
				}
				ulp := math.Abs(float64(math.Nextafter32(float32(w), float32(math.Inf(1)))) - w)
				if math.Abs(g-w) > 2e-6+4*ulp {
					t.Fatalf("inner %d trial %d element %d: %v, want %v (off by %g)", inner, trial, i, g, w, g-w)
				}
			}
		}
	}
}

// BenchmarkLogSoftmax times LogSoftmax over the character transformer's logits [2048, 65]
// and the MLP's [64, 10].
func BenchmarkLogSoftmax(b *testing.B) {
	for _, s := range [][2]int{{2048, 65}, {64, 10}} {
		x := Randn(s[0], s[1])
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			for b.Loop() {
				x.LogSoftmax(1)
			}
		})
	}
}

// TestLogSoftmaxRowsF32FourAtOnce checks that summing four rows side by side gives the bits
// of each row done alone (logSoftmaxRowF32), including blocks with a NaN row.
func TestLogSoftmaxRowsF32FourAtOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	for _, inner := range []int{1, 3, 8, 65, 256} {
		for _, rows := range []int{1, 4, 5, 8, 11} {
			x := make([]float32, rows*inner)
			for i := range x {
				x[i] = float32(rng.NormFloat64() * 5)
			}
			if rows > 4 {
				x[4*inner+inner/2] = float32(math.NaN())
			}
			got, want := make([]float32, len(x)), make([]float32, len(x))
			logSoftmaxRowsF32(got, x, inner)
			tmp := make([]float32, inner)
			for r := range rows {
				logSoftmaxRowF32(want[r*inner:(r+1)*inner], x[r*inner:(r+1)*inner], tmp)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("inner %d rows %d element %d: %v, want %v", inner, rows, i, got[i], want[i])
				}
			}
		}
	}
}
