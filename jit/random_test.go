package jit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/eagerml/eager"
)

// Random programs: DAGs of elementwise, broadcasting, reduction, matmul and movement ops
// over random shapes, compiled and compared with eager on fresh inputs. Results must be
// equal as numbers (NaN equals NaN; -0 equals +0, the one difference Simplify's x+0 -> x
// allows); every pass keeps the per-element order of operations, so no tolerance is needed.

// step is one instruction of a random program: it appends a value to the pool.
type step struct {
	kind string
	a, b int     // pool indices
	k    int     // dim, or index of a captured tensor
	f    float64 // scalar parameter
	idx  []int   // more pool indices (sums), or a shape
}

type program struct {
	dt      eager.DType
	inputs  [][]int         // input shapes
	params  []*eager.Tensor // captured tensors
	steps   []step
	outputs []int
}

func (p *program) run(xs ...*eager.Tensor) []*eager.Tensor {
	pool := append([]*eager.Tensor(nil), xs...)
	for _, s := range p.steps {
		pool = append(pool, s.apply(p, pool))
	}
	outs := make([]*eager.Tensor, len(p.outputs))
	for i, o := range p.outputs {
		outs[i] = pool[o]
	}
	return outs
}

func (s step) apply(p *program, pool []*eager.Tensor) *eager.Tensor {
	a := pool[s.a]
	b := pool[s.b]
	switch s.kind {
	case "Add":
		return a.Add(b)
	case "Sub":
		return a.Sub(b)
	case "Mul":
		return a.Mul(b)
	case "Div":
		return a.Div(b)
	case "Maximum":
		return a.Maximum(b)
	case "Minimum":
		return a.Minimum(b)
	case "Pow":
		return a.Abs().Pow(b)
	case "AddScalar":
		return a.AddScalar(s.f)
	case "SubScalar":
		return a.SubScalar(s.f)
	case "MulScalar":
		return a.MulScalar(s.f)
	case "DivScalar":
		return a.DivScalar(s.f)
	case "Where":
		return eager.Where(a.Gt(b), a, b)
	case "ReluMask":
		return a.Mul(b.GtScalar(0).To(a.DType()))
	case "Sum":
		return a.SumKeepDim(s.k)
	case "SumDrop":
		return a.Sum(s.k)
	case "SumAll":
		return a.Sum()
	case "Mean":
		return a.MeanKeepDim(s.k)
	case "Max":
		return a.MaxKeepDim(s.k)
	case "Softmax":
		return a.Softmax(s.k)
	case "Transpose":
		return a.Transpose(0, -1)
	case "Flatten":
		return a.Reshape(-1)
	case "Reshape":
		return a.Reshape(s.idx...)
	case "Unsqueeze":
		return a.Unsqueeze(0)
	case "MatMul":
		return a.MatMul(p.params[s.k])
	case "Heads": // attention's pattern: [B, L, E] split into two heads, products, merged back
		sh := a.Shape()
		q := a.Reshape(sh[0], sh[1], 2, sh[2]/2).Permute(0, 2, 1, 3)
		return q.MatMul(q.Transpose(-2, -1)).Softmax(-1).MatMul(q).Permute(0, 2, 1, 3).Reshape(sh...)
	case "Linear":
		y := a.MatMul(p.params[s.k]).Add(p.params[s.k+1])
		if s.f > 0.5 {
			return y.ReLU()
		}
		return y.GELU()
	case "Param":
		return a.Mul(p.params[s.k])
	case "SumList":
		t := pool[s.idx[0]]
		for _, i := range s.idx[1:] {
			t = t.Add(pool[i])
		}
		return t
	case "LayerNorm":
		m := a.MeanKeepDim(-1)
		d := a.Sub(m)
		v := d.Mul(d).MeanKeepDim(-1)
		return d.Div(v.AddScalar(1e-5).Sqrt())
	case "LeakyReLU":
		return a.LeakyReLU(s.f)
	case "Clamp":
		return a.Clamp(-s.f, s.f)
	case "Softplus":
		return a.Softplus(1, 20)
	}
	u := map[string]func(*eager.Tensor) *eager.Tensor{
		"Exp": (*eager.Tensor).Exp, "Log": (*eager.Tensor).Log, "Tanh": (*eager.Tensor).Tanh,
		"Sigmoid": (*eager.Tensor).Sigmoid, "ReLU": (*eager.Tensor).ReLU, "Neg": (*eager.Tensor).Neg,
		"Abs": (*eager.Tensor).Abs, "Sqrt": (*eager.Tensor).Sqrt, "GELU": (*eager.Tensor).GELU,
		"SiLU": (*eager.Tensor).SiLU, "Sin": (*eager.Tensor).Sin, "Erf": (*eager.Tensor).Erf,
		"GELUTanh": (*eager.Tensor).GELUTanh, "Rsqrt": (*eager.Tensor).Rsqrt, "Sign": (*eager.Tensor).Sign,
		"Log1p": (*eager.Tensor).Log1p, "Cos": (*eager.Tensor).Cos,
	}[s.kind]
	if u == nil {
		panic("unknown step " + s.kind)
	}
	return u(a)
}

