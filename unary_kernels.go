package eager

// UnaryKernels returns what eager's parameterless unary op name (Neg, Exp, Log, Log1p,
// Sqrt, Rsqrt, Abs, Sign, Sin, Cos, Tanh, Sigmoid, ReLU, Erf, GELU, GELUTanh, SiLU) computes
// with: the element function, and the float32 and float64 slice kernels its kernel calls
// on contiguous data (nil when it loops over f instead: float32 elements are then computed
// as float32(f(float64(v)))). ok is false for any other name. The slice kernels are
// elementwise (each output depends only on its input element), so tools that compute the
// same op elsewhere (jit's fused loops, a tile at a time) get eager's bits and follow any
// change of eager's kernels.
func UnaryKernels(name string) (f func(float64) float64, f32 func(dst, src []float32), f64 func(dst, src []float64), ok bool) {
	for _, d := range [...]*unaryDef{negDef, expDef, logDef, log1pDef, sqrtDef, rsqrtDef, absDef, signDef, sinDef, cosDef,
		tanhDef, sigmoidDef, reluDef, erfDef, geluDef, geluTanhDef, siluDef} {
		if d != nil && d.op.Name == name {
			return d.f, d.f32, d.f64, true
		}
	}
	return nil, nil, nil, false
}
