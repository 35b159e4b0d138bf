package jit

import (
	"fmt"
	"github.com/eagerml/eager/internal/kernels"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// traced returns fn's graph as traced (no passes) on xs.
func traced(t *testing.T, fn func(xs ...*eager.Tensor) []*eager.Tensor, xs ...*eager.Tensor) *Graph {
	t.Helper()
	f := Compile(fn, WithPasses())
	f.Call(xs...)
	return f.Graph()
}

// runPass applies pass name to g, logs both graphs and checks the result still computes
// what eager does.
func runPass(t *testing.T, name string, g *Graph) *Graph {
	t.Helper()
	out := passTable[name](g, &config{tile: 2048})
	t.Logf("before %s:\n%s\nafter %s:\n%s", name, g, name, out)
	return out
}

// checkGraph runs g on xs and compares with fn.
func checkGraph(t *testing.T, g *Graph, fn func(xs ...*eager.Tensor) []*eager.Tensor, xs ...*eager.Tensor) {
	t.Helper()
	got := newPlan(g, &config{tile: 2048}).run(xs)
	want := fn(xs...)
	for i := range want {
		if err := sameNumbers(got[i], want[i]); err != nil {
			t.Fatalf("output %d: %v\n%s", i, err, g)
		}
	}
}

func TestPassDCE(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		_ = xs[0].Sin() // unused
		return []*eager.Tensor{xs[0].Exp()}
	}
	x := eager.Randn(3)
	g := traced(t, fn, x)
	after := runPass(t, "dce", g)
	if g.Count("Sin") != 1 || after.Count("Sin") != 0 || after.Count("Exp") != 1 {
		t.Fatal("DCE did not remove the unused Sin")
	}
	checkGraph(t, after, fn, x)
}

func TestPassDCEKeepsRandomDraws(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		_ = eager.Rand(3) // unused, but it advances the generator
		return []*eager.Tensor{xs[0].Add(eager.Rand(3))}
	}
	g := runPass(t, "dce", traced(t, fn, eager.Zeros(3)))
	if g.Count("Rand") != 2 {
		t.Fatalf("DCE removed a random draw:\n%s", g)
	}
}

func TestPassCSE(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		x, y := xs[0], xs[1]
		a := x.Mul(y).Add(x.Mul(y))
		return []*eager.Tensor{a.MulScalar(0.5).Add(a.MulScalar(0.5))}
	}
	x, y := eager.Randn(4), eager.Randn(4)
	g := traced(t, fn, x, y)
	after := runPass(t, "dce", runPass(t, "cse", g))
	if after.Count("Mul") != 2 || after.Count("Const") != 1 {
		t.Fatalf("CSE left %d Muls and %d Consts, want 2 and 1", after.Count("Mul"), after.Count("Const"))
	}
	checkGraph(t, after, fn, x, y)
}

func TestPassFold(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		c := eager.Full(2, 3).Mul(eager.Full(3, 3)).Exp() // computed from constants only
		return []*eager.Tensor{xs[0].Add(c)}
	}
	x := eager.Randn(3)
	g := traced(t, fn, x)
	after := runPass(t, "fold", g)
	if after.Count("Exp") != 0 || after.Count("Mul") != 0 || after.Count("Add") != 1 {
		t.Fatal("Fold did not fold the constant subexpression")
	}
	checkGraph(t, after, fn, x)
}

func TestPassSimplify(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		x := xs[0]
		y := x.MulScalar(1).DivScalar(1).SubScalar(0).AddScalar(0).Neg().Neg()
		y = y.T().T().Reshape(6).Reshape(3, 2).Reshape(2, 3)
		z := x.Permute(1, 0).Permute(1, 0).Mul(eager.Full(1, 2, 3)) // 1 broadcast: still x
		w := x.MulScalar(1).Reshape(1, 2, 3)                        // keeps its reshape
		return []*eager.Tensor{y, z, w}
	}
	x := eager.Randn(2, 3)
	g := traced(t, fn, x)
	after := runPass(t, "simplify", g)
	if after.Outputs[0] != 0 || after.Outputs[1] != 0 {
		t.Fatalf("outputs 0 and 1 should simplify to the input:\n%s", after)
	}
	if after.Count("View") != 1 || after.Count("Mul") != 0 || after.Count("Permute") != 0 {
		t.Fatalf("unexpected graph:\n%s", after)
	}
	checkGraph(t, after, fn, x)
	// x*1 with broadcasting or promotion is not the identity.
	fn2 := func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{xs[0].Mul(eager.Ones(4, 3))} }
	if g := runPass(t, "simplify", traced(t, fn2, eager.Randn(3))); g.Count("Mul") != 1 {
		t.Fatal("simplified a broadcasting x*1")
	}
}

