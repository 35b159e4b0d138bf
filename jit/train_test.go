package jit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// mlp is a two-layer perceptron with Adam state, built by hand so that two identical
// copies can be trained side by side, one eagerly and one compiled.
type mlp struct {
	params []*eager.Tensor
	m, v   []*eager.Tensor
}

func newMLP(seed uint64, in, hidden, out int) *mlp {
	eager.ManualSeed(seed)
	m := &mlp{}
	for _, s := range [][]int{{in, hidden}, {hidden}, {hidden, out}, {out}} {
		p := eager.Randn(s...).MulScalar(0.3).Detach().SetRequiresGrad(true)
		m.params = append(m.params, p)
		m.m = append(m.m, eager.Zeros(s...))
		m.v = append(m.v, eager.Zeros(s...))
	}
	return m
}

func (m *mlp) clone() *mlp {
	c := &mlp{}
	for i, p := range m.params {
		c.params = append(c.params, p.Detach().Clone().SetRequiresGrad(true))
		c.m = append(c.m, m.m[i].Clone())
		c.v = append(c.v, m.v[i].Clone())
	}
	return c
}

func (m *mlp) loss(x, y *eager.Tensor) *eager.Tensor {
	h := x.MatMul(m.params[0]).Add(m.params[1]).GELU()
	o := h.MatMul(m.params[2]).Add(m.params[3])
	return o.Sub(y).Square().Mean()
}

// step is one training step: zero grads, forward, backward, Adam update.
func (m *mlp) step(x, y *eager.Tensor) *eager.Tensor {
	for _, p := range m.params {
		p.ZeroGrad()
	}
	l := m.loss(x, y)
	l.Backward()
	const lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
	eager.NoGrad(func() {
		for i, p := range m.params {
			g := p.Grad()
			m.m[i].MulScalarInPlace(b1).AddScaledInPlace(g, 1-b1)
			m.v[i].MulScalarInPlace(b2).AddcmulInPlace(g, g, 1-b2)
			denom := m.v[i].Sqrt().AddScalar(eps)
			p.AddcdivInPlace(m.m[i], denom, -lr)
		}
	})
	return l
}

func TestCompiledTrainingStepMatchesEager(t *testing.T) {
	for _, passes := range [][]string{nil, DefaultPasses} {
		name := "no-passes"
		if passes != nil {
			name = "default-passes"
		}
		t.Run(name, func(t *testing.T) {
			ref := newMLP(7, 5, 8, 3)
			cm := ref.clone()
			f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor {
				return []*eager.Tensor{cm.step(xs[0], xs[1])}
			}, WithPasses(passes...))
			eager.ManualSeed(3)
			for it := 0; it < 5; it++ {
				x, y := eager.Randn(4, 5), eager.Randn(4, 3)
				want := ref.step(x, y)
				got := f.Call(x, y)[0]
				bitsEqual(t, "loss", got, want)
				for i := range ref.params {
					bitsEqual(t, "param", cm.params[i], ref.params[i])
					bitsEqual(t, "adam m", cm.m[i], ref.m[i])
					bitsEqual(t, "adam v", cm.v[i], ref.v[i])
					bitsEqual(t, "grad", cm.params[i].Grad(), ref.params[i].Grad())
				}
			}
			if s := f.Stats(); s.Traces != 1 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

// Without ZeroGrad in fn, gradients accumulate across calls: the first call (nil grads)
// and later ones (grads set) take different paths in autograd, and the guard retraces.
func TestGradientAccumulationGuard(t *testing.T) {
	ref := newMLP(8, 3, 4, 2)
	cm := ref.clone()
	step := func(m *mlp, x, y *eager.Tensor) *eager.Tensor {
		l := m.loss(x, y)
		l.Backward()
		return l
	}
	f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{step(cm, xs[0], xs[1])} })
	for it := 0; it < 4; it++ {
		x, y := eager.Randn(2, 3), eager.Randn(2, 2)
		want := step(ref, x, y)
		bitsEqual(t, "loss", f.Call(x, y)[0], want)
		for i := range ref.params {
			bitsEqual(t, "grad", cm.params[i].Grad(), ref.params[i].Grad())
		}
	}
	s := f.Stats()
	if s.Traces != 2 || !strings.Contains(s.Reasons[1], "was nil when traced and is set now") {
		t.Fatalf("stats %+v", s)
	}
	// Accumulated gradients are written into the same tensors, as eager does.
	g0 := cm.params[0].Grad()
	f.Call(eager.Randn(2, 3), eager.Randn(2, 2))
	if cm.params[0].Grad() != g0 {
		t.Fatal("accumulation replaced the gradient tensor instead of adding into it")
	}
}

func TestInputGradients(t *testing.T) {
	fn := func(xs ...*eager.Tensor) []*eager.Tensor {
		x := xs[0]
		x.ZeroGrad()
		x.Mul(x).Sum().Backward()
		return []*eager.Tensor{x.Grad().MulScalar(2)}
	}
	f := Compile(fn)
	for it := 0; it < 3; it++ {
		x := eager.Randn(3).SetRequiresGrad(true)
		x2 := x.Detach().Clone().SetRequiresGrad(true)
		got := f.Call(x)[0]
		want := fn(x2)[0]
		bitsEqual(t, "output", got, want)
		bitsEqual(t, "input grad", x.Grad(), x2.Grad())
	}
}

func TestStaleViewAfterInPlaceFails(t *testing.T) {
	w := eager.Randn(2, 3)
	f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor {
		wt := w.T()
		w.AddScalarInPlace(1)
		return []*eager.Tensor{wt.MatMul(xs[0])}
	})
	_, err := f.TryCall(eager.Randn(2, 2))
	if err == nil || !strings.Contains(err.Error(), "modified in place through another view") {
		t.Fatalf("got %v", err)
	}
}

