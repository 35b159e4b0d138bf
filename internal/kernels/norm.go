package kernels

import "unsafe"

// Row kernels of the normalisation layers (LayerNorm, BatchNorm, GroupNorm): float64
// arithmetic on float32 or float64 data, in a fixed order. The sums take four float64 lanes,
// lane k adding the elements i ≡ k (mod 4) below the last multiple of 4, so that a 4-wide
// float64 vector holds the lanes exactly; the rest of the row goes to lane 0, in order.

// SumLanes4 returns the float64 sum of x:
//
//	var a [4]float64
//	for i := 0; i < len(x)&^3; i++ {
//		a[i%4] += float64(x[i])
//	}
//	for i := len(x) &^ 3; i < len(x); i++ {
//		a[0] += float64(x[i])
//	}
//	return (a[0] + a[1]) + (a[2] + a[3])
func SumLanes4[T Float](x []T) float64 {
	var a [4]float64
	n4 := len(x) &^ 3
	if unsafe.Sizeof(T(0)) != 4 || n4 == 0 || !sumLanes4F32(&a, asF32(x[:n4])) {
		sumLanes4Go(&a, x[:n4])
	}
	for _, v := range x[n4:] {
		a[0] += float64(v)
	}
	return (a[0] + a[1]) + (a[2] + a[3])
}

func sumLanes4Go[T Float](a *[4]float64, x []T) {
	for i := 0; i+4 <= len(x); i += 4 {
		a[0] += float64(x[i])
		a[1] += float64(x[i+1])
		a[2] += float64(x[i+2])
		a[3] += float64(x[i+3])
	}
}

// SqDevLanes4 returns the float64 sum of the squared deviations (x[i]-m)², each
// d := float64(x[i]) - m adding d*d to a lane as SumLanes4 adds x[i].
func SqDevLanes4[T Float](x []T, m float64) float64 {
	var a [4]float64
	n4 := len(x) &^ 3
	if unsafe.Sizeof(T(0)) != 4 || n4 == 0 || !sqDevLanes4F32(&a, asF32(x[:n4]), m) {
		sqDevLanes4Go(&a, x[:n4], m)
	}
	for _, v := range x[n4:] {
		d := float64(v) - m
		a[0] += d * d
	}
	return (a[0] + a[1]) + (a[2] + a[3])
}

func sqDevLanes4Go[T Float](a *[4]float64, x []T, m float64) {
	for i := 0; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := float64(x[i])-m, float64(x[i+1])-m, float64(x[i+2])-m, float64(x[i+3])-m
		a[0] += d0 * d0
		a[1] += d1 * d1
		a[2] += d2 * d2
		a[3] += d3 * d3
	}
}

// NormAffine writes a normalised row scaled and shifted elementwise, in float64:
//
//	for i := range y {
//		y[i] = T((float64(x[i])-m)*r*float64(w[i]) + float64(b[i]))
//	}
func NormAffine[T Float](y, x, w, b []T, m, r float64) {
	n := len(y)
	x, w, b = x[:n], w[:n], b[:n]
	n4 := n &^ 3
	done := 0
	if unsafe.Sizeof(T(0)) == 4 && n4 > 0 && normAffineF32(asF32(y[:n4]), asF32(x), asF32(w), asF32(b), m, r) {
		done = n4
	}
	for i := done; i < n; i++ {
		y[i] = T((float64(x[i])-m)*r*float64(w[i]) + float64(b[i]))
	}
}

// LayerNormGradSums returns the sums of gh and gh*xhat over a row, with gh = g*w and xhat =
// (x-m)*r in float64, each in four lanes as SumLanes4 takes them:
//
//	h := float64(g[i]) * float64(w[i])
//	s[i%4] += h
//	q[i%4] += h * ((float64(x[i]) - m) * r)
func LayerNormGradSums[T Float](g, x, w []T, m, r float64) (sgh, sghx float64) {
	n := len(g)
	x, w = x[:n], w[:n]
	var s, q [4]float64
	n4 := n &^ 3
	if unsafe.Sizeof(T(0)) != 4 || n4 == 0 || !layerNormGradSumsF32(&s, &q, asF32(g[:n4]), asF32(x), asF32(w), m, r) {
		for i := 0; i < n4; i++ {
			h := float64(g[i]) * float64(w[i])
			s[i&3] += h
			q[i&3] += h * ((float64(x[i]) - m) * r)
		}
	}
	for i := n4; i < n; i++ {
		h := float64(g[i]) * float64(w[i])
		s[0] += h
		q[0] += h * ((float64(x[i]) - m) * r)
	}
	return (s[0] + s[1]) + (s[2] + s[3]), (q[0] + q[1]) + (q[2] + q[3])
}

