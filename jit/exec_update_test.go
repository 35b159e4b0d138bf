package jit

import (
	"fmt"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// updateModel is a perceptron trained with optim's Adam, its sizes chosen so that the
// weight-gradient products of the update groups have several row blocks, a short last one,
// or a one-row remainder merged into the block before it.
type updateModel struct {
	ws, bs    []*eager.Tensor
	opt       *optim.Adam
	zeroAfter bool // zero the gradients after the update (else before the forward pass)
}

func newUpdateModel(dt eager.DType, capturable, zeroAfter bool, sizes []int) *updateModel {
	eager.ManualSeed(21)
	m := &updateModel{zeroAfter: zeroAfter}
	var params []*eager.Tensor
	for i := 0; i+1 < len(sizes); i++ {
		w := eager.Randn(sizes[i+1], sizes[i]).MulScalar(0.1).To(dt).Detach().SetRequiresGrad(true)
		b := eager.Randn(sizes[i+1]).MulScalar(0.1).To(dt).Detach().SetRequiresGrad(true)
		m.ws, m.bs = append(m.ws, w), append(m.bs, b)
		params = append(params, w, b)
	}
	m.opt = optim.NewAdam(params, optim.AdamConfig{LR: 0.01, Capturable: capturable})
	return m
}

func (m *updateModel) params() []*eager.Tensor {
	var ps []*eager.Tensor
	for i := range m.ws {
		ps = append(ps, m.ws[i], m.bs[i])
	}
	return ps
}

func (m *updateModel) step(x, y *eager.Tensor) *eager.Tensor {
	if !m.zeroAfter {
		m.opt.ZeroGrad()
	}
	h := x
	for i := range m.ws {
		h = nn.LinearFn(h, m.ws[i], m.bs[i])
		if i+1 < len(m.ws) {
			h = h.ReLU()
		}
	}
	loss := nn.CrossEntropy(h, y)
	loss.Backward()
	m.opt.Step()
	if m.zeroAfter {
		m.opt.ZeroGrad()
	}
	return loss
}

// TestUpdateGroupsMatchEager trains the same perceptron eagerly and compiled, with update
// groups, without them, and with groups forced onto their fallback, and checks that the
// loss, the parameters and the gradients left after each step are the same bits.
func TestUpdateGroupsMatchEager(t *testing.T) {
	for _, dt := range []eager.DType{eager.Float32, eager.Float64} {
		for _, sizes := range [][]int{{300, 130, 40, 7}, {700, 37, 9}} {
			for _, zeroAfter := range []bool{false, true} {
				name := fmt.Sprintf("%v/%v/zeroAfter=%v", dt, sizes, zeroAfter)
				t.Run(name, func(t *testing.T) { updateGroupsMatch(t, dt, sizes, zeroAfter) })
			}
		}
	}
}

func updateGroupsMatch(t *testing.T, dt eager.DType, sizes []int, zeroAfter bool) {
	type variant struct {
		name   string
		opts   []Option
		serial bool
	}
	variants := []variant{
		{"groups", nil, false},
		{"no-groups", []Option{func(c *config) { c.noUpdateGroups = true }}, false},
		{"fallback", nil, true},
	}
	ref := newUpdateModel(dt, false, zeroAfter, sizes)
	models := make([]*updateModel, len(variants))
	fs := make([]*Func, len(variants))
	for k, v := range variants {
		m := newUpdateModel(dt, true, zeroAfter, sizes)
		models[k] = m
		fs[k] = Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{m.step(xs[0], xs[1])} }, v.opts...)
	}
	eager.ManualSeed(22)
	for it := 0; it < 4; it++ {
		x, y := eager.Randn(13, sizes[0]).To(dt), eager.RandInt(0, int64(sizes[len(sizes)-1]), 13)
		want := ref.step(x, y)
		for k, v := range variants {
			forceSerialUpdates = v.serial
			got := fs[k].Call(x, y)[0]
			forceSerialUpdates = false
			bitsEqual(t, fmt.Sprintf("%s: loss %d", v.name, it), got, want)
			for i, p := range models[k].params() {
				rp := ref.params()[i]
				bitsEqual(t, fmt.Sprintf("%s: step %d param %d", v.name, it, i), p, rp)
				if g, rg := p.Grad(), rp.Grad(); (g == nil) != (rg == nil) {
					t.Fatalf("%s: step %d param %d: gradient %v, want %v", v.name, it, i, g, rg)
				} else if g != nil {
					bitsEqual(t, fmt.Sprintf("%s: step %d grad %d", v.name, it, i), g, rg)
				}
			}
		}
	}
	// The grouped plan runs every update in one group, each weight's with its product.
	for k, v := range variants {
		var groups, units, products int
		for _, e := range fs[k].entries {
			for _, gr := range e.plan.groupAt {
				if gr == nil {
					continue
				}
				groups++
				for _, u := range gr.units {
					units++
					if u.gemm >= 0 {
						products++
					}
				}
			}
		}
		if v.name == "no-groups" {
			if groups != 0 {
				t.Fatalf("no-groups: %d update groups", groups)
			}
			continue
		}
		if n := len(sizes) - 1; groups != 1 || units != 2*n || products != n {
			t.Fatalf("%s: %d groups, %d updates, %d with their product; want 1, %d, %d", v.name, groups, units, products, 2*n, n)
		}
	}
}

// TestGemmRowBlocks checks the row blocks of fused weight-gradient products: whole register
// tiles, at least two rows each, covering the rows in order, one block for products that
// take the matrix-vector or tiny path.
func TestGemmRowBlocks(t *testing.T) {
	mr, _ := kernels.GemmTile[float32]()
	for _, c := range []struct{ m, n, k int }{
		{256, 784, 64}, {130, 300, 13}, {37, 700, 13}, {1, 700, 13}, {700, 1, 13}, {4, 4, 4}, {100, 2000, 1}, {0, 5, 5},
	} {
		bl := gemmRowBlocks[float32](c.m, c.n, c.k)
		if len(bl) == 0 || bl[0][0] != 0 || bl[len(bl)-1][1] != c.m {
			t.Fatalf("%v: blocks %v do not cover the rows", c, bl)
		}
		for i, b := range bl {
			if i > 0 && b[0] != bl[i-1][1] {
				t.Fatalf("%v: blocks %v not contiguous", c, bl)
			}
			if len(bl) > 1 && (b[0]%mr != 0 || b[1]-b[0] < 2 || 2*(b[1]-b[0])*c.n*c.k <= 2*8*8*8) {
				t.Fatalf("%v: block %v of %v", c, b, bl)
			}
		}
		if (c.m < 2 || c.n < 2) && len(bl) != 1 {
			t.Fatalf("%v: a matrix-vector product split into %v", c, bl)
		}
	}
}
