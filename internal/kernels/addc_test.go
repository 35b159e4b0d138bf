package kernels

import "testing"

func TestAddcmulAddcdiv(t *testing.T) {
	for n := 0; n < 40; n++ {
		dst := make([]float32, n+1) // one guard element past the end
		a := make([]float32, n)
		b := make([]float32, n)
		for i := range a {
			dst[i], a[i], b[i] = float32(i)-3, float32(i%7)-2.5, float32(i%5)+0.5
		}
		dst[n] = 42
		want := append([]float32(nil), dst...)
		for i := 0; i < n; i++ {
			want[i] += float32(0.25) * a[i] * b[i]
		}
		Addcmul(dst[:n], 0.25, a, b)
		for i := range want {
			if dst[i] != want[i] {
				t.Fatalf("Addcmul n=%d: dst[%d] = %v, want %v", n, i, dst[i], want[i])
			}
		}
		for i := 0; i < n; i++ {
			want[i] += float32(-1.5) * a[i] / b[i]
		}
		Addcdiv(dst[:n], -1.5, a, b)
		for i := range want {
			if dst[i] != want[i] {
				t.Fatalf("Addcdiv n=%d: dst[%d] = %v, want %v", n, i, dst[i], want[i])
			}
		}
	}
	// aliasing: dst is also an operand (x += x*x)
	x := []float64{1, 2, 3}
	Addcmul(x, 1, x, x)
	if x[0] != 2 || x[1] != 6 || x[2] != 12 {
		t.Fatalf("aliased Addcmul = %v", x)
	}
}
