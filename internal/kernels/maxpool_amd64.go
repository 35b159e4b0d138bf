//go:build amd64 && !purego

package kernels

import "unsafe"

// maxPool2x2AVX2 is MaxPool2x2Row on the first n outputs, n a multiple of 8, with w < 2^31.
//
//go:noescape
func maxPool2x2AVX2(out *float32, idx *int64, r0, r1 *float32, n int, base, w int64)

// maxPool2x2AVX2x4 is maxPool2x2AVX2 on one block of 4 outputs.
//
//go:noescape
func maxPool2x2AVX2x4(out *float32, idx *int64, r0, r1 *float32, base, w int64)

// maxPool2x2RowF32 runs the AVX2 kernel on the whole row (maxPool2x2RowAsm) and returns how
// many outputs it did: all of them, or none without AVX2, for rows shorter than 4 or huge
// rows.
func maxPool2x2RowF32(out []float32, idx []int64, r0, r1 []float32, base, w int64) int {
	n := len(out)
	if !hasAVX2 || n < 4 || w >= 1<<31-1 {
		return 0
	}
	maxPool2x2RowAsm(&out[0], &idx[0], &r0[0], &r1[0], n, base, w)
	return n
}

// maxPool2x2PlaneF32 is maxPool2x2RowF32 for every row of a plane whose bounds the caller
// checked; it reports false, doing nothing, where the assembly does not apply.
func maxPool2x2PlaneF32(out []float32, idx []int64, x []float32, w, oh, ow int) bool {
	if !hasAVX2 || ow < 4 || w >= 1<<31-1 {
		return false
	}
	for y := 0; y < oh; y++ {
		o, r := y*ow, 2*y*w
		maxPool2x2RowAsm(&out[o], &idx[o], &x[r], &x[r+w], ow, int64(r), int64(w))
	}
	return true
}

// maxPool2x2RowAsm runs the AVX2 kernel on a row of n ≥ 4 outputs (the caller checked the
// bounds) in whole blocks of 8 (4 for rows shorter than 8), the last block overlapping the
// one before it when the block does not divide n (the overlapped outputs are written twice
// with the same values).
func maxPool2x2RowAsm(out *float32, idx *int64, r0, r1 *float32, n int, base, w int64) {
	at := func(s int) (*float32, *int64, *float32, *float32, int64) {
		return (*float32)(unsafe.Add(unsafe.Pointer(out), 4*s)), (*int64)(unsafe.Add(unsafe.Pointer(idx), 8*s)),
			(*float32)(unsafe.Add(unsafe.Pointer(r0), 8*s)), (*float32)(unsafe.Add(unsafe.Pointer(r1), 8*s)), base + 2*int64(s)
	}
	if n < 8 {
		maxPool2x2AVX2x4(out, idx, r0, r1, base, w)
		if s := n - 4; s > 0 {
			o, i, a, b, bs := at(s)
			maxPool2x2AVX2x4(o, i, a, b, bs, w)
		}
		return
	}
	full := n / 8 * 8
	maxPool2x2AVX2(out, idx, r0, r1, full, base, w)
	if full < n {
		o, i, a, b, bs := at(n - 8)
		maxPool2x2AVX2(o, i, a, b, 8, bs, w)
	}
}
