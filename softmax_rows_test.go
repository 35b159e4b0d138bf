package eager

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// softmaxRowF32Ref is softmaxRowF32 as it was written before the row kernels (scalar loops
// around kernels.ExpF32): the reference the new code must match bit for bit.
func softmaxRowF32Ref(o, row, t []float32) {
	m := math.Inf(-1)
	for _, v := range row {
		if f := float64(v); f > m || f != f {
			m = f
		}
	}
	if math.IsInf(m, -1) {
		m = 0
	}
	mf := float32(m) // exact: m is one of the row's values, or 0
	t = t[:len(row)]
	for j, v := range row {
		t[j] = v - mf
	}
	kernels.ExpF32(t, t)
	var s float64
	for _, x := range t {
		s += float64(x)
	}
	inv := 1 / s
	for j, x := range t {
		o[j] = float32(float64(x) * inv)
	}
}

// softmaxGradRowsRef is softmaxGradRows as it was written before (scalar last loop).
func softmaxGradRowsRef[T float32 | float64](dst, g, y []T, inner int) {
	rows := len(y) / inner
	parallel.For(rows, max(1, softmaxRowGrain/inner), func(lo, hi int) {
		p := make([]T, inner)
		for r := lo; r < hi; r++ {
			gs, ys, ds := g[r*inner:(r+1)*inner], y[r*inner:(r+1)*inner], dst[r*inner:(r+1)*inner]
			kernels.Mul(p, gs, ys)
			s := kernels.Sum(p)
			for j, gv := range gs {
				ds[j] = ys[j] * (gv - s)
			}
		}
	})
}

// softmaxRowsRef is the float32 path of softmaxRows as it was written before.
func softmaxRowsRef(dst, src []float32, inner int) {
	rows := len(src) / inner
	parallel.For(rows, max(1, softmaxRowGrain/inner), func(lo, hi int) {
		t := make([]float32, inner)
		for r := lo; r < hi; r++ {
			softmaxRowF32Ref(dst[r*inner:(r+1)*inner], src[r*inner:(r+1)*inner], t)
		}
	})
}

// softmaxTestRows returns rows of inner values: random logits over a wide range with some
// masked (-Inf) entries, and now and then a row fully masked, of zeros of both signs, or
// holding a NaN or +Inf.
func softmaxTestRows(r *rand.Rand, rows, inner int) []float32 {
	x := make([]float32, rows*inner)
	for i := range rows {
		row := x[i*inner : (i+1)*inner]
		kind := r.IntN(12)
		for j := range row {
			v := float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(4)-1)))
			switch {
			case kind == 0:
				v = float32(math.Inf(-1))
			case kind == 1:
				v = float32(math.Copysign(0, float64(r.IntN(2))-0.5))
			case kind == 2 && j == inner/2:
				v = float32(math.NaN())
			case kind == 3 && j == inner/3:
				v = float32(math.Inf(1))
			case r.IntN(5) == 0:
				v = float32(math.Inf(-1))
			}
			row[j] = v
		}
	}
	return x
}

func sameBitsF32(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d = %v (%#x), want %v (%#x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// TestSoftmaxRowsMatchScalar compares float32 Softmax rows (four at a time, vector kernels)
// with the scalar loops they replaced, bit for bit.
func TestSoftmaxRowsMatchScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, inner := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 64, 65, 130} {
		for _, rows := range []int{1, 3, 4, 5, 8, 9, 13} {
			x := softmaxTestRows(r, rows, inner)
			got, want := make([]float32, len(x)), make([]float32, len(x))
			softmaxRows(got, x, inner, false)
			softmaxRowsRef(want, x, inner)
			sameBitsF32(t, fmt.Sprintf("softmax %dx%d", rows, inner), got, want)

			g, y := softmaxTestRows(r, rows, inner), got
			for i, v := range g {
				if v != v || math.IsInf(float64(v), 0) {
					g[i] = 0.5
				}
			}
			dg, dw := make([]float32, len(x)), make([]float32, len(x))
			softmaxGradRows(dg, g, y, inner)
			softmaxGradRowsRef(dw, g, y, inner)
			sameBitsF32(t, fmt.Sprintf("softmax grad %dx%d", rows, inner), dg, dw)
		}
	}
}

// BenchmarkSoftmaxRows times float32 Softmax and its gradient on the transformer's attention
// scores (32*4*64 rows of 64), new and old.
func BenchmarkSoftmaxRows(b *testing.B) {
	const rows, inner = 32 * 4 * 64, 64
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, rows*inner)
	g := make([]float32, rows*inner)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
		if i%inner > (i/inner)%inner { // causal mask
			x[i] = float32(math.Inf(-1))
		}
		g[i] = float32(r.NormFloat64())
	}
	y, d := make([]float32, len(x)), make([]float32, len(x))
	b.Run("forward/new", func(b *testing.B) {
		for b.Loop() {
			softmaxRows(y, x, inner, false)
		}
	})
	b.Run("forward/old", func(b *testing.B) {
		for b.Loop() {
			softmaxRowsRef(y, x, inner)
		}
	})
	b.Run("backward/new", func(b *testing.B) {
		for b.Loop() {
			softmaxGradRows(d, g, y, inner)
		}
	})
	b.Run("backward/old", func(b *testing.B) {
		for b.Loop() {
			softmaxGradRowsRef(d, g, y, inner)
		}
	})
}