// LayerNormGradRow writes a LayerNorm row's input gradient from the means a of gh and c of
// gh*xhat (see LayerNormGradSums):
//
//	for i := range dx {
//		dx[i] = T(r * (float64(g[i])*float64(w[i]) - a - (float64(x[i])-m)*r*c))
//	}
func LayerNormGradRow[T Float](dx, g, x, w []T, m, r, a, c float64) {
	n := len(dx)
	g, x, w = g[:n], x[:n], w[:n]
	n4 := n &^ 3
	done := 0
	if unsafe.Sizeof(T(0)) == 4 && n4 > 0 && layerNormGradRowF32(asF32(dx[:n4]), asF32(g), asF32(x), asF32(w), m, r, a, c) {
		done = n4
	}
	for i := done; i < n; i++ {
		dx[i] = T(r * (float64(g[i])*float64(w[i]) - a - (float64(x[i])-m)*r*c))
	}
}

// NormGradCols adds a LayerNorm's weight and bias gradients over rows of width len(gw)
// (row k at g[k*stride:] and x[k*stride:], with statistics mean[k] and rstd[k]), each column
// in row order:
//
//	for k := range mean {
//		for j := range gw {
//			gf := float64(g[k*stride+j])
//			gw[j] += gf * (float64(x[k*stride+j]) - mean[k]) * rstd[k]
//			gb[j] += gf
//		}
//	}
func NormGradCols[T Float](gw, gb []float64, g, x []T, stride int, mean, rstd []float64) {
	w, rows := len(gw), len(mean)
	gb, rstd = gb[:w], rstd[:rows]
	if w == 0 || rows == 0 {
		return
	}
	end := (rows-1)*stride + w
	g, x = g[:end], x[:end]
	w4 := w &^ 3
	done := 0
	if unsafe.Sizeof(T(0)) == 4 && w4 > 0 && normGradColsF32(gw[:w4], gb[:w4], asF32(g), asF32(x), stride, mean, rstd) {
		done = w4
	}
	if done == w {
		return
	}
	for k, m := range mean {
		r := rstd[k]
		gs, xs := g[k*stride+done:k*stride+w], x[k*stride+done:k*stride+w]
		for i, gv := range gs {
			gf := float64(gv)
			gw[done+i] += gf * (float64(xs[i]) - m) * r
			gb[done+i] += gf
		}
	}
}

// SumLanes4Rows sets dst[k] = SumLanes4(x[k*stride : k*stride+n]) for each k < len(dst). The
// vector kernel takes four rows at a time, so that their sums run as independent chains.
func SumLanes4Rows[T Float](dst []float64, x []T, stride, n int) {
	lanes4Rows(dst, x, stride, n, nil)
}

// SqDevLanes4Rows sets dst[k] = SqDevLanes4(x[k*stride : k*stride+n], m[k]) for each
// k < len(dst), four rows at a time as SumLanes4Rows.
func SqDevLanes4Rows[T Float](dst []float64, x []T, stride, n int, m []float64) {
	lanes4Rows(dst, x, stride, n, m[:len(dst)])
}

// lanes4Rows is SumLanes4Rows, or SqDevLanes4Rows with the means m when m is not nil.
func lanes4Rows[T Float](dst []float64, x []T, stride, n int, m []float64) {
	rows := len(dst)
	if rows == 0 {
		return
	}
	x = x[:(rows-1)*stride+n]
	n4, done := n&^3, 0
	if unsafe.Sizeof(T(0)) == 4 && n4 > 0 && rows >= 4 {
		var lanes [16][4]float64
		for k0 := 0; k0+4 <= rows; k0 += 4 {
			nb := min(16, rows-k0) &^ 3
			var mk []float64
			if m != nil {
				mk = m[k0 : k0+nb]
			}
			if !lanes4RowsF32(lanes[:nb], asF32(x[k0*stride:]), stride, n4, mk) {
				break
			}
			for k := range nb {
				a, row := &lanes[k], x[(k0+k)*stride:(k0+k)*stride+n]
				for _, v := range row[n4:] {
					if m == nil {
						a[0] += float64(v)
					} else {
						d := float64(v) - m[k0+k]
						a[0] += d * d
					}
				}
				dst[k0+k] = (a[0] + a[1]) + (a[2] + a[3])
			}
			done = k0 + nb
			k0 += nb - 4
		}
	}
	for k := done; k < rows; k++ {
		if m == nil {
			dst[k] = SumLanes4(x[k*stride : k*stride+n])
		} else {
			dst[k] = SqDevLanes4(x[k*stride:k*stride+n], m[k])
		}
	}
}
