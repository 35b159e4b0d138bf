package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func reluRef[T Float](dst, src []T) {
	for i, v := range src {
		if v > 0 || v != v {
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

func reluGradRef[T Float](dst, g, y []T) {
	for i, v := range y {
		var m T
		if v > 0 {
			m = 1
		}
		dst[i] = g[i] * m
	}
}

func reluSpecials[T Float]() []T {
	inf := math.Inf(1)
	return []T{0, T(math.Copysign(0, -1)), 1, -1, T(inf), T(-inf), T(math.NaN()), T(-math.NaN()),
		T(math.SmallestNonzeroFloat64), T(-math.SmallestNonzeroFloat32), T(math.SmallestNonzeroFloat32), T(math.MaxFloat32), T(-math.MaxFloat32)}
}

func bitsOf[T Float](v T) uint64 {
	if f, ok := any(v).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(float64(v))
}

func testReLU[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sp := reluSpecials[T]()
	for _, n := range []int{0, 1, 2, 7, 16, 33, 100, 1001} {
		for _, off := range []int{0, 1, 3} {
			t.Run(fmt.Sprintf("n%d/off%d", n, off), func(t *testing.T) {
				const guard = 4
				mk := func() []T {
					s := make([]T, off+n+guard)
					for i := range s {
						if rng.IntN(3) == 0 {
							s[i] = sp[rng.IntN(len(sp))]
						} else {
							s[i] = T(rng.NormFloat64())
						}
					}
					return s
				}
				src, g := mk(), mk()
				dst, want := make([]T, off+n+guard), make([]T, off+n+guard)
				for i := range dst {
					dst[i], want[i] = 42, 42
				}
				ReLU(dst[off:off+n], src[off:off+n])
				reluRef(want[off:off+n], src[off:off+n])
				for i := range dst {
					if bitsOf(dst[i]) != bitsOf(want[i]) {
						t.Fatalf("ReLU element %d (src %v): %v, want %v", i, src[i], dst[i], want[i])
					}
				}
				ReLUGradMul(dst[off:off+n], g[off:off+n], src[off:off+n])
				reluGradRef(want[off:off+n], g[off:off+n], src[off:off+n])
				for i := range dst {
					if bitsOf(dst[i]) != bitsOf(want[i]) {
						t.Fatalf("ReLUGradMul element %d (g %v, y %v): %v, want %v", i, g[i], src[i], dst[i], want[i])
					}
				}
			})
		}
	}
	// every special y against every special g
	for _, y := range sp {
		for _, gv := range sp {
			var got, want [1]T
			ReLUGradMul(got[:], []T{gv}, []T{y})
			reluGradRef(want[:], []T{gv}, []T{y})
			if bitsOf(got[0]) != bitsOf(want[0]) {
				t.Errorf("ReLUGradMul(g %v, y %v) = %v, want %v", gv, y, got[0], want[0])
			}
			ReLU(got[:], []T{y})
			reluRef(want[:], []T{y})
			if bitsOf(got[0]) != bitsOf(want[0]) {
				t.Errorf("ReLU(%v) = %v, want %v", y, got[0], want[0])
			}
		}
	}
}

func TestReLU(t *testing.T) {
	t.Run("f32", testReLU[float32])
	t.Run("f64", testReLU[float64])
}

func BenchmarkReLU(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 1 << 20
	src, g, dst := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range src {
		src[i], g[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	b.Run("f32/forward", func(b *testing.B) {
		b.SetBytes(int64(8 * n))
		for b.Loop() {
			ReLU(dst, src)
		}
	})
	b.Run("f32/forward-branchy", func(b *testing.B) {
		b.SetBytes(int64(8 * n))
		for b.Loop() {
			reluRef(dst, src)
		}
	})
	b.Run("f32/grad-branchy", func(b *testing.B) {
		b.SetBytes(int64(12 * n))
		for b.Loop() {
			reluGradRef(dst, g, src)
		}
	})
	b.Run("f32/grad", func(b *testing.B) {
		b.SetBytes(int64(12 * n))
		for b.Loop() {
			ReLUGradMul(dst, g, src)
		}
	})
}
