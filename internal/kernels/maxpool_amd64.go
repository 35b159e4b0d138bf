//go:build amd64 && !purego

package kernels

// maxPool2x2AVX2 is MaxPool2x2Row on the first n outputs, n a multiple of 8, with w < 2^31.
//
//go:noescape
func maxPool2x2AVX2(out *float32, idx *int64, r0, r1 *float32, n int, base, w int64)

// maxPool2x2AVX2x4 is maxPool2x2AVX2 on one block of 4 outputs.
//
//go:noescape
func maxPool2x2AVX2x4(out *float32, idx *int64, r0, r1 *float32, base, w int64)

// maxPool2x2RowF32 runs the AVX2 kernel on whole blocks of 8 outputs (4 for rows shorter than 8), the last block
// overlapping the one before it when 8 does not divide the length (the overlapped outputs
// are written twice with the same values), and returns how many outputs it did.
func maxPool2x2RowF32(out []float32, idx []int64, r0, r1 []float32, base, w int64) int {
	n := len(out)
	if !hasAVX2 || n < 4 || w >= 1<<31-1 {
		return 0
	}
	if n < 8 { // blocks of 4, the second overlapping the first
		maxPool2x2AVX2x4(&out[0], &idx[0], &r0[0], &r1[0], base, w)
		if s := n - 4; s > 0 {
			maxPool2x2AVX2x4(&out[s], &idx[s], &r0[2*s], &r1[2*s], base+2*int64(s), w)
		}
		return n
	}
	full := n / 8 * 8
	maxPool2x2AVX2(&out[0], &idx[0], &r0[0], &r1[0], full, base, w)
	if full < n {
		s := n - 8
		maxPool2x2AVX2(&out[s], &idx[s], &r0[2*s], &r1[2*s], 8, base+2*int64(s), w)
	}
	return n
}

// maxPool2x2PlaneF32 is maxPool2x2RowF32 for every row of a plane whose bounds the caller
// checked, calling the assembly directly; it reports false, doing nothing, where the
// assembly does not apply (no AVX2, rows of fewer than 4 outputs, huge rows).
func maxPool2x2PlaneF32(out []float32, idx []int64, x []float32, w, oh, ow int) bool {
	if !hasAVX2 || ow < 4 || w >= 1<<31-1 {
		return false
	}
	full := ow / 8 * 8
	for y := 0; y < oh; y++ {
		o, r := y*ow, 2*y*w
		base, ww := int64(r), int64(w)
		if ow < 8 { // blocks of 4, the second overlapping the first
			maxPool2x2AVX2x4(&out[o], &idx[o], &x[r], &x[r+w], base, ww)
			if s := ow - 4; s > 0 {
				maxPool2x2AVX2x4(&out[o+s], &idx[o+s], &x[r+2*s], &x[r+w+2*s], base+2*int64(s), ww)
			}
			continue
		}
		maxPool2x2AVX2(&out[o], &idx[o], &x[r], &x[r+w], full, base, ww)
		if full < ow {
			s := ow - 8
			maxPool2x2AVX2(&out[o+s], &idx[o+s], &x[r+2*s], &x[r+w+2*s], 8, base+2*int64(s), ww)
		}
	}
	return true
}
