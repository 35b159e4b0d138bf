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
