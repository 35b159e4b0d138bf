package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The reference loops: the normalisation code as it was written before these kernels.

func sum64Ref[T Float](x []T) float64 {
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a0 += float64(x[i])
		a1 += float64(x[i+1])
		a2 += float64(x[i+2])
		a3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		a0 += float64(x[i])
	}
	return (a0 + a1) + (a2 + a3)
}

func sqDev64Ref[T Float](x []T, m float64) float64 {
	var a0, a1, a2, a3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := float64(x[i])-m, float64(x[i+1])-m, float64(x[i+2])-m, float64(x[i+3])-m
		a0 += d0 * d0
		a1 += d1 * d1
		a2 += d2 * d2
		a3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - m
		a0 += d * d
	}
	return (a0 + a1) + (a2 + a3)
}

func layerNormGradRowRef[T Float](ds, gs, xs, w []T, m, r float64) {
	n := len(gs)
	var s0, s1, s2, s3, q0, q1, q2, q3 float64
	gh := func(i int) float64 { return float64(gs[i]) * float64(w[i]) }
	i := 0
	for ; i+4 <= n; i += 4 {
		h0, h1, h2, h3 := gh(i), gh(i+1), gh(i+2), gh(i+3)
		s0 += h0
		s1 += h1
		s2 += h2
		s3 += h3
		q0 += h0 * ((float64(xs[i]) - m) * r)
		q1 += h1 * ((float64(xs[i+1]) - m) * r)
		q2 += h2 * ((float64(xs[i+2]) - m) * r)
		q3 += h3 * ((float64(xs[i+3]) - m) * r)
	}
	for ; i < n; i++ {
		h := gh(i)
		s0 += h
		q0 += h * ((float64(xs[i]) - m) * r)
	}
	per := float64(n)
	a, c := ((s0+s1)+(s2+s3))/per, ((q0+q1)+(q2+q3))/per
	for i := range ds {
		ds[i] = T(r * (gh(i) - a - (float64(xs[i])-m)*r*c))
	}
}

// normValues returns n values with a common offset and a wide range of magnitudes.
func normValues(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	off := r.NormFloat64() * 100
	for i := range x {
		x[i] = float32(off + r.NormFloat64()*math.Pow(10, float64(r.IntN(20)-8)))
	}
	return x
}

func sameBits64(t *testing.T, what string, n int, got, want float64) {
	t.Helper()
	if math.Float64bits(got) != math.Float64bits(want) {
		t.Fatalf("%s n=%d: %v, want %v", what, n, got, want)
	}
}

func sameBits32(t *testing.T, what string, n int, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s n=%d: element %d = %v, want %v", what, n, i, got[i], want[i])
		}
	}
	for i := len(want); i < len(got); i++ {
		if got[i] != -7 {
			t.Fatalf("%s n=%d: wrote past the end (index %d)", what, n, i)
		}
	}
}

func guarded32(n int) []float32 {
	g := make([]float32, n+5)
	for i := range g {
		g[i] = -7
	}
	return g
}

func normSizes() []int {
	var s []int
	for n := range 40 {
		s = append(s, n)
	}
	return append(s, 63, 64, 65, 127, 128, 129, 130, 384, 1001)
}

func TestNormRowKernelsBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range normSizes() {
		for off := range 2 { // unaligned starts as well
			x, w, b, g := normValues(r, n+off)[off:], normValues(r, n+off)[off:], normValues(r, n+off)[off:], normValues(r, n+off)[off:]
			m, rs := sum64Ref(x)/float64(max(n, 1)), 1/math.Sqrt(1e-5+r.Float64())
			sameBits64(t, "SumLanes4", n, SumLanes4(x), sum64Ref(x))
			sameBits64(t, "SqDevLanes4", n, SqDevLanes4(x, m), sqDev64Ref(x, m))
			x64 := make([]float64, n)
			for i, v := range x {
				x64[i] = float64(v) * (1 + 1e-10)
			}
			sameBits64(t, "SumLanes4 float64", n, SumLanes4(x64), sum64Ref(x64))
			sameBits64(t, "SqDevLanes4 float64", n, SqDevLanes4(x64, m), sqDev64Ref(x64, m))

			y, want := guarded32(n), make([]float32, n)
			NormAffine(y[:n], x, w, b, m, rs)
			for i, v := range x {
				want[i] = float32((float64(v)-m)*rs*float64(w[i]) + float64(b[i]))
			}
			sameBits32(t, "NormAffine", n, y, want)

			sc := guarded32(n)
			ScaleF32(sc[:n], x, rs)
			for i, v := range x {
				want[i] = float32(float64(v) * rs)
			}
			sameBits32(t, "ScaleF32", n, sc, want)

			if n == 0 {
				continue
			}
			dx := guarded32(n)
			sgh, sghx := LayerNormGradSums(g, x, w, m, rs)
			LayerNormGradRow(dx[:n], g, x, w, m, rs, sgh/float64(n), sghx/float64(n))
			layerNormGradRowRef(want, g, x, w, m, rs)
			sameBits32(t, "LayerNormGradRow", n, dx, want)
		}
	}
}

func TestNormGradColsBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, w := range []int{0, 1, 3, 4, 5, 8, 15, 16, 17, 20, 31, 64, 65, 130} {
		for _, rows := range []int{0, 1, 2, 7, 33} {
			stride := w + r.IntN(3)
			n := max(0, (rows-1)*stride+w)
			g, x := normValues(r, n), normValues(r, n)
			mean, rstd := make([]float64, rows), make([]float64, rows)
			for k := range mean {
				mean[k], rstd[k] = r.NormFloat64()*100, 1/math.Sqrt(1e-5+r.Float64())
			}
			gw, gb := make([]float64, w+3), make([]float64, w+3)
			ww, wb := make([]float64, w+3), make([]float64, w+3)
			for j := range gw {
				gw[j], gb[j] = float64(j)*0.25, -float64(j)
				ww[j], wb[j] = gw[j], gb[j]
			}
			NormGradCols(gw[:w], gb[:w], g, x, stride, mean, rstd)
			for k := range mean {
				for j := range w {
					gf := float64(g[k*stride+j])
					ww[j] += gf * (float64(x[k*stride+j]) - mean[k]) * rstd[k]
					wb[j] += gf
				}
			}
			for j := range gw {
				sameBits64(t, "NormGradCols dw", w, gw[j], ww[j])
				sameBits64(t, "NormGradCols db", w, gb[j], wb[j])
			}
		}
	}
}

func TestMaxF32(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range normSizes() {
		for trial := range 6 {
			x := normValues(r, n)
			switch trial {
			case 1:
				for i := range x {
					x[i] = float32(math.Inf(-1))
				}
			case 2:
				if n > 0 {
					x[r.IntN(n)] = float32(math.NaN())
				}
			case 3:
				for i := range x {
					x[i] = float32(math.Copysign(0, float64(r.IntN(2))-0.5)) - float32(r.IntN(2))
				}
			case 4:
				if n > 0 {
					x[r.IntN(n)] = float32(math.Inf(1))
				}
			}
			want, wantNaN := float32(math.Inf(-1)), false
			for _, v := range x {
				if v != v {
					wantNaN = true
				}
				if v > want {
					want = v
				}
			}
			got, gotNaN := MaxF32(x)
			if gotNaN != wantNaN || !wantNaN && got != want {
				t.Fatalf("n=%d trial %d: %v %v, want %v %v", n, trial, got, gotNaN, want, wantNaN)
			}
		}
	}
}

func TestLanes4RowsBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 3, 4, 5, 8, 13, 64, 128, 130} {
		for _, rows := range []int{0, 1, 3, 4, 5, 8, 15, 16, 17, 21, 40} {
			stride := n + r.IntN(3)
			x := normValues(r, max(0, (rows-1)*stride+n))
			m := make([]float64, rows)
			for k := range m {
				m[k] = r.NormFloat64() * 100
			}
			sums, sqs := make([]float64, rows), make([]float64, rows)
			SumLanes4Rows(sums, x, stride, n)
			SqDevLanes4Rows(sqs, x, stride, n, m)
			for k := range rows {
				row := x[k*stride : k*stride+n]
				sameBits64(t, "SumLanes4Rows", n, sums[k], sum64Ref(row))
				sameBits64(t, "SqDevLanes4Rows", n, sqs[k], sqDev64Ref(row, m[k]))
			}
		}
	}
}
