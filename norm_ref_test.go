package eager

import (
	"fmt"
	"math"
	"testing"

	"github.com/eagerml/eager/internal/parallel"
)

// The LayerNorm and BatchNorm kernels as they were written before the row kernels of
// internal/kernels (scalar float64 loops): the reference the new code must match bit for bit.

func normKernelRef[T float32 | float64](y, x, w, b []T, st *normState) {
	outer, groups, inner, perGroup := st.outer, st.groups, st.inner, st.perGroup
	per := outer * inner
	grain := max(1, (1<<15)/max(per, 1))
	parallel.For(groups, grain, func(lo, hi int) {
		for g := lo; g < hi; g++ {
			var sum float64
			for o := 0; o < outer; o++ {
				sum += sum64Ref(x[(o*groups+g)*inner : (o*groups+g+1)*inner])
			}
			m := sum / float64(per)
			var ss float64
			for o := 0; o < outer; o++ {
				ss += sqDev64Ref(x[(o*groups+g)*inner:(o*groups+g+1)*inner], m)
			}
			vr := ss / float64(per)
			r := 1 / math.Sqrt(vr+st.eps)
			st.mean[g], st.variance[g], st.rstd[g] = m, vr, r
			wg, bg := 1.0, 0.0
			if perGroup && w != nil {
				wg = float64(w[g])
			}
			if perGroup && b != nil {
				bg = float64(b[g])
			}
			for o := 0; o < outer; o++ {
				base := (o*groups + g) * inner
				xs, ys := x[base:base+inner], y[base:base+inner]
				switch {
				case perGroup || (w == nil && b == nil):
					for i, v := range xs {
						ys[i] = T((float64(v)-m)*r*wg + bg)
					}
				case b == nil:
					for i, v := range xs {
						ys[i] = T((float64(v) - m) * r * float64(w[i]))
					}
				case w == nil:
					for i, v := range xs {
						ys[i] = T((float64(v)-m)*r + float64(b[i]))
					}
				default:
					for i, v := range xs {
						ys[i] = T((float64(v)-m)*r*float64(w[i]) + float64(b[i]))
					}
				}
			}
		}
	})
}

func normGradKernelRef[T float32 | float64](gx, gw, gb, g, x, w []T, st *normState) {
	outer, groups, inner, perGroup := st.outer, st.groups, st.inner, st.perGroup
	var wi []T // weight indexed by inner position (LayerNorm)
	if !perGroup {
		wi = w
	}
	grain := max(1, (1<<14)/max(outer*inner, 1))
	if !perGroup && outer == 1 && gx != nil {
		parallel.For(groups, grain, func(lo, hi int) {
			for k := lo; k < hi; k++ {
				layerNormGradRowRef(gx[k*inner:(k+1)*inner], g[k*inner:(k+1)*inner], x[k*inner:(k+1)*inner], w, st.mean[k], st.rstd[k])
			}
		})
	} else {
		normGradGroups(gx, gw, gb, g, x, w, wi, st, grain)
	}
	if perGroup || (gw == nil && gb == nil) {
		return
	}
	normGradColumnsRef(gw, gb, g, x, st)
}

func layerNormGradRowRef[T float32 | float64](ds, gs, xs, w []T, m, r float64) {
	n := len(gs)
	xs = xs[:n]
	ds = ds[:n]
	var s0, s1, s2, s3, q0, q1, q2, q3 float64 // Σgh and Σgh*xhat, by lane
	i := 0
	for ; i+4 <= n; i += 4 {
		h0, h1, h2, h3 := ghAt(gs, w, i), ghAt(gs, w, i+1), ghAt(gs, w, i+2), ghAt(gs, w, i+3)
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
		h := ghAt(gs, w, i)
		s0 += h
		q0 += h * ((float64(xs[i]) - m) * r)
	}
	per := float64(n)
	a, c := ((s0+s1)+(s2+s3))/per, ((q0+q1)+(q2+q3))/per
	for i := range ds {
		ds[i] = T(r * (ghAt(gs, w, i) - a - (float64(xs[i])-m)*r*c))
	}
}

func normGradColumnsRef[T float32 | float64](gw, gb, g, x []T, st *normState) {
	groups, inner := st.groups, st.inner
	parallel.For(inner, max(1, (1<<14)/max(groups, 1)), func(lo, hi int) {
		accW := make([]float64, hi-lo)
		accB := make([]float64, hi-lo)
		for k := 0; k < groups; k++ {
			m, r := st.mean[k], st.rstd[k]
			gs, xs := g[k*inner+lo:k*inner+hi], x[k*inner+lo:k*inner+hi]
			for i, gv := range gs {
				gf := float64(gv)
				accW[i] += gf * (float64(xs[i]) - m) * r
				accB[i] += gf
			}
		}
		for i := range accW {
			if gw != nil {
				gw[lo+i] = T(accW[i])
			}
			if gb != nil {
				gb[lo+i] = T(accB[i])
			}
		}
	})
}

