package eager

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/eagerml/eager/internal/parallel"
)

// gatherRef is copyContiguous's definition: element by element, each read at the view's
// offset plus its index times its strides.
func gatherRef[T any](src []T, off int, shape, strides []int) []T {
	n := numel(shape)
	out := make([]T, n)
	idx := make([]int, len(shape))
	for o := 0; o < n; o++ {
		rem, pos := o, off
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d] = rem % shape[d]
			rem /= shape[d]
			pos += idx[d] * strides[d]
		}
		out[o] = src[pos]
	}
	return out
}

func checkGather[T comparable](t *testing.T, name string, x *Tensor, src []T, got []T) {
	t.Helper()
	want := gatherRef(src, x.offset, x.shape, x.strides())
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", name, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s (shape %v strides %v offset %d): element %d = %v, want %v", name, x.shape, x.strides(), x.offset, i, got[i], want[i])
		}
	}
}

// TestContiguousStridedViews copies views whose last dim is not stored with unit stride
// (transposes, permutations that move the last dim, with slices, expanded and size-1 dims),
// which take the transposing copy, and others, which do not, in every dtype, on one and two
// workers, and compares each element with the view's definition.
func TestContiguousStridedViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	type view struct {
		name string
		make func(x *Tensor) *Tensor
	}
	views := func(a, b, c int) []view {
		return []view{
			{"T", func(x *Tensor) *Tensor { return x.Reshape(a*b, c).T() }},
			{"Permute(2,1,0)", func(x *Tensor) *Tensor { return x.Permute(2, 1, 0) }},
			{"Permute(0,2,1)", func(x *Tensor) *Tensor { return x.Permute(0, 2, 1) }},
			{"Permute(2,0,1)", func(x *Tensor) *Tensor { return x.Permute(2, 0, 1) }},
			{"Permute(1,2,0)", func(x *Tensor) *Tensor { return x.Permute(1, 2, 0) }},
			{"Permute(1,0,2)", func(x *Tensor) *Tensor { return x.Permute(1, 0, 2) }},
			{"sliced T", func(x *Tensor) *Tensor { return x.Narrow(0, a/3, a-a/3).Permute(0, 2, 1).Slice(1, 1, c, 2) }},
			{"unsqueezed expanded T", func(x *Tensor) *Tensor {
				return x.Narrow(0, 0, 1).Permute(0, 2, 1).Unsqueeze(1).Expand(1, 3, c, b)
			}},
			{"expanded last", func(x *Tensor) *Tensor {
				return x.Narrow(1, 0, 1).Permute(0, 2, 1).Expand(a, c, 5)
			}},
		}
	}
	shapes := [][3]int{{2, 3, 4}, {3, 9, 17}, {2, 64, 33}, {1, 128, 130}, {4, 40, 300}, {1, 512, 256}}
	for _, workers := range []int{1, 2} {
		prev := parallel.SetMaxWorkers(workers)
		for _, s := range shapes {
			a, b, c := s[0], s[1], s[2]
			n := a * b * c
			f32 := make([]float32, n)
			f64 := make([]float64, n)
			i64 := make([]int64, n)
			bl := make([]bool, n)
			for i := range f32 {
				f32[i] = rng.Float32()
				f64[i] = rng.Float64()
				i64[i] = rng.Int64()
				bl[i] = rng.IntN(2) == 0
			}
			for _, v := range views(a, b, c) {
				name := fmt.Sprintf("%s of %v, %d workers", v.name, s, workers)
				x := v.make(FromSlice(f32, a, b, c))
				checkGather(t, name+" float32", x, x.st.f32(), x.Contiguous().f32())
				x = v.make(FromSlice(f64, a, b, c))
				checkGather(t, name+" float64", x, x.st.f64(), x.Contiguous().f64())
				x = v.make(FromSlice(i64, a, b, c))
				checkGather(t, name+" int64", x, x.st.i64(), x.Contiguous().i64())
				x = v.make(FromSlice(bl, a, b, c))
				checkGather(t, name+" bool", x, x.st.b(), x.Contiguous().bools())
			}
		}
		parallel.SetMaxWorkers(prev)
	}
}

