//go:build !amd64 || purego

package kernels

// The float32 kernels' portable versions: the Go loops.

func addF32(dst, a, b []float32)                         { addGo(dst, a, b) }
func subF32(dst, a, b []float32)                         { subGo(dst, a, b) }
func mulF32(dst, a, b []float32)                         { mulGo(dst, a, b) }
func divF32(dst, a, b []float32)                         { divGo(dst, a, b) }
func addStreamF32(dst, a, b []float32)                   { addGo(dst, a, b) }
func subStreamF32(dst, a, b []float32)                   { subGo(dst, a, b) }
func mulStreamF32(dst, a, b []float32)                   { mulGo(dst, a, b) }
func divStreamF32(dst, a, b []float32)                   { divGo(dst, a, b) }
func addScalarF32(dst, a []float32, s float32)           { addScalarGo(dst, a, s) }
func mulScalarF32(dst, a []float32, s float32)           { mulScalarGo(dst, a, s) }
func scalarSubF32(dst []float32, s float32, a []float32) { scalarSubGo(dst, s, a) }
func scalarDivF32(dst []float32, s float32, a []float32) { scalarDivGo(dst, s, a) }
func divScalarF32(dst, a []float32, s float32)           { divScalarGo(dst, a, s) }
func reluF32(dst, a []float32)                           { reluGo(dst, a) }
func addScalarStreamF32(dst, a []float32, s float32)     { addScalarGo(dst, a, s) }
func mulScalarStreamF32(dst, a []float32, s float32)     { mulScalarGo(dst, a, s) }
func reluStreamSplit(dst, a []float32, _ float32)        { reluGo(dst, a) }
func divScalarStreamF32(dst, a []float32, s float32)     { divScalarGo(dst, a, s) }
func scalarSubStreamSplit(dst, a []float32, s float32)   { scalarSubGo(dst, s, a) }
func scalarDivStreamSplit(dst, a []float32, s float32)   { scalarDivGo(dst, s, a) }
func sqrtF32(dst, a []float32)                           { sqrtGo(dst, a) }
func axpyF32(y []float32, alpha float32, x []float32) {
	axpyGo(y, alpha, x)
}
func sumF32(x []float32) float64    { return sumGo(x) }
func dotF32(a, b []float32) float64 { return dotGo(a, b) }
func expF32(dst, src []float32)     { expGo(dst, src) }
func tanhF32(dst, src []float32)    { tanhGo(dst, src) }
func sigmoidF32(dst, src []float32) { sigmoidGo(dst, src) }

func expStreamF32(dst, src []float32)     { expGo(dst, src) }
func tanhStreamF32(dst, src []float32)    { tanhGo(dst, src) }
func sigmoidStreamF32(dst, src []float32) { sigmoidGo(dst, src) }
func sqrtStreamF32(dst, src []float32)    { sqrtGo(dst, src) }

// mathVariant is one implementation of the float32 math kernels and Sqrt, for tests.
type mathVariant struct {
	name                     string
	exp, tanh, sigmoid, sqrt func(dst, src []float32)
}

// mathVariants lists the math kernels this build runs.
func mathVariants() []mathVariant {
	return []mathVariant{{"go", expGo, tanhGo, sigmoidGo, sqrtGo[float32]}}
}

func adamF32(p, m, v, d []float32, c *AdamCoefficients[float32]) { adamGo(p, m, v, d, c) }