// A training step with optim's capturable Adam compiles whole from its second call (the
// first creates the optimizer state and runs eagerly) and follows the default Adam run
// eagerly bit for bit; without weight decay each update runs as kernels.Adam.
func TestCapturableAdamStepMatchesEager(t *testing.T) {
	for _, wd := range []float64{0.01, 0} {
		t.Run(fmt.Sprint("wd=", wd), func(t *testing.T) { capturableAdamMatches(t, wd) })
	}
}

func capturableAdamMatches(t *testing.T, wd float64) {
	mk := func(capturable bool) (func(x, y *eager.Tensor) *eager.Tensor, []*eager.Tensor) {
		eager.ManualSeed(11)
		l1, l2 := nn.NewLinear(6, 16), nn.NewLinear(16, 3)
		params := []*eager.Tensor{l1.Weight, l1.Bias, l2.Weight, l2.Bias}
		opt := optim.NewAdam(params, optim.AdamConfig{LR: 0.01, WeightDecay: wd, Capturable: capturable})
		return func(x, y *eager.Tensor) *eager.Tensor {
			opt.ZeroGrad()
			loss := nn.CrossEntropy(l2.Forward(l1.Forward(x).GELU()), y)
			loss.Backward()
			opt.Step()
			return loss
		}, params
	}
	ref, pr := mk(false)
	step, pc := mk(true)
	f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{step(xs[0], xs[1])} })
	eager.ManualSeed(12)
	for it := 0; it < 6; it++ {
		x, y := eager.Randn(8, 6), eager.RandInt(0, 3, 8)
		want := ref(x, y)
		got := f.Call(x, y)[0]
		bitsEqual(t, fmt.Sprintf("loss %d", it), got, want)
		for i := range pr {
			bitsEqual(t, fmt.Sprintf("step %d param %d", it, i), pc[i], pr[i])
		}
	}
	if s := f.Stats(); s.Traces != 2 || s.EagerCalls != 1 || s.Hits != 4 {
		t.Fatalf("want one eager call, one trace, then cached runs: %+v", s)
	}
	adams := 0
	for _, n := range f.Graph().Nodes {
		if n.Op == "Fused" && matchAdam(n.Fused) != nil {
			adams++
		}
	}
	if want := map[bool]int{true: len(pc), false: 0}[wd == 0]; adams != want {
		t.Fatalf("%d updates recognized as Adam, want %d:\n%s", adams, want, f.Graph())
	}
}
