package kernels

// MaxPool2x2Row computes one output row of a 2×2, stride-2 max pooling over float32 planes
// of row length w: for each j < len(out), the window is r0[2j], r0[2j+1], r1[2j], r1[2j+1]
// (plane positions base+2j + 0, 1, w, w+1, in that order), and
//
//	out[j] = the window's first maximum (strictly greater values replace it), or its last
//	         NaN if it holds one (a NaN always replaces);
//	idx[j] = its plane position.
//
// out[j] is the chosen element itself (so -0 and +0 are told apart as the input has them).
// r0 and r1 must hold at least 2·len(out) values and idx len(out).
func MaxPool2x2Row(out []float32, idx []int64, r0, r1 []float32, base, w int64) {
	n := len(out)
	r0, r1, idx = r0[:2*n], r1[:2*n], idx[:n]
	done := maxPool2x2RowF32(out, idx, r0, r1, base, w)
	maxPool2x2RowGo(out[done:], idx[done:], r0[2*done:], r1[2*done:], base+2*int64(done), w)
}

// maxPool2x2RowGo is MaxPool2x2Row's loop.
func maxPool2x2RowGo(out []float32, idx []int64, r0, r1 []float32, base, w int64) {
	for j := range out {
		win := [4]float32{r0[2*j], r0[2*j+1], r1[2*j], r1[2*j+1]}
		pos := [4]int64{0, 1, w, w + 1}
		best, k := win[0], pos[0]
		for i := 1; i < 4; i++ {
			if v := win[i]; v > best || v != v {
				best, k = v, pos[i]
			}
		}
		out[j], idx[j] = best, base+2*int64(j)+k
	}
}

// MaxPool2x2Plane computes a whole output plane, oh rows of ow, of a 2×2, stride-2 max
// pooling over a float32 input plane x of row length w (w ≥ 2·ow, 2·oh rows): output row y is
// MaxPool2x2Row of input rows 2y and 2y+1 with base 2y·w. It is MaxPool2x2Row row by row,
// bit for bit, with the bounds checked once per plane: the rows of a small feature map
// (LeNet's 14 and 5 outputs) are short enough that per-row call overhead was as large as
// the vector work.
func MaxPool2x2Plane(out []float32, idx []int64, x []float32, w, oh, ow int) {
	if oh == 0 || ow == 0 {
		return
	}
	if w < 2*ow {
		panic("kernels: MaxPool2x2Plane: rows shorter than 2·ow")
	}
	_, _, _ = out[oh*ow-1], idx[oh*ow-1], x[(2*oh-1)*w+2*ow-1]
	if maxPool2x2PlaneF32(out, idx, x, w, oh, ow) {
		return
	}
	for y := 0; y < oh; y++ {
		r := 2 * y * w
		MaxPool2x2Row(out[y*ow:(y+1)*ow], idx[y*ow:(y+1)*ow], x[r:], x[r+w:], int64(r), int64(w))
	}
}