// TestBinaryTransposedOperands computes the vector-kernel binary ops (Add, Sub, Mul, Div, and
// their in-place forms) on transposed operands, which runBinary copies with the transposing
// copy first, large enough for that, and compares every element with the op on the view's
// elements in Go arithmetic (exactly rounded, as the kernels are).
func TestBinaryTransposedOperands(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ops := []struct {
		name string
		op   func(a, b *Tensor) *Tensor
		f32  func(x, y float32) float32
		f64  func(x, y float64) float64
	}{
		{"Add", (*Tensor).Add, func(x, y float32) float32 { return x + y }, func(x, y float64) float64 { return x + y }},
		{"Sub", (*Tensor).Sub, func(x, y float32) float32 { return x - y }, func(x, y float64) float64 { return x - y }},
		{"Mul", (*Tensor).Mul, func(x, y float32) float32 { return x * y }, func(x, y float64) float64 { return x * y }},
		{"Div", (*Tensor).Div, func(x, y float32) float32 { return x / y }, func(x, y float64) float64 { return x / y }},
		{"SubInPlace", func(a, b *Tensor) *Tensor { return a.Clone().SubInPlace(b) },
			func(x, y float32) float32 { return x - y }, func(x, y float64) float64 { return x - y }},
	}
	const r, c = 96, 130 // 12,480 elements, above minGatherOperand
	type pair struct {
		name string
		a, b func(dt DType) *Tensor
	}
	rand := func(dt DType, shape ...int) *Tensor {
		v := make([]float64, numel(shape))
		for i := range v {
			v[i] = rng.Float64()*4 - 2
		}
		return FromSlice(v, shape...).To(dt)
	}
	pairs := []pair{
		{"aᵀ, b", func(dt DType) *Tensor { return rand(dt, c, r).T() }, func(dt DType) *Tensor { return rand(dt, r, c) }},
		{"a, bᵀ", func(dt DType) *Tensor { return rand(dt, r, c) }, func(dt DType) *Tensor { return rand(dt, c, r).T() }},
		{"aᵀ, bᵀ", func(dt DType) *Tensor { return rand(dt, c, r).T() }, func(dt DType) *Tensor { return rand(dt, c, r).T() }},
		{"aᵀ, row", func(dt DType) *Tensor { return rand(dt, c, r).T() }, func(dt DType) *Tensor { return rand(dt, c) }},
		{"aᵀ, scalar", func(dt DType) *Tensor { return rand(dt, c, r).T() }, func(dt DType) *Tensor { return rand(dt) }},
		{"permuted 3-d", func(dt DType) *Tensor { return rand(dt, 4, c, 24).Permute(0, 2, 1) }, func(dt DType) *Tensor { return rand(dt, 4, 24, c) }},
		{"aᵀ, bᵀ expanded", func(dt DType) *Tensor { return rand(dt, c, r).T() }, func(dt DType) *Tensor {
			return rand(dt, c, 1).Expand(c, r).T()
		}},
		{"a, bᵀ repeated", func(dt DType) *Tensor { return rand(dt, 2, r, c) }, func(dt DType) *Tensor {
			return rand(dt, c, r).T().Unsqueeze(0).Expand(2, r, c)
		}},
	}
	for _, op := range ops {
		for _, p := range pairs {
			for _, dt := range []DType{Float32, Float64} {
				a, b := p.a(dt), p.b(dt)
				got := op.op(a, b)
				if SharesStorage(got, a) || SharesStorage(got, b) {
					t.Fatalf("%s %s: the output shares an operand's storage", op.name, p.name)
				}
				shape := broadcastShapes("test", a.shape, b.shape)
				if op.name == "SubInPlace" && !sameShape(shape, a.shape) {
					continue
				}
				ea := a.Expand(shape...)
				eb := b.Expand(shape...)
				name := fmt.Sprintf("%s %s %v", op.name, p.name, dt)
				if dt == Float32 {
					x, y := gatherRef(ea.st.f32(), ea.offset, ea.shape, ea.strides()), gatherRef(eb.st.f32(), eb.offset, eb.shape, eb.strides())
					want := make([]float32, len(x))
					for i := range want {
						want[i] = op.f32(x[i], y[i])
					}
					checkSame(t, name, got.Contiguous().f32(), want)
				} else {
					x, y := gatherRef(ea.st.f64(), ea.offset, ea.shape, ea.strides()), gatherRef(eb.st.f64(), eb.offset, eb.shape, eb.strides())
					want := make([]float64, len(x))
					for i := range want {
						want[i] = op.f64(x[i], y[i])
					}
					checkSame(t, name, got.Contiguous().f64(), want)
				}
			}
		}
	}
}

