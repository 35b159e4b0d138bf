//go:build amd64 && !purego

package kernels

// The AVX2 kernels of norm_amd64.s, on n > 0 elements (columns), n a multiple of 4; each
// wrapper reports whether it ran one.

//go:noescape
func sumLanes4AVX2(a *[4]float64, x *float32, n int)

//go:noescape
func sqDevLanes4AVX2(a *[4]float64, x *float32, n int, m float64)

//go:noescape
func normAffineAVX2(y, x, w, b *float32, n int, m, r float64)

//go:noescape
func layerNormGradSumsAVX2(s, q *[4]float64, gr, x, w *float32, n int, m, r float64)

//go:noescape
func layerNormGradRowAVX2(dx, gr, x, w *float32, n int, m, r, a, c float64)

//go:noescape
func normGradColsAVX2(gw, gb *float64, gr, x *float32, stride, w, rows int, mean, rstd *float64)

func sumLanes4F32(a *[4]float64, x []float32) bool {
	if !hasAVX2 {
		return false
	}
	sumLanes4AVX2(a, &x[0], len(x))
	return true
}

func sqDevLanes4F32(a *[4]float64, x []float32, m float64) bool {
	if !hasAVX2 {
		return false
	}
	sqDevLanes4AVX2(a, &x[0], len(x), m)
	return true
}

func normAffineF32(y, x, w, b []float32, m, r float64) bool {
	if !hasAVX2 {
		return false
	}
	normAffineAVX2(&y[0], &x[0], &w[0], &b[0], len(y), m, r)
	return true
}

func layerNormGradSumsF32(s, q *[4]float64, g, x, w []float32, m, r float64) bool {
	if !hasAVX2 {
		return false
	}
	layerNormGradSumsAVX2(s, q, &g[0], &x[0], &w[0], len(g), m, r)
	return true
}

func layerNormGradRowF32(dx, g, x, w []float32, m, r, a, c float64) bool {
	if !hasAVX2 {
		return false
	}
	layerNormGradRowAVX2(&dx[0], &g[0], &x[0], &w[0], len(dx), m, r, a, c)
	return true
}

func normGradColsF32(gw, gb []float64, g, x []float32, stride int, mean, rstd []float64) bool {
	if !hasAVX2 {
		return false
	}
	normGradColsAVX2(&gw[0], &gb[0], &g[0], &x[0], stride, len(gw), len(mean), &mean[0], &rstd[0])
	return true
}

//go:noescape
func sumLanes4RowsAVX2(a *[4]float64, x *float32, n, stride, rows int)

//go:noescape
func sqDevLanes4RowsAVX2(a *[4]float64, x *float32, n, stride, rows int, m *float64)

// lanes4RowsF32 sets the lanes of len(lanes) rows (a multiple of 4) of n4 values, the sums
// of the values, or of their squared deviations from m when m is not nil.
func lanes4RowsF32(lanes [][4]float64, x []float32, stride, n4 int, m []float64) bool {
	if !hasAVX2 {
		return false
	}
	_ = x[(len(lanes)-1)*stride+n4-1]
	if m == nil {
		sumLanes4RowsAVX2(&lanes[0], &x[0], n4, stride, len(lanes))
	} else {
		sqDevLanes4RowsAVX2(&lanes[0], &x[0], n4, stride, len(lanes), &m[0])
	}
	return true
}
