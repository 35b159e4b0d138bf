package kernels

// SumF64 returns the float64 total of x, added as Sum adds it before rounding to T: 16
// float64 lanes by index mod 16, a sequential tail, the lanes combined in a fixed order, and
// rows longer than SumChunk cut into chunks whose totals are added in order. Callers that add
// several rows' totals together keep the partial sums in float64 this way.
func SumF64[T Float](x []T) float64 {
	if len(x) <= SumChunk {
		return sumChunk(x)
	}
	return chunkedTotal(len(x), func(lo, hi int) float64 { return sumChunk(x[lo:hi]) })
}