// The gradient of a sum is a ones constant viewed and expanded to the summed shape; the
// product of the chain rule with it is the other factor itself.
func TestPassSimplifySeesConstantsThroughViews(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		one := eager.Full(1).Reshape(1, 1).Expand(2, 3)
		zero := eager.Zeros(3).Reshape(1, 3).Expand(2, 3)
		return []*eager.Tensor{one.Mul(xs[0]), xs[0].Add(zero), one.Mul(xs[1])}
	}
	x, y := eager.Randn(2, 3), eager.Randn(3) // y*1 broadcasts to [2 3]: not y
	after := runPass(t, "simplify", traced(t, fn, x, y))
	if after.Outputs[0] != 0 || after.Outputs[1] != 0 || after.Count("Mul") != 1 || after.Count("Add") != 0 {
		t.Fatalf("x*1 and x+0 through views should simplify to x, y*1 broadcast should stay:\n%s", after)
	}
	checkGraph(t, after, fn, x, y)
}

// A lone in-place update (an optimizer step on one tensor, a gradient accumulation) becomes
// a one-instruction fused loop that the memory plan writes straight into the tensor it
// updates, instead of an eager replay that copies the tensor, updates the copy and copies it
// back.
func TestLoneInPlaceUpdateRunsInto(t *testing.T) {
	p, q := eager.Randn(1000), eager.Randn(1000)
	want := p.Clone().AddInPlace(q)
	f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor {
		p.AddInPlace(xs[0])
		return nil
	})
	f.Call(q) // traces, and runs the graph
	if !slices.Equal(p.Float32s(), want.Float32s()) {
		t.Fatal("compiled update differs from eager")
	}
	g := f.Graph()
	if g.Count("Fused") != 1 || g.Count("AddInPlace") != 0 {
		t.Fatalf("the update should be one fused node:\n%s", g)
	}
	for _, n := range g.Nodes {
		if n.Op == "Fused" && n.Into < 0 {
			t.Fatalf("the fused update should be written into its tensor:\n%s", g)
		}
	}
}

func TestPassSumChains(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		s := xs[0]
		for _, x := range xs[1:5] {
			s = s.Add(x)
		}
		s = xs[5].Add(s) // x + chain continues the chain
		return []*eager.Tensor{s, xs[0].Add(xs[1])}
	}
	var xs []*eager.Tensor
	for i := 0; i < 6; i++ {
		xs = append(xs, eager.Randn(3, 4))
	}
	xs[2] = eager.Randn(4) // broadcasting term
	g := traced(t, fn, xs...)
	after := runPass(t, "sumchain", g)
	if after.Count("SumN") != 1 || after.Count("Add") != 1 {
		t.Fatalf("want one SumN and the separate Add:\n%s", after)
	}
	for _, n := range after.Nodes {
		if n.Op == "SumN" && len(n.Args) != 6 {
			t.Fatalf("SumN has %d terms, want 6", len(n.Args))
		}
	}
	checkGraph(t, after, fn, xs...)
}

func TestPassFuseElementwise(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		x, w, b := xs[0], xs[1], xs[2]
		return []*eager.Tensor{x.Mul(w).Add(b).ReLU().MulScalar(0.5).Add(x)}
	}
	xs := []*eager.Tensor{eager.Randn(64, 100), eager.Randn(64, 100), eager.Randn(100)}
	after := runPass(t, "fuse", traced(t, fn, xs...))
	if after.Count("Fused") != 1 || len(after.Nodes) != 5 {
		t.Fatalf("want one Fused node over 3 inputs and a constant-free program:\n%s", after)
	}
	checkGraph(t, after, fn, xs...)
	checkGraph(t, PlanMemory(after), fn, xs...)
}

