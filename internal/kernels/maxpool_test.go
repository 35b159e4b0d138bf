package kernels

import (
	"fmt"
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

// TestMaxPool2x2Plane checks the plane kernel against MaxPool2x2Row row by row, bit for bit,
// on planes of 1 to 20 outputs per row (the block and overlap cases) and odd row lengths.
func TestMaxPool2x2Plane(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for ow := 1; ow <= 20; ow++ {
		for _, oh := range []int{1, 2, 5, 14} {
			w := 2*ow + rng.IntN(2)
			x := make([]float32, 2*oh*w)
			for i := range x {
				x[i] = float32(rng.IntN(5)) - 2 + float32(rng.NormFloat64())*float32(rng.IntN(2))
			}
			got, gi := make([]float32, oh*ow+3), make([]int64, oh*ow+3)
			got[oh*ow], gi[oh*ow] = guard, -7
			MaxPool2x2Plane(got[:oh*ow], gi[:oh*ow], x, w, oh, ow)
			if got[oh*ow] != guard || gi[oh*ow] != -7 {
				t.Fatalf("ow=%d oh=%d: wrote past the plane", ow, oh)
			}
			want, wi := make([]float32, ow), make([]int64, ow)
			for y := 0; y < oh; y++ {
				r := 2 * y * w
				MaxPool2x2Row(want, wi, x[r:], x[r+w:], int64(r), int64(w))
				for j := range want {
					if k := y*ow + j; math.Float32bits(got[k]) != math.Float32bits(want[j]) || gi[k] != wi[j] {
						t.Fatalf("ow=%d oh=%d row %d col %d: got %v at %d, want %v at %d", ow, oh, y, j, got[k], gi[k], want[j], wi[j])
					}
				}
			}
		}
	}
}

// BenchmarkMaxPool2x2Plane times the plane kernel against MaxPool2x2Row row by row on the
// pooling planes of LeNet-5 (28×28 and 10×10 inputs) and of the MNIST CNN (28×28, 14×14).
func BenchmarkMaxPool2x2Plane(b *testing.B) {
	for _, h := range []int{28, 10, 14} {
		oh := h / 2
		x := make([]float32, h*h)
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		out, idx := make([]float32, oh*oh), make([]int64, oh*oh)
		b.Run(fmt.Sprintf("%dx%d/plane", h, h), func(b *testing.B) {
			for b.Loop() {
				MaxPool2x2Plane(out, idx, x, h, oh, oh)
			}
		})
		b.Run(fmt.Sprintf("%dx%d/rows", h, h), func(b *testing.B) {
			for b.Loop() {
				for y := 0; y < oh; y++ {
					r := 2 * y * h
					MaxPool2x2Row(out[y*oh:(y+1)*oh], idx[y*oh:(y+1)*oh], x[r:], x[r+h:], int64(r), int64(h))
				}
			}
		})
	}
}
