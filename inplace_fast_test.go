package eager

import (
	"strings"
	"testing"
)

// TestInPlaceFastPaths checks the contiguous fast paths of the in-place ops used by
// optimizers against their general (strided) paths, per dtype.
func TestInPlaceFastPaths(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			mk := func(vals ...float64) *Tensor { return FromSlice(vals, 2, 3).To(dt) }
			a := mk(1, -2, 3, 4, 5, -6)
			b := mk(0.5, 2, -1, 4, 0.25, 3)
			ops := []struct {
				name string
				fn   func(x *Tensor, a, b *Tensor) *Tensor
			}{
				{"Addcmul", func(x, a, b *Tensor) *Tensor { return x.AddcmulInPlace(a, b, -0.3) }},
				{"Addcdiv", func(x, a, b *Tensor) *Tensor { return x.AddcdivInPlace(a, b, 0.7) }},
				{"MulScalar", func(x, a, b *Tensor) *Tensor { return x.MulScalarInPlace(0.9) }},
				{"AddScalar", func(x, a, b *Tensor) *Tensor { return x.AddScalarInPlace(-1.5) }},
				{"DivScalar", func(x, a, b *Tensor) *Tensor { return x.DivScalarInPlace(3) }},
			}
			for _, op := range ops {
				fast := mk(1, 2, 3, 4, 5, 6)
				v := fast.Version()
				op.fn(fast, a, b)
				if fast.Version() == v {
					t.Errorf("%s: version not bumped", op.name)
				}
				// the same values through transposed (non-contiguous) views
				slow := mk(1, 4, 2, 5, 3, 6).Reshape(3, 2).Transpose(0, 1)
				op.fn(slow, a.T().Contiguous().T(), b.T().Contiguous().T())
				fv, sv := fast.Float64s(), slow.Float64s()
				for i := range fv {
					if d := fv[i] - sv[i]; d > 1e-6 || d < -1e-6 {
						t.Fatalf("%s: fast path %v, general path %v", op.name, fv, sv)
					}
				}
			}
			p := mk(1, 2, 3, 4, 5, 6).SetRequiresGrad(true)
			err := Try(func() { p.AddcmulInPlace(a, b, 1) })
			if err == nil || !strings.Contains(err.Error(), "requires grad") {
				t.Fatalf("in-place op on a tensor requiring grad: got %v", err)
			}
		})
	}
}
