package serialize

import (
	"math"
	"testing"
)

// TestF16Exhaustive checks every binary16 value: widening and narrowing again gives the same
// bits, and the midpoints between neighbours round to even, just below to the lower neighbour
// and just above to the upper.
func TestF16Exhaustive(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := f16ToF32(uint16(h))
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			if !math.IsNaN(float64(f)) || f32ToF16(f)&0x7c00 != 0x7c00 || f32ToF16(f)&0x3ff == 0 {
				t.Errorf("NaN %#04x widens to %v and narrows to %#04x", h, f, f32ToF16(f))
			}
			continue
		}
		if got := f32ToF16(f); got != uint16(h) {
			t.Errorf("f16 %#04x -> %v -> %#04x", h, f, got)
		}
	}
	// Neighbours a < b among the non-negative finite halves (0x0000..0x7bff).
	for h := uint16(0); h < 0x7bff; h++ {
		a, b := f16ToF32(h), f16ToF32(h+1)
		mid := float32((float64(a) + float64(b)) / 2) // exact: 12 significant bits
		even := h
		if h&1 == 1 {
			even = h + 1
		}
		if got := f32ToF16(mid); got != even {
			t.Errorf("midpoint %v of %#04x and %#04x narrows to %#04x, want %#04x", mid, h, h+1, got, even)
		}
		if got := f32ToF16(math.Nextafter32(mid, 0)); got != h {
			t.Errorf("below midpoint %v narrows to %#04x, want %#04x", mid, got, h)
		}
		if got := f32ToF16(math.Nextafter32(mid, 1e9)); got != h+1 {
			t.Errorf("above midpoint %v narrows to %#04x, want %#04x", mid, got, h+1)
		}
		if got := f32ToF16(-mid); got != even|0x8000 {
			t.Errorf("negative midpoint %v narrows to %#04x", -mid, got)
		}
	}
	for _, c := range []struct {
		f    float32
		want uint16
	}{
		{65519.99, 0x7bff}, {65520, 0x7c00}, {1e10, 0x7c00}, {-1e10, 0xfc00},
		{float32(math.Ldexp(1, -25)), 0}, {float32(math.Ldexp(1.0001, -25)), 1}, {1e-30, 0},
		{float32(math.Copysign(0, -1)), 0x8000},
	} {
		if got := f32ToF16(c.f); got != c.want {
			t.Errorf("f32ToF16(%v) = %#04x, want %#04x", c.f, got, c.want)
		}
	}
}

func TestBF16(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := math.Float32frombits(uint32(h) << 16)
		got := f32ToBF16(f)
		if math.IsNaN(float64(f)) {
			if !math.IsNaN(float64(math.Float32frombits(uint32(got) << 16))) {
				t.Errorf("NaN %#04x narrows to %#04x", h, got)
			}
			continue
		}
		if got != uint16(h) {
			t.Errorf("bf16 %#04x -> %v -> %#04x", h, f, got)
		}
	}
	for _, c := range []struct {
		bits uint32
		want uint16
	}{
		{0x3f808000, 0x3f80}, // tie, even below
		{0x3f818000, 0x3f82}, // tie, odd below: up
		{0x3f808001, 0x3f81}, // above the tie
		{0x7f7fffff, 0x7f80}, // the largest float32 rounds to Inf
		{0x7f800001, 0x7fc0}, // a NaN whose payload is in the low bits stays NaN
	} {
		if got := f32ToBF16(math.Float32frombits(c.bits)); got != c.want {
			t.Errorf("f32ToBF16(%#08x) = %#04x, want %#04x", c.bits, got, c.want)
		}
	}
}