func TestPassFuseReductionEpilogue(t *testing.T) {
	layerNorm := func(xs ...*eager.Tensor) []*eager.Tensor {
		x := xs[0]
		m := x.MeanKeepDim(-1)
		d := x.Sub(m)
		v := d.Mul(d).MeanKeepDim(-1)
		return []*eager.Tensor{d.Div(v.AddScalar(1e-5).Sqrt()).Mul(xs[1]).Add(xs[2])}
	}
	xs := []*eager.Tensor{eager.Randn(33, 700), eager.Randn(700), eager.Randn(700)}
	g := runPass(t, "fuse", runPass(t, "fold", traced(t, layerNorm, xs...)))
	if g.Count("Fused") != 1 || g.Count("Sum") != 0 || !strings.Contains(g.String(), "rows of 700") {
		t.Fatalf("layer norm is not one fused loop over rows:\n%s", g)
	}
	checkGraph(t, g, layerNorm, xs...)
	for _, tile := range []int{64, 700, 5000} {
		got := newPlan(g, &config{tile: tile}).run(xs)
		if err := sameNumbers(got[0], layerNorm(xs...)[0]); err != nil {
			t.Fatalf("tile %d: %v", tile, err)
		}
	}
	mse := func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{xs[0].Sub(xs[1]).Square().Sum(-1)} }
	ys := []*eager.Tensor{eager.Randn(5, 9), eager.Randn(5, 9)}
	g = runPass(t, "fuse", traced(t, mse, ys...))
	if g.Count("Fused") != 1 || len(g.Nodes) != 3 {
		t.Fatalf("sum of squared errors is not one fused node:\n%s", g)
	}
	checkGraph(t, g, mse, ys...)
}

func TestPassGemmEpilogue(t *testing.T) {
	w, b := eager.Randn(16, 4), eager.Randn(16) // nn.Linear's layout: [out, in]
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		return []*eager.Tensor{nn.LinearFn(xs[0], w, b).GELU(), xs[0].MatMul(w.T()).Add(b)}
	}
	x := eager.Randn(2, 5, 4)
	g := runPass(t, "gemm", runPass(t, "dce", traced(t, fn, x)))
	if g.Count("Gemm") != 2 || g.Count("Bmm") != 0 || g.Count("GELU") != 0 {
		t.Fatalf("want two Gemm nodes with the epilogues folded in:\n%s", g)
	}
	checkGraph(t, g, fn, x)
}

// A transposed product (a weight gradient, xᵀ·g then transposed) is computed as gᵀ·x, with
// the same bits and no transpose left over it.
func TestPassGemmTransposedProduct(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		return []*eager.Tensor{xs[0].T().MatMul(xs[1]).T().MulScalar(2), eager.Bmm(xs[2], xs[3]).Transpose(1, 2).AddScalar(1)}
	}
	x, gr := eager.Randn(64, 37), eager.Randn(64, 23)
	a, b := eager.Randn(3, 9, 70), eager.Randn(3, 70, 5)
	g := runPass(t, "gemm", runPass(t, "dce", traced(t, fn, x, gr, a, b)))
	for _, n := range g.Nodes {
		if n.Op == "Permute" && g.Nodes[n.Args[0]].Op == "Gemm" {
			t.Fatalf("a transpose of a product is left:\n%s", g)
		}
	}
	checkGraph(t, g, fn, x, gr, a, b)
}

// A batched product read only permuted (attention's heads merged back into [N, L, E], a
// Permute then a copy in eager code) is computed straight into the permuted layout, and
// the copy is dropped, also for a permutation that moves the matrix dims in front (written
// as the transposed product); a product with another reader stays as traced, with its copy.
func TestPassGemmPermutedProduct(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		// Heads of [N, L, E] projections: [N, H, L, hd] views whose batch dims do not flatten.
		q := xs[0].Reshape(2, 7, 3, 5).Permute(0, 2, 1, 3)
		v := xs[1].Reshape(2, 5, 3, 4).Permute(0, 2, 1, 3)
		merged := q.MatMul(v).Permute(0, 2, 1, 3).Reshape(2, 7, 12) // back to [N, L, H*hd]
		other := q.MatMul(v)
		return []*eager.Tensor{merged.MulScalar(2), other.Permute(0, 2, 1, 3).Contiguous().AddScalar(1), other.Sum(),
			q.MatMul(v).Permute(3, 0, 1, 2).Contiguous().Neg()}
	}
	a, b := eager.Randn(2, 7, 15), eager.Randn(2, 5, 12)
	g := runPass(t, "gemm", runPass(t, "dce", traced(t, fn, a, b)))
	if g.Count("BmmPermuted") != 2 || g.Count("Bmm") != 1 || g.Count("Clone") != 1 {
		t.Fatalf("want two products computed permuted without their copies, the shared one left with its copy:\n%s", g)
	}
	checkGraph(t, g, fn, a, b)
}

