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

// TestIndexCatCompareLarge checks IndexSelect, Embedding, Gather, Cat and the comparisons on
// tensors large enough for their fast paths (outputs written without clearing, vector loops,
// rows split across cores) against element-by-element definitions.
func TestIndexCatCompareLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const r, c = 300, 257
	vals := make([]float64, r*c)
	for i := range vals {
		vals[i] = math.Round(rng.NormFloat64()*4) / 2 // many ties for the comparisons
	}
	vals[5], vals[9] = math.NaN(), math.Inf(1)
	shuffled := append([]float64(nil), vals...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, dt := range []DType{Float32, Float64, Int64} {
		x := FromSlice(vals, r, c).To(dt)
		y := FromSlice(shuffled, r, c).To(dt)
		idx := make([]int64, 700)
		for i := range idx {
			idx[i] = int64(rng.IntN(r))
		}
		sel := x.IndexSelect(0, FromSlice(idx, len(idx)))
		emb := Embedding(FromSlice(idx, 7, 100), x, -1)
		for i, row := range idx {
			for j := 0; j < c; j++ {
				want := x.at(int(row)*c + j)
				if !sameFloat(sel.at(i*c+j), want) || !sameFloat(emb.at(i*c+j), want) {
					t.Fatalf("%v IndexSelect/Embedding row %d col %d", dt, i, j)
				}
			}
		}
		gidx := make([]int64, r*20)
		for i := range gidx {
			gidx[i] = int64(rng.IntN(c))
		}
		g := x.Gather(1, FromSlice(gidx, r, 20))
		for i := range r {
			for j := range 20 {
				if !sameFloat(g.at(i*20+j), x.at(i*c+int(gidx[i*20+j]))) {
					t.Fatalf("%v Gather at %d,%d", dt, i, j)
				}
			}
		}
		for d := range 2 {
			cat := Cat([]*Tensor{x, y, x.Narrow(d, 0, 3)}, d)
			parts := []*Tensor{x, y, x.Narrow(d, 0, 3)}
			off := 0
			for _, p := range parts {
				pc := p.Contiguous()
				for i := range p.shape[0] {
					for j := range p.shape[1] {
						ci, cj := i, j
						if d == 0 {
							ci += off
						} else {
							cj += off
						}
						if !sameFloat(cat.at(ci*cat.shape[1]+cj), pc.at(i*p.shape[1]+j)) {
							t.Fatalf("%v Cat dim %d at %d,%d", dt, d, ci, cj)
						}
					}
				}
				off += p.shape[d]
			}
		}
		cmps := map[string]struct {
			op func(a, b *Tensor) *Tensor
			f  func(a, b float64) bool
		}{
			"Eq": {(*Tensor).Eq, func(a, b float64) bool { return a == b }},
			"Ne": {(*Tensor).Ne, func(a, b float64) bool { return a != b }},
			"Lt": {(*Tensor).Lt, func(a, b float64) bool { return a < b }},
			"Le": {(*Tensor).Le, func(a, b float64) bool { return a <= b }},
			"Gt": {(*Tensor).Gt, func(a, b float64) bool { return a > b }},
			"Ge": {(*Tensor).Ge, func(a, b float64) bool { return a >= b }},
		}
		s := FromSlice([]float64{0.5}).To(dt)
		for name, cm := range cmps {
			for _, pair := range [][2]*Tensor{{x, y}, {x, s}, {s, y}, {x.T(), y.T()}, {x, y.Narrow(0, 0, 1)}} {
				a, b := pair[0], pair[1]
				got := cm.op(a, b)
				shape := broadcastShapes("test", a.shape, b.shape)
				ea, eb := a.Expand(shape...).Contiguous(), b.Expand(shape...).Contiguous()
				for i := range got.Numel() {
					if want := cm.f(ea.at(i), eb.at(i)); (got.at(i) != 0) != want {
						t.Fatalf("%v %s(%v, %v) element %d = %v, want %v", dt, name, a.shape, b.shape, i, got.at(i), want)
					}
				}
			}
		}
	}
}

