package kernels

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzF64Lanes feeds fuzzer-chosen float32 bit patterns (any length, so every tail) to the
// float64-lane kernels (the tanh GELU, Erf, Log, Rsqrt: every variant this CPU runs, AVX-512
// and AVX2) and to GELU and its gradient (float32 lanes; every kernel this CPU runs,
// geluOnes) and checks each one-goroutine kernel against its Go loop bit for bit (NaN
// against NaN).
func FuzzF64Lanes(f *testing.F) {
	seed := func(vs ...float32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	}
	inf := float32(math.Inf(1))
	f.Add(seed(0, 1, -1, 0.5, -0.5, 6, -6, 10, -10, 14.6, -14.6, 40, -40, inf, -inf, float32(math.NaN()), 1e-45, -1e-45, math.MaxFloat32, -math.MaxFloat32))
	f.Add(seed(-0.75, 0.49999997, 0.50000006, 5.999999, 6.0000005, 9.999999, -13.2, -14.5, 87, -87, 3e-39))
	f.Add(seed(-0.7517915, -0.75, 0.25, 0.2499999, 14.99, 15, 15.5, 19.99, 20, 20.01, -20, 1e38, 3e38, -3e38, 1.1e-38))
	f.Add(seed(float32(math.Copysign(0, -1)), 27, -27.5, 28.3, 21.39, -21.5, 1.4142135, 1.4142137, 0.70710677, -2, math.Float32frombits(0xffc00001), -1.1754942e-38))
	f.Fuzz(func(t *testing.T, raw []byte) {
		n := len(raw) / 4
		x := make([]float32, n)
		g := make([]float32, n)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			g[i] = x[n-1-i]
		}
		same := func(name string, got, want []float32) {
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
					t.Fatalf("%s(%v) = %v (%#x), Go loop %v (%#x)", name, x[i], got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
				}
			}
		}
		got, want := make([]float32, n), make([]float32, n)
		for _, v := range lanesVariants() {
			for _, k := range []struct {
				name      string
				kern, ref func(dst, src []float32)
			}{{"geluTanh", v.geluTanh, geluTanhGo}, {"erf", v.erf, erfGo}, {"log", v.log, logGo}, {"rsqrt", v.rsqrt, rsqrtGo}} {
				k.kern(got, x)
				k.ref(want, x)
				same(v.name+"/"+k.name, got, want)
			}
		}
		geluGradGo(want, g, x)
		for _, k := range geluOnes() {
			k.grad(got, g, x)
			same("geluGrad/"+k.name, got, want)
		}
		geluGo(want, x)
		for _, k := range geluOnes() {
			k.fwd(got, x)
			same("gelu/"+k.name, got, want)
		}
	})
}