func TestPassMemoryPlan(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		a := xs[0].Exp().Mul(xs[1]).Softmax(-1) // Softmax is not fused: it separates groups
		b := a.Tanh().Add(xs[1]).Softmax(-1)
		c := b.Sigmoid().Mul(xs[1]).Softmax(-1)
		return []*eager.Tensor{c.Neg().AddScalar(1)}
	}
	xs := []*eager.Tensor{eager.Randn(8, 32), eager.Randn(8, 32)}
	g := runPass(t, "memplan", runPass(t, "fuse", runPass(t, "fold", traced(t, fn, xs...))))
	if !strings.Contains(g.String(), "# memplan:") {
		t.Fatalf("no memory plan summary:\n%s", g)
	}
	checkGraph(t, g, fn, xs...)
	p := newPlan(g, &config{tile: 2048})
	for i := 0; i < 3; i++ { // buffers are reused across calls
		if err := sameNumbers(p.run(xs)[0], fn(xs...)[0]); err != nil {
			t.Fatal(err)
		}
	}
}

// Every fusible op, computed by a fused kernel, gives eager's bits, on values that include
// NaN, infinities, signed zeros, denormals and large magnitudes.
func TestFusedOpsMatchEager(t *testing.T) {
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e-40, -1e-40, 5e-324,
		1e-8, 0.5, -0.5, 1, -1, 2.5, -3, 20, -20, 30, 88, -88, 100, 1e30, -1e30, 1e300, 0.044715, 3.14159}
	for _, dt := range []eager.DType{eager.Float32, eager.Float64} {
		vals := eager.FromSlice(special).To(dt)
		ones := eager.OnesOf(dt, len(special))
		check := func(name string, fn func(xs ...*eager.Tensor) []*eager.Tensor, xs ...*eager.Tensor) {
			t.Helper()
			f := Compile(fn)
			f.Call(xs...) // the trace
			if f.Graph().Count("Fused") == 0 {
				t.Fatalf("%s %v: not fused:\n%s", name, dt, f.Graph())
			}
			got := f.Call(xs...) // the replay, not the trace
			want := fn(xs...)
			for i := range want {
				g, w := got[i].Float64s(), want[i].Float64s()
				for j := range g {
					if math.Float64bits(g[j]) != math.Float64bits(w[j]) && !(math.IsNaN(g[j]) && math.IsNaN(w[j])) {
						t.Fatalf("%s %v at %v: got %v, want %v", name, dt, special[j%len(special)], g[j], w[j])
					}
				}
			}
		}
		for name := range unaryOps {
			name := name
			check(name, func(xs ...*eager.Tensor) []*eager.Tensor {
				var y *eager.Tensor
				switch name {
				case "LeakyReLU":
					y = xs[0].LeakyReLU(0.1)
				case "Softplus":
					y = xs[0].Softplus(2, 10)
				case "Clamp":
					y = xs[0].Clamp(-2.5, 0.7)
				default:
					y = replayTable[name]([]*eager.Tensor{xs[0]}, nil)
				}
				return []*eager.Tensor{y.Mul(xs[1])}
			}, vals, ones)
		}
		// Binary ops on every pair of special values.
		n := len(special)
		a := vals.Reshape(n, 1).Expand(n, n).Contiguous()
		b := vals.Reshape(1, n).Expand(n, n).Contiguous()
		one := eager.OnesOf(dt, n, n)
		for name := range binaryOps {
			if strings.HasSuffix(name, "InPlace") {
				continue
			}
			name := name
			check(name, func(xs ...*eager.Tensor) []*eager.Tensor {
				return []*eager.Tensor{replayTable[name](xs[:2], nil).Mul(xs[2])}
			}, a, b, one)
		}
		check("Where/Gt/To", func(xs ...*eager.Tensor) []*eager.Tensor {
			m := xs[0].Gt(xs[1])
			return []*eager.Tensor{eager.Where(m, xs[0], xs[1]).Add(m.To(xs[0].DType())), xs[0].Le(xs[1].Neg())}
		}, a, b)
		check("AddScaled", func(xs ...*eager.Tensor) []*eager.Tensor {
			c := xs[0].Mul(xs[2])
			eager.NoGrad(func() { c.AddScaledInPlace(xs[1], 0.3) })
			return []*eager.Tensor{c.Mul(xs[2])}
		}, a, b, one)
		for _, name := range []string{"AddcmulInPlace", "AddcdivInPlace"} {
			name := name
			// Operands dense (eager's one-kernel path), broadcast, and a transposed input
			// (both eager's slow path, which rounds differently).
			upd := func(c, x, y *eager.Tensor) {
				eager.NoGrad(func() {
					c.MulScalarInPlace(0.9).AddScalarInPlace(0.25).DivScalarInPlace(3)
					if name == "AddcmulInPlace" {
						c.AddcmulInPlace(x, y, 0.3)
					} else {
						c.AddcdivInPlace(x, y, -0.7)
					}
				})
			}
			check(name+"/dense", func(xs ...*eager.Tensor) []*eager.Tensor {
				c := xs[0].Mul(xs[2])
				upd(c, xs[1].Exp(), xs[0].AddScalar(0.5))
				return []*eager.Tensor{c.Mul(xs[2])}
			}, a, b, one)
			check(name+"/broadcast", func(xs ...*eager.Tensor) []*eager.Tensor {
				c := xs[0].Mul(xs[2])
				upd(c, xs[1].Exp(), xs[3])
				return []*eager.Tensor{c.Mul(xs[2])}
			}, a, b, one, vals)
			check(name+"/transposed", func(xs ...*eager.Tensor) []*eager.Tensor {
				c := xs[0].Mul(xs[2])
				upd(c, xs[1], xs[1].AddScalar(0.5))
				return []*eager.Tensor{c.Mul(xs[2])}
			}, a, b.T(), one)
			r := eager.Randn(64, 64).To(dt)
			check(name+"/transposed-random", func(xs ...*eager.Tensor) []*eager.Tensor {
				c := xs[0].Mul(xs[2])
				upd(c, xs[1], xs[1].AddScalar(3))
				return []*eager.Tensor{c.Mul(xs[2])}
			}, r.Exp(), r.T(), eager.OnesOf(dt, 64, 64))
		}
		check("Sum/Amax/Amin", func(xs ...*eager.Tensor) []*eager.Tensor {
			y := xs[0].Mul(xs[1])
			return []*eager.Tensor{y.Sum(-1), y.MaxKeepDim(-1).Add(y), y.Min(-1)}
		}, a, b)
	}
}

