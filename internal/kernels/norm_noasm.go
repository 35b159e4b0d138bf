//go:build !amd64 || purego

package kernels

// The normalisation kernels' vector versions report false in this build: the Go loops run.

func sumLanes4F32(a *[4]float64, x []float32) bool                       { return false }
func sqDevLanes4F32(a *[4]float64, x []float32, m float64) bool          { return false }
func normAffineF32(y, x, w, b []float32, m, r float64) bool              { return false }
func layerNormGradRowF32(dx, g, x, w []float32, m, r, a, c float64) bool { return false }
func layerNormGradSumsF32(s, q *[4]float64, g, x, w []float32, m, r float64) bool {
	return false
}
func normGradColsF32(gw, gb []float64, g, x []float32, stride int, mean, rstd []float64) bool {
	return false
}

func lanes4RowsF32(lanes [][4]float64, x []float32, stride, n4 int, m []float64) bool {
	return false
}
