package eager

import (
	"math"
	"math/rand/v2"
	"testing"
)

// specialValues are inputs at which elementwise fast paths most often part from their
// definitions: signed zeros, infinities, NaN, tiny and huge values.
var specialValues = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, 2, -2, 0.1, -0.1, 1e-50, -1e-50, 1e-40, -1e-40,
	3.4e38, -3.4e38, 1e300, -1e300, math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64}

// sameFloat reports whether a and b are the same value: equal bits, or both NaN.
func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

// TestClampMatchesDefinition checks Clamp's kernels (Go's min and max) against its element
// function math.Min(math.Max(v, lo), hi) in float64, rounded to float32 for float32, over
// special values and random ones, with bounds that are zeros of either sign, infinities,
// values float32 cannot hold, and equal.
func TestClampMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	vals := append([]float64(nil), specialValues...)
	for range 4000 {
		vals = append(vals, rng.NormFloat64()*0.3)
	}
	bounds := [][2]float64{{-0.5, 0.5}, {0, 1}, {math.Copysign(0, -1), 0}, {0, 0}, {math.Copysign(0, -1), math.Copysign(0, -1)},
		{math.Inf(-1), 0.25}, {-0.25, math.Inf(1)}, {0.1, 0.3}, {1e-50, 1}, {-1e-50, 1e-50}, {-1, -1}, {math.Inf(-1), math.Inf(1)}}
	def := func(v, lo, hi float64) float64 {
		if v != v {
			return v
		}
		return math.Min(math.Max(v, lo), hi)
	}
	for _, bd := range bounds {
		lo, hi := bd[0], bd[1]
		x64 := FromSlice(vals, len(vals))
		got64 := x64.Clamp(lo, hi).f64()
		x32 := x64.To(Float32)
		got32 := x32.Clamp(lo, hi).Realize().f32()
		for i, v := range vals {
			if want := def(v, lo, hi); !sameFloat(got64[i], want) {
				t.Fatalf("Clamp(%v, %v) float64 of %v = %v, want %v", lo, hi, v, got64[i], want)
			}
			v32 := x32.f32()[i]
			if want := float32(def(float64(v32), lo, hi)); !sameFloat(float64(got32[i]), float64(want)) {
				t.Fatalf("Clamp(%v, %v) float32 of %v = %v, want %v", lo, hi, v32, got32[i], want)
			}
		}
	}
}

// TestPowScalarFastPaths checks PowScalar against math.Pow element by element: x² (float32,
// computed as x·x), other exponents on long rows (split across cores), and float64.
func TestPowScalarFastPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	vals := append([]float64(nil), specialValues...)
	for range 40000 {
		vals = append(vals, rng.NormFloat64()*3)
	}
	for _, p := range []float64{2, 3, 0.5, -1, 2.5, 0} {
		x64 := FromSlice(vals, len(vals))
		x32 := x64.To(Float32)
		got64 := x64.PowScalar(p).f64()
		got32 := x32.PowScalar(p).Realize().f32()
		for i, v := range vals {
			if want := math.Pow(v, p); !sameFloat(got64[i], want) {
				t.Fatalf("PowScalar(%v) float64 of %v = %v, want %v", p, v, got64[i], want)
			}
			v32 := x32.f32()[i]
			if want := float32(math.Pow(float64(v32), p)); !sameFloat(float64(got32[i]), float64(want)) {
				t.Fatalf("PowScalar(%v) float32 of %v = %v, want %v", p, v32, got32[i], want)
			}
		}
	}
}

// TestConvertLarge converts large tensors (split across cores) between every pair of dtypes
// and compares each element with Go's conversion.
func TestConvertLarge(t *testing.T) {
	const n = 200003
	rng := rand.New(rand.NewPCG(11, 12))
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = math.Round(rng.NormFloat64() * 1000)
		if i%7 == 0 {
			vals[i] = 0
		}
	}
	for _, from := range []DType{Float32, Float64, Int64, Bool} {
		x := FromSlice(vals, n).To(from)
		for _, to := range []DType{Float32, Float64, Int64, Bool} {
			y := x.To(to)
			for i := range n {
				want, got := x.at(i), y.at(i)
				switch to {
				case Bool:
					want = b2f(want != 0)
				case Int64:
					want = float64(int64(want))
				case Float32:
					want = float64(float32(want))
				}
				if !sameFloat(want, got) {
					t.Fatalf("%v to %v: element %d = %v, want %v", from, to, i, got, want)
				}
			}
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