// Fused unary ops run eager's slice kernels a tile at a time: the results must not depend on
// where the tiles start and end (vector kernels with scalar tails would).
func TestFusedUnaryTilesMatchEager(t *testing.T) {
	for _, dt := range []eager.DType{eager.Float32, eager.Float64} {
		x := eager.Randn(4099).MulScalar(4).To(dt)
		for _, name := range eagerUnary {
			fn := func(xs ...*eager.Tensor) []*eager.Tensor {
				return []*eager.Tensor{replayTable[name]([]*eager.Tensor{xs[0].AddScalar(0.25)}, nil).MulScalar(1)}
			}
			for _, tile := range []int{64, 100, 2048} {
				f := Compile(fn, WithTileSize(tile))
				f.Call(x)
				got, want := f.Call(x)[0].Float64s(), fn(x)[0].Float64s()
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
						t.Fatalf("%s %v tile %d at %d: got %v, want %v", name, dt, tile, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// Row values (a reduction and what is computed from it, including reads of row-shaped
// inputs) are computed once per row and broadcast back row by row: the same bits as eager,
// whatever the tile size.
func TestFusedRowValues(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		x, r, g := xs[0], xs[1], xs[2]
		m := x.MeanKeepDim(-1)
		c := x.Sub(m)
		v := c.Mul(c).MeanKeepDim(-1).Add(r.Abs()).AddScalar(1e-5).Sqrt()
		y := c.Div(v).Mul(g).Add(m.Exp())
		return []*eager.Tensor{y, v, y.Max(-1)}
	}
	for _, dt := range []eager.DType{eager.Float32, eager.Float64} {
		x, r, g := eager.Randn(37, 33).To(dt), eager.Randn(37, 1).To(dt), eager.Randn(33).To(dt)
		for _, tile := range []int{64, 200, 2048} {
			f := Compile(fn, WithTileSize(tile))
			f.Call(x, r, g)
			if f.Graph().Count("Fused") != 1 {
				t.Fatalf("want one fused loop:\n%s", f.Graph())
			}
			got, want := f.Call(x, r, g), fn(x, r, g)
			for i := range want {
				bitsEqual(t, fmt.Sprintf("%v tile %d output %d", dt, tile, i), got[i], want[i])
			}
		}
	}
}

// By default every call returns new tensors; WithStaticOutputs returns the same buffer,
// overwritten by the next call, with the right values each time.
func TestStaticOutputs(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		return []*eager.Tensor{xs[0].Mul(xs[1]).ReLU().AddScalar(1)}
	}
	a, b := eager.Randn(5000), eager.Randn(5000)
	for _, static := range []bool{false, true} {
		var opts []Option
		if static {
			opts = append(opts, WithStaticOutputs())
		}
		f := Compile(fn, opts...)
		f.Call(a, b)
		y1 := f.Call(a, b)[0]
		bitsEqual(t, "first", y1, fn(a, b)[0])
		keep := y1.Clone()
		y2 := f.Call(b, a.MulScalar(2))[0]
		bitsEqual(t, "second", y2, fn(b, a.MulScalar(2))[0])
		d1, _ := eager.StorageData[float32](y1)
		d2, _ := eager.StorageData[float32](y2)
		if same := &d1[0] == &d2[0]; same != static {
			t.Fatalf("static=%v: outputs share storage: %v", static, same)
		}
		if !static {
			bitsEqual(t, "first kept", y1, keep)
		}
	}
}

// A transpose of a squeezed transpose (how autograd hands back a weight's gradient) is a
// view of the product: no transpose is left and the values are eager's.
func TestPassSimplifyTransposeOfViewOfTranspose(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		y := eager.Bmm(xs[0], xs[1])                          // [1, 6, 9]
		z := y.Transpose(1, 2).Reshape(9, 6).T().MulScalar(3) // y viewed as [6, 9]
		w := y.Transpose(1, 2).Reshape(9, 6).MulScalar(2)     // a real transpose: kept
		return []*eager.Tensor{z, w}
	}
	a, b := eager.Randn(1, 6, 4), eager.Randn(1, 4, 9)
	g := runPass(t, "simplify", traced(t, fn, a, b))
	if c := g.Count("Permute"); c != 1 {
		t.Fatalf("want one Permute left (w's):\n%s", g)
	}
	checkGraph(t, g, fn, a, b)
}

// TestSumOfManyScalars checks the n-ary sum of 10,000 one-element tensors (the textbook
// case) against eager's left-to-right float32 additions, bit for bit, with terms whose
// magnitudes make the order and the per-step rounding matter: passed as arguments,
// captured, and mixed with a constant and a repeated term; after in-place updates of the
// terms and with other tensors of the same shapes.
func TestSumOfManyScalars(t *testing.T) {
	const n = 10000
	eager.ManualSeed(7)
	mk := func() []*eager.Tensor {
		xs := make([]*eager.Tensor, n)
		for i := range xs {
			// Values from 1e-4 to 1e8 and a negative zero first: no reordering or wider
			// accumulator gives eager's result.
			v := eager.Randn(1).MulScalar(math.Pow(10, float64(i%13)-4))
			if i == 0 {
				v = eager.FromSlice([]float32{float32(math.Copysign(0, -1))})
			}
			xs[i] = v
		}
		return xs
	}
	xs := mk()
	captured := Compile(func(...*eager.Tensor) []*eager.Tensor { return sumList(xs...) })
	mixed := func(ys ...*eager.Tensor) []*eager.Tensor {
		s := ys[0].Add(eager.Full(0.1, 1))
		for _, y := range ys[1:] {
			s = s.Add(y)
		}
		return []*eager.Tensor{s.Add(ys[5]).Add(xs[3])}
	}
	plain, mixedF := Compile(sumList), Compile(mixed)
	check := func(what string, ys []*eager.Tensor) {
		t.Helper()
		bitsEqual(t, what+": arguments", plain.Call(ys...)[0], sumList(ys...)[0])
		bitsEqual(t, what+": mixed", mixedF.Call(ys...)[0], mixed(ys...)[0])
		bitsEqual(t, what+": captured", captured.Call()[0], sumList(xs...)[0])
	}
	check("first call", xs)
	check("second call", xs)
	if g := plain.Graph(); g.Count("SumN") != 1 || g.Count("Add") != 0 || mixedF.Graph().Count("SumN") != 1 {
		t.Fatalf("want one SumN:\n%s", g)
	}
	eager.NoGrad(func() {
		for i, x := range xs {
			if i%3 == 0 {
				x.MulScalarInPlace(-3)
			}
		}
	})
	check("after in-place updates", xs)
	ys := mk()
	check("other tensors", ys)
	ys[17] = xs[17]
	check("one tensor swapped", ys)
	if s := plain.Stats(); s.Traces != 1 {
		t.Fatalf("retraced: %+v", s)
	}
}

// TestFusedProgramInPlaceSlots checks that elementwise instructions write over the operand
// they read last (one scratch tile for relu(x*w+b)*0.5+x), that a register an n-ary sum
// reads after its first write keeps its own slot, and that a fused loop allocates the
// same per call whatever its number of tiles (no allocation per tile).
func TestFusedProgramInPlaceSlots(t *testing.T) {
	xs := []*eager.Tensor{eager.Randn(3000), eager.Randn(3000), eager.Randn(3000)}
	f := Compile(fusedElementwise, WithStaticOutputs(), WithTileSize(64))
	bitsEqual(t, "first", f.Call(xs...)[0], fusedElementwise(xs...)[0])
	bitsEqual(t, "second", f.Call(xs...)[0], fusedElementwise(xs...)[0])
	var prog *Program
	for _, n := range f.Graph().Nodes {
		if n.Fused != nil {
			prog = n.Fused
		}
	}
	if prog == nil || prog.NSlots != 1 {
		t.Fatalf("want one fused program with one scratch slot:\n%s", f.Graph())
	}
	few := Compile(fusedElementwise, WithStaticOutputs(), WithTileSize(3000))
	few.Call(xs...)
	many, one := testing.AllocsPerRun(20, func() { f.Call(xs...) }), testing.AllocsPerRun(20, func() { few.Call(xs...) })
	if many > one+10 { // slack: sync.Pool drops items at random under the race detector
		t.Fatalf("%v allocations per call at 47 tiles, %v at one tile", many, one)
	}

	sum := func(ys ...*eager.Tensor) []*eager.Tensor {
		r := ys[0].Exp() // a register read as the first and third term
		return []*eager.Tensor{r.Add(ys[1]).Add(r).Add(ys[2]).MulScalar(2)}
	}
	g := Compile(sum, WithTileSize(64))
	g.Call(xs...)
	bitsEqual(t, "sum", g.Call(xs...)[0], sum(xs...)[0])
}

// TestLargeTiles checks fused loops whose tiles growTile enlarges (large iteration spaces)
// against eager bit for bit: elementwise, and with row values (a layer norm over rows of
// 1000, so that tiles hold whole rows of a length that does not divide them).
func TestLargeTiles(t *testing.T) {
	if got := kernels.GrowTile(2048, 4<<20, 20); got != 16384 {
		t.Fatalf("kernels.GrowTile(2048, 4M, 20 B) = %d, want 16384", got)
	}
	if got := kernels.GrowTile(2048, 40000, 20); got != 2048 {
		t.Fatalf("kernels.GrowTile(2048, 40000, 20 B) = %d, want 2048 (at least 16 tiles)", got)
	}
	eager.ManualSeed(3)
	xs := []*eager.Tensor{eager.Randn(1 << 20), eager.Randn(1 << 20), eager.Randn(1 << 20)}
	for _, opts := range [][]Option{nil, {WithStaticOutputs()}} {
		f := Compile(fusedElementwise, opts...)
		f.Call(xs...)
		bitsEqual(t, "elementwise", f.Call(xs...)[0], fusedElementwise(xs...)[0])
	}
	norm := func(ys ...*eager.Tensor) []*eager.Tensor {
		x := ys[0]
		c := x.Sub(x.Mean(1).Unsqueeze(1))
		v := c.Mul(c).Mean(1).Unsqueeze(1)
		return []*eager.Tensor{c.Div(v.AddScalar(1e-5).Sqrt()).Mul(ys[1]).Add(ys[1])}
	}
	a, w := eager.Randn(300, 1000), eager.Randn(1000)
	f := Compile(norm)
	f.Call(a, w)
	bitsEqual(t, "rows", f.Call(a, w)[0], norm(a, w)[0])
	rows := false
	for _, n := range f.Graph().Nodes {
		rows = rows || (n.Fused != nil && n.Fused.RowLen == 1000)
	}
	if !rows {
		t.Fatalf("no fused program over rows:\n%s", f.Graph())
	}
}

// TestStreamProgram checks the fused loop's fast path (elementwise Add, Sub, Mul, Div and
// unary ops over contiguous inputs) against eager, with a one-element input, immediates on
// either side, and the inputs it hands to the general loop (a broadcast row, which is
// gathered; a unary op of a one-element input).
func TestStreamProgram(t *testing.T) {
	fn := func(ys ...*eager.Tensor) []*eager.Tensor {
		x, w, s := ys[0], ys[1], ys[2]
		h := x.Mul(w).Sub(s).Tanh().MulScalar(0.25).Div(w.AddScalar(3))
		return []*eager.Tensor{h.Sub(s.Exp()).ReLU().Add(x)}
	}
	eager.ManualSeed(5)
	for _, c := range []struct {
		name string
		w    *eager.Tensor
	}{{"contiguous", eager.Randn(64, 300)}, {"broadcast row", eager.Randn(300)}} {
		x, s := eager.Randn(64, 300), eager.Randn(1)
		for _, opts := range [][]Option{nil, {WithTileSize(64)}, {WithStaticOutputs()}} {
			f := Compile(fn, opts...)
			f.Call(x, c.w, s)
			bitsEqual(t, c.name, f.Call(x, c.w, s)[0], fn(x, c.w, s)[0])
			if f.Graph().Count("Fused") == 0 {
				t.Fatalf("%s: nothing fused:\n%s", c.name, f.Graph())
			}
		}
	}
}

// An input gradient flowing back through a ReLU, g·Wᵀ masked where the ReLU's output is not
// positive, is one product with the mask as its epilogue, with eager's bits.
func TestPassGemmReLUBackwardEpilogue(t *testing.T) {
	for _, dt := range []eager.DType{eager.Float32, eager.Float64} {
		for _, shape := range [][]int{{37, 19}, {2, 5, 19}} {
			t.Run(fmt.Sprint(dt, shape), func(t *testing.T) {
				eager.ManualSeed(5)
				w1 := eager.Randn(19, 23).To(dt).Detach().SetRequiresGrad(true)
				w2 := eager.Randn(23, 7).To(dt).Detach().SetRequiresGrad(true)
				step := func(xs ...*eager.Tensor) []*eager.Tensor {
					w1.ZeroGrad()
					w2.ZeroGrad()
					xs[0].MatMul(w1).ReLU().MatMul(w2).Square().Sum().Backward()
					return []*eager.Tensor{w1.Grad().Clone(), w2.Grad().Clone()}
				}
				f := Compile(step)
				for it := 0; it < 3; it++ {
					x := eager.Randn(shape...).To(dt)
					want := step(x)
					got := f.Call(x)
					for i := range want {
						bitsEqual(t, fmt.Sprintf("call %d gradient %d", it, i), got[i], want[i])
					}
				}
				masked := 0
				for _, n := range f.Graph().Nodes {
					if n.Op == "Gemm" && attrOf(n.Attrs, "act") == "ReLUBackward" {
						masked++
					}
				}
				if len(shape) == 2 && masked != 1 {
					t.Fatalf("want one product with the ReLU mask as epilogue:\n%s", f.Graph())
				}
			})
		}
	}
}