func sum64Ref[T float32 | float64](x []T) float64 {
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

func sqDev64Ref[T float32 | float64](x []T, m float64) float64 {
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

// TestNormKernelsMatchScalar runs the forward and gradient kernels and their scalar
// references on the same data and compares every output bit for bit.
func TestNormKernelsMatchScalar(t *testing.T) {
	ManualSeed(11)
	type tc struct {
		shape  []int
		ns     int // LayerNorm over the last ns dims; 0 for BatchNorm
		wb     bool
		needX  bool
		dtypes []DType
	}
	var cases []tc
	for _, inner := range []int{1, 3, 4, 5, 8, 17, 64, 128, 130} {
		for _, rows := range []int{1, 2, 7, 33} {
			for _, wb := range []bool{true, false} {
				cases = append(cases, tc{[]int{rows, inner}, 1, wb, true, nil}, tc{[]int{rows, inner}, 1, wb, false, nil})
			}
		}
	}
	cases = append(cases, tc{[]int{3, 4, 5}, 2, true, true, nil}, tc{[]int{4, 3, 5}, 0, true, true, nil}, tc{[]int{1, 37, 6}, 0, true, true, nil}, tc{[]int{6, 2, 3, 3}, 0, false, true, nil})
	for _, c := range cases {
		for _, dt := range []DType{Float32, Float64} {
			t.Run(fmt.Sprintf("%v/%v/ns%d/wb%v/x%v", dt, c.shape, c.ns, c.wb, c.needX), func(t *testing.T) {
				x := RandnOf(dt, c.shape...).MulScalar(3).AddScalar(50)
				var w, b *Tensor
				pshape := c.shape[len(c.shape)-c.ns:]
				if c.ns == 0 {
					pshape = c.shape[1:2]
				}
				if c.wb {
					w, b = RandnOf(dt, pshape...), RandnOf(dt, pshape...)
				}
				mk := func() *normState {
					if c.ns == 0 {
						return newBatchNormState(x, w, b, 1e-5)
					}
					return newLayerNormState(x, pshape, w, b, 1e-5)
				}
				s1, s2 := mk(), mk()
				y1 := s1.forward()
				y2 := newTensorUninit(dt, x.shape)
				s2.mean, s2.variance, s2.rstd = make([]float64, s2.groups), make([]float64, s2.groups), make([]float64, s2.groups)
				g := RandnOf(dt, c.shape...)
				var got, want [][]float64
				switch dt {
				case Float32:
					normKernelRef(y2.f32(), x.contig().f32(), paramData[float32](w), paramData[float32](b), s2)
					gx, gw, gb := refGrads[float32](s2, g, x, w, c.needX)
					want = [][]float64{gx, gw, gb}
				case Float64:
					normKernelRef(y2.f64(), x.contig().f64(), paramData[float64](w), paramData[float64](b), s2)
					gx, gw, gb := refGrads[float64](s2, g, x, w, c.needX)
					want = [][]float64{gx, gw, gb}
				}
				sameFloats(t, "output", y1.Float64s(), y2.Float64s())
				sameFloats(t, "mean", s1.mean, s2.mean)
				sameFloats(t, "variance", s1.variance, s2.variance)
				sameFloats(t, "rstd", s1.rstd, s2.rstd)
				for _, gt := range s1.gradKernel(g, c.needX, c.wb, c.wb) {
					if gt == nil {
						got = append(got, nil)
					} else {
						got = append(got, gt.Float64s())
					}
				}
				for k := range want {
					sameFloats(t, fmt.Sprintf("gradient %d", k), got[k], want[k])
				}
			})
		}
	}
}

// refGrads runs normGradKernelRef and returns its outputs as float64 (nil when not wanted).
func refGrads[T float32 | float64](s *normState, g, x, w *Tensor, needX bool) (gx, gw, gb []float64) {
	var dx, dw, db []T
	n := x.Numel()
	if needX {
		dx = make([]T, n)
	}
	if w != nil {
		dw, db = make([]T, w.Numel()), make([]T, w.Numel())
	}
	normGradKernelRef(dx, dw, db, data[T](g.contig().st), data[T](x.contig().st), paramData[T](w), s)
	conv := func(v []T) []float64 {
		if v == nil {
			return nil
		}
		out := make([]float64, len(v))
		for i, e := range v {
			out[i] = float64(e)
		}
		return out
	}
	return conv(dx), conv(dw), conv(db)
}

func sameFloats(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s element %d: %v, want %v", what, i, got[i], want[i])
		}
	}
}

// BenchmarkLayerNormKernels times the LayerNorm forward and gradient kernels on the
// transformer's [2048, 128] activations, new and old (the scalar references).
func BenchmarkLayerNormKernels(b *testing.B) {
	ManualSeed(1)
	x := Randn(2048, 128)
	w, bias, g := Randn(128), Randn(128), Randn(2048, 128)
	s := newLayerNormState(x, []int{128}, w, bias, 1e-5)
	s.forward()
	y := make([]float32, x.Numel())
	dx, dw, db := make([]float32, x.Numel()), make([]float32, 128), make([]float32, 128)
	b.Run("forward/new", func(b *testing.B) {
		for b.Loop() {
			normKernel(y, x.f32(), w.f32(), bias.f32(), s)
		}
	})
	b.Run("forward/old", func(b *testing.B) {
		for b.Loop() {
			normKernelRef(y, x.f32(), w.f32(), bias.f32(), s)
		}
	})
	b.Run("backward/new", func(b *testing.B) {
		for b.Loop() {
			normGradKernel(dx, dw, db, g.f32(), x.f32(), w.f32(), s)
		}
	})
	b.Run("backward/old", func(b *testing.B) {
		for b.Loop() {
			normGradKernelRef(dx, dw, db, g.f32(), x.f32(), w.f32(), s)
		}
	})
}