// TestExtremeValueMatchesExtremeOf compares Max and Min's lane-wise extremeValue with the
// element-by-element extremeOf over rows of many lengths holding NaNs of different payloads,
// zeros of both signs, infinities and ties, and Max/Min over a large tensor (rows split
// across cores) with the rows' extremeOf.
func TestExtremeValueMatchesExtremeOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	pick := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), math.Float64frombits(0x7ff8000000000123), 1, -1}
	for trial := range 3000 {
		n := 1 + rng.IntN(70)
		row := make([]float64, n)
		for i := range row {
			if rng.IntN(4) == 0 || trial%3 == 0 {
				row[i] = pick[rng.IntN(len(pick))]
				if trial%3 == 0 && row[i] != row[i] {
					row[i] = 0
				}
			} else {
				row[i] = float64(rng.IntN(7) - 3)
			}
		}
		r32 := make([]float32, n)
		ri := make([]int64, n)
		for i, v := range row {
			r32[i], ri[i] = float32(v), int64(v)
		}
		for _, isMax := range []bool{true, false} {
			want, _ := extremeOf(row, isMax)
			if got := extremeValue(row, isMax); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("extremeValue(%v, max=%v) = %v, want %v", row, isMax, got, want)
			}
			want32, _ := extremeOf(r32, isMax)
			if got := extremeValue(r32, isMax); math.Float32bits(got) != math.Float32bits(want32) {
				t.Fatalf("extremeValue(%v, max=%v) float32 = %v, want %v", r32, isMax, got, want32)
			}
			wantI, _ := extremeOf(ri, isMax)
			if got := extremeValue(ri, isMax); got != wantI {
				t.Fatalf("extremeValue(%v, max=%v) int64 = %v, want %v", ri, isMax, got, wantI)
			}
		}
	}
	x := RandnOf(Float32, 700, 300)
	x.f32()[5*300+7] = float32(math.NaN())
	mx, mn := x.Max(1), x.Min(1)
	vmax, imax := x.MaxDim(1, false)
	amin := x.ArgMin(1)
	xs := x.f32()
	for i := range 700 {
		wmax, jmax := extremeOf(xs[i*300:(i+1)*300], true)
		wmin, jmin := extremeOf(xs[i*300:(i+1)*300], false)
		if !sameFloat(float64(mx.f32()[i]), float64(wmax)) || !sameFloat(float64(mn.f32()[i]), float64(wmin)) {
			t.Fatalf("row %d: Max %v Min %v, want %v %v", i, mx.f32()[i], mn.f32()[i], wmax, wmin)
		}
		if !sameFloat(float64(vmax.f32()[i]), float64(wmax)) || imax.i64()[i] != int64(jmax) || amin.i64()[i] != int64(jmin) {
			t.Fatalf("row %d: MaxDim %v at %d, ArgMin %d; want %v at %d, %d", i, vmax.f32()[i], imax.i64()[i], amin.i64()[i], wmax, jmax, jmin)
		}
	}
}

// TestWhereMatchesDefinition checks Where (branch-free selection on the elements' bits, rows
// and long rows split across cores) and MaskedFill against the element-by-element definition,
// with broadcast, transposed and scalar operands in every dtype.
func TestWhereMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	const r, c = 260, 300
	randT := func(dt DType, shape ...int) *Tensor {
		v := make([]float64, numel(shape))
		for i := range v {
			v[i] = math.Round(rng.NormFloat64() * 3)
		}
		if len(v) > 3 {
			v[1], v[2] = math.NaN(), math.Copysign(0, -1)
		}
		return FromSlice(v, shape...).To(dt)
	}
	for _, dt := range []DType{Float32, Float64, Int64, Bool} {
		cases := []struct {
			name    string
			cond    *Tensor
			x, y    *Tensor
			scalarY bool
		}{
			{"same shapes", randT(Float32, r, c).GtScalar(0), randT(dt, r, c), randT(dt, r, c), false},
			{"one long row", randT(Float32, r*c).GtScalar(0), randT(dt, r*c), randT(dt, r*c), false},
			{"broadcast", randT(Float32, r, 1).GtScalar(0), randT(dt, r, c), randT(dt, c), false},
			{"transposed", randT(Float32, c, r).GtScalar(0).T(), randT(dt, c, r).T(), randT(dt, r, c), false},
			{"scalar y", randT(Float32, r, c).GtScalar(0), randT(dt, r, c), randT(dt), true},
			{"small", randT(Float32, 3, 1).GtScalar(0), randT(dt, 1, 5), randT(dt, 3, 5), false},
		}
		for _, tc := range cases {
			got := Where(tc.cond, tc.x, tc.y)
			shape := got.shape
			ec, ex, ey := tc.cond.Expand(shape...).Contiguous(), tc.x.Expand(shape...).Contiguous(), tc.y.Expand(shape...).Contiguous()
			for i := range got.Numel() {
				want := ey.at(i)
				if ec.at(i) != 0 {
					want = ex.at(i)
				}
				if !sameFloat(got.at(i), want) {
					t.Fatalf("%v Where %s: element %d = %v, want %v", dt, tc.name, i, got.at(i), want)
				}
			}
			if dt == Float32 {
				mf := tc.y.Expand(shape...).MaskedFill(tc.cond, 7)
				for i := range mf.Numel() {
					want := ey.at(i)
					if ec.at(i) != 0 {
						want = 7
					}
					if !sameFloat(mf.at(i), want) {
						t.Fatalf("MaskedFill %s: element %d = %v, want %v", tc.name, i, mf.at(i), want)
					}
				}
			}
		}
	}
}