func broadcastable(a, b []int) bool {
	for i := 1; i <= min(len(a), len(b)); i++ {
		x, y := a[len(a)-i], b[len(b)-i]
		if x != y && x != 1 && y != 1 {
			return false
		}
	}
	return true
}

var unaryKinds = []string{"Exp", "Log", "Tanh", "Sigmoid", "ReLU", "Neg", "Abs", "Sqrt", "GELU", "SiLU", "Sin", "Erf", "GELUTanh", "Rsqrt", "Sign", "Log1p", "Cos", "LeakyReLU", "Clamp", "Softplus"}
var binaryKinds = []string{"Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "Pow", "Where", "ReluMask"}

// randomProgram builds a program by running it on sample inputs, so that every step it
// picks is valid for the shapes at hand.
func randomProgram(seed uint64) (*program, []*eager.Tensor) {
	r := rand.New(rand.NewPCG(seed, 99))
	p := &program{dt: eager.Float32}
	if r.IntN(4) == 0 {
		p.dt = eager.Float64
	}
	rank := 1 + r.IntN(3)
	base := make([]int, rank)
	for i := range base {
		base[i] = 1 + r.IntN(5)
	}
	if r.IntN(8) == 0 {
		base[rank-1] = 300 + r.IntN(3000) // long rows: several tiles
		base[0] = 1 + r.IntN(2)
	}
	randT := func(shape []int) *eager.Tensor {
		return eager.RandnOf(p.dt, shape...)
	}
	nin := 1 + r.IntN(3)
	var xs []*eager.Tensor
	for i := 0; i < nin; i++ {
		s := append([]int(nil), base...)
		if i > 0 {
			for d := range s {
				if r.IntN(3) == 0 {
					s[d] = 1
				}
			}
			if r.IntN(3) == 0 && len(s) > 1 {
				s = s[1:]
			}
		}
		p.inputs = append(p.inputs, s)
		xs = append(xs, randT(s))
	}
	pool := append([]*eager.Tensor(nil), xs...)
	nsteps := 1 + r.IntN(30)
	for len(p.steps) < nsteps {
		a := r.IntN(len(pool))
		as := pool[a].Shape()
		var s step
		switch c := r.IntN(20); {
		case c < 6:
			s = step{kind: unaryKinds[r.IntN(len(unaryKinds))], a: a, f: []float64{0.01, 0.2, 1.5}[r.IntN(3)]}
		case c < 12:
			b := r.IntN(len(pool))
			if !broadcastable(as, pool[b].Shape()) {
				continue
			}
			s = step{kind: binaryKinds[r.IntN(len(binaryKinds))], a: a, b: b}
		case c < 14:
			s = step{kind: []string{"AddScalar", "SubScalar", "MulScalar", "DivScalar"}[r.IntN(4)], a: a,
				f: []float64{0, 1, 0.5, -2, 3}[r.IntN(5)]}
		case c < 16:
			if len(as) == 0 {
				continue
			}
			kinds := []string{"Sum", "SumDrop", "SumAll", "Mean", "Max", "Softmax", "LayerNorm"}
			s = step{kind: kinds[r.IntN(len(kinds))], a: a, k: len(as) - 1 - r.IntN(len(as))}
			if r.IntN(2) == 0 {
				s.k = len(as) - 1
			}
		case c < 17:
			switch r.IntN(4) {
			case 0:
				s = step{kind: "Transpose", a: a}
			case 1:
				s = step{kind: "Flatten", a: a}
			case 2:
				s = step{kind: "Unsqueeze", a: a}
			default:
				n := numel(as)
				if n%2 != 0 {
					continue
				}
				s = step{kind: "Reshape", a: a, idx: []int{2, -1}}
			}
		case c < 18:
			if len(as) == 3 && as[2]%2 == 0 && r.IntN(3) == 0 {
				s = step{kind: "Heads", a: a}
				break
			}
			if len(as) < 1 || len(as) > 3 {
				continue
			}
			k, n := as[len(as)-1], 1+r.IntN(6)
			p.params = append(p.params, randT([]int{k, n}), randT([]int{n}))
			s = step{kind: "Linear", a: a, k: len(p.params) - 2, f: r.Float64()}
			if r.IntN(3) == 0 {
				s.kind = "MatMul"
			}
		case c < 19:
			var terms []int
			for i := range pool {
				if sameInts(pool[i].Shape(), as) || numel(pool[i].Shape()) == 1 {
					terms = append(terms, i)
				}
			}
			if len(terms) < 2 {
				continue
			}
			for len(terms) < 5 {
				terms = append(terms, terms[r.IntN(len(terms))])
			}
			r.Shuffle(len(terms), func(i, j int) { terms[i], terms[j] = terms[j], terms[i] })
			s = step{kind: "SumList", idx: terms, a: terms[0]}
		default:
			p.params = append(p.params, randT(as))
			s = step{kind: "Param", a: a, k: len(p.params) - 1}
		}
		v := s.apply(p, pool)
		if v.Numel() > 50000 {
			continue
		}
		pool = append(pool, v)
		p.steps = append(p.steps, s)
	}
	p.outputs = []int{len(pool) - 1}
	if len(pool) > 2 && r.IntN(2) == 0 {
		p.outputs = append(p.outputs, nin+r.IntN(len(pool)-nin))
	}
	return p, xs
}

// sameNumbers compares as numbers: NaN equals NaN and -0 equals +0.
func sameNumbers(got, want *eager.Tensor) error {
	if got.DType() != want.DType() || !sameInts(got.Shape(), want.Shape()) {
		return fmt.Errorf("got %v%v, want %v%v", got.DType(), got.Shape(), want.DType(), want.Shape())
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range g {
		if g[i] != w[i] && !(math.IsNaN(g[i]) && math.IsNaN(w[i])) {
			return fmt.Errorf("element %d: got %v, want %v (diff %g)", i, g[i], w[i], g[i]-w[i])
		}
	}
	return nil
}

func checkProgram(t testing.TB, seed uint64, opts ...Option) {
	p, xs := randomProgram(seed)
	f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return p.run(xs...) }, opts...)
	for call := 0; call < 3; call++ {
		if call > 0 {
			for i, s := range p.inputs {
				xs[i] = eager.RandnOf(p.dt, s...)
			}
		}
		got := f.Call(xs...)
		want := p.run(xs...)
		for i := range want {
			if err := sameNumbers(got[i], want[i]); err != nil {
				var kinds []string
				for _, s := range p.steps {
					kinds = append(kinds, s.kind)
				}
				t.Fatalf("seed %d call %d output %d: %v\nprogram %v on %v\n%s", seed, call, i, err, kinds, p.inputs, f.Graph())
			}
		}
	}
	if s := f.Stats(); s.Traces != 1 {
		t.Fatalf("seed %d: %d traces", seed, s.Traces)
	}
}