func checkSame[T comparable](t *testing.T, name string, got, want []T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", name, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: element %d = %v, want %v", name, i, got[i], want[i])
		}
	}
}

// TestUnaryTransposedInput runs unary ops on transposed views, which write their result over
// the private contiguous copy of the input, and compares values and input gradients with the
// same ops on a contiguous copy made first.
func TestUnaryTransposedInput(t *testing.T) {
	ops := map[string]func(x *Tensor) *Tensor{
		"ReLU": (*Tensor).ReLU, "Exp": (*Tensor).Exp, "Neg": (*Tensor).Neg, "Tanh": (*Tensor).Tanh,
		"GELU": (*Tensor).GELU, "Sigmoid": (*Tensor).Sigmoid, "Erf": (*Tensor).Erf,
	}
	for name, op := range ops {
		for _, dt := range []DType{Float32, Float64} {
			base := RandnOf(dt, 70, 90)
			x := base.Detach().SetRequiresGrad(true)
			got := op(x.T())
			got.Sum().Backward()
			xc := base.Detach().SetRequiresGrad(true)
			want := op(xc.T().Contiguous())
			want.Sum().Backward()
			if dt == Float32 {
				checkSame(t, name+" float32", got.f32(), want.f32())
				checkSame(t, name+" float32 grad", x.Grad().Contiguous().f32(), xc.Grad().Contiguous().f32())
			} else {
				checkSame(t, name+" float64", got.f64(), want.f64())
				checkSame(t, name+" float64 grad", x.Grad().Contiguous().f64(), xc.Grad().Contiguous().f64())
			}
			if SharesStorage(got, base) {
				t.Fatalf("%s: the output shares the input's storage", name)
			}
		}
	}
}

// TestFlipLarge flips tensors large enough for the strided copy's merged, split rows (whose
// flipped views have negative strides), transposed views and every dtype, and checks every
// element against its definition: out[i] = x[n-1-i] along each flipped dim.
func TestFlipLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	const a, b, c = 3, 150, 97
	vals := make([]float64, a*b*c)
	for i := range vals {
		vals[i] = math.Round(rng.NormFloat64() * 100)
	}
	for _, workers := range []int{1, 2} {
		prev := parallel.SetMaxWorkers(workers)
		for _, dt := range []DType{Float32, Float64, Int64, Bool} {
			base := FromSlice(vals, a, b, c).To(dt)
			for _, v := range []struct {
				name string
				x    *Tensor
			}{{"contiguous", base}, {"permuted", base.Permute(2, 0, 1)}, {"sliced", base.Narrow(1, 3, 100)}} {
				for _, dims := range [][]int{{0}, {1}, {2}, {0, 2}, {-1, -2, -3}, nil} {
					got := v.x.Flip(dims...)
					ref := v.x.Contiguous()
					shape := ref.shape
					flipped := make([]bool, 3)
					for _, d := range normDims("test", dims, 3) {
						flipped[d] = true
					}
					for i := range got.Numel() {
						idx := []int{i / (shape[1] * shape[2]), i / shape[2] % shape[1], i % shape[2]}
						for d := range 3 {
							if flipped[d] {
								idx[d] = shape[d] - 1 - idx[d]
							}
						}
						want := ref.at((idx[0]*shape[1]+idx[1])*shape[2] + idx[2])
						if !sameFloat(got.at(i), want) {
							t.Fatalf("%v %s Flip(%v), %d workers: element %d = %v, want %v", dt, v.name, dims, workers, i, got.at(i), want)
						}
					}
				}
			}
		}
		parallel.SetMaxWorkers(prev)
	}
}
