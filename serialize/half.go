package serialize

import "math"

// Conversions between float32 and the 16- and 8-bit float formats found in checkpoints.
// Narrowing rounds to nearest, ties to even, as PyTorch's casts do; NaN stays NaN (quiet).

// f16ToF32 widens an IEEE 754 binary16 value (exactly).
func f16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0:
		// zero or subnormal: mant * 2^-24
		v := float32(mant) * (1.0 / (1 << 24))
		return math.Float32frombits(math.Float32bits(v) | sign)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// f32ToF16 narrows f to binary16: values too large become ±Inf, too small ±0 or subnormal.
func f32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13) // keep the top payload bits, quiet
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign // below half the smallest subnormal
		}
		m := mant | 0x800000 // implicit leading 1
		shift := uint(14 - e)
		h := m >> shift
		rem, half := m&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > half || rem == half && h&1 == 1 {
			h++ // may carry into the smallest normal, which is the right encoding
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && h&1 == 1 {
		h++ // a carry into the exponent is correct, up to Inf
	}
	return sign | uint16(h)
}

// f32ToBF16 narrows f to bfloat16 (the top half of a float32), rounding to nearest even.
func f32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40 // NaN: keep it NaN after truncation
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

// f8e4m3ToF32 widens a float8 E4M3FN value (bias 7, no infinities, S.1111.111 is NaN).
func f8e4m3ToF32(v byte) float32 {
	neg := v&0x80 != 0
	exp := int(v>>3) & 0xf
	mant := float64(v & 7)
	var r float64
	switch {
	case exp == 0xf && mant == 7:
		r = math.NaN()
	case exp == 0:
		r = math.Ldexp(mant, -9)
	default:
		r = math.Ldexp(1+mant/8, exp-7)
	}
	if neg {
		r = -r
	}
	return float32(r)
}