func TestRandomProgramsMatchEager(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 50
	}
	for _, cfg := range []struct {
		name string
		opts []Option
	}{
		{"default", nil},
		{"no-passes", []Option{WithPasses()}},
		{"small-tiles", []Option{WithTileSize(64)}},
	} {
		t.Run(cfg.name, func(t *testing.T) {
			for seed := uint64(0); seed < uint64(n); seed++ {
				checkProgram(t, seed, cfg.opts...)
			}
		})
	}
}

// TestRandomProgramRegressions replays seeds beyond the default range that once failed:
// 3596 and 4353 are n-ary sums the memory plan placed in the buffer of their second term,
// which the tile loop overwrote with the first term before reading it.
func TestRandomProgramRegressions(t *testing.T) {
	for _, seed := range []uint64{3596, 4353} {
		checkProgram(t, seed)
		checkProgram(t, seed, WithTileSize(64))
	}
}

// Each pass alone, so that a failure points at its pass.
func TestRandomProgramsPerPass(t *testing.T) {
	for name := range passTable {
		t.Run(name, func(t *testing.T) {
			for seed := uint64(1000); seed < 1100; seed++ {
				checkProgram(t, seed, WithPasses(name))
			}
		})
	}
}

func FuzzCompileMatchesEager(f *testing.F) {
	for s := uint64(0); s < 8; s++ {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seed uint64) { checkProgram(t, seed) })
}

func TestRandomProgramGeneratorCoversOps(t *testing.T) {
	seen := map[string]bool{}
	for seed := uint64(0); seed < 400; seed++ {
		p, _ := randomProgram(seed)
		for _, s := range p.steps {
			seen[s.kind] = true
		}
	}
	var missing []string
	for _, k := range append(append([]string{"Heads"}, unaryKinds...), binaryKinds...) {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("generator never produced %s", strings.Join(missing, ", "))
	}
}
