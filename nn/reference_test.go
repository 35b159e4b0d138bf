package nn

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/eagerml/eager"
)

// refTensor and refCase mirror the PyTorch fixture format of testdata/gen/common.py.
type refTensor struct {
	Shape        []int  `json:"shape"`
	DType        string `json:"dtype"`
	Data         []any  `json:"data"`
	RequiresGrad bool   `json:"requires_grad"`
}

func (r *refTensor) values() []float64 {
	out := make([]float64, len(r.Data))
	for i, v := range r.Data {
		switch v := v.(type) {
		case float64:
			out[i] = v
		case string:
			out[i] = map[string]float64{"nan": math.NaN(), "inf": math.Inf(1), "-inf": math.Inf(-1)}[v]
		}
	}
	return out
}

func (r *refTensor) tensor() *eager.Tensor {
	dt := map[string]eager.DType{"float32": eager.Float32, "float64": eager.Float64, "int64": eager.Int64, "bool": eager.Bool}[r.DType]
	t := eager.FromSlice(r.values(), r.Shape...)
	if len(r.Shape) == 0 {
		t = t.Reshape()
	}
	t = t.To(dt)
	if r.RequiresGrad {
		t.SetRequiresGrad(true)
	}
	return t
}

type refCase struct {
	Name       string         `json:"name"`
	Op         string         `json:"op"`
	Attrs      map[string]any `json:"attrs"`
	Inputs     []refTensor    `json:"inputs"`
	Output     refTensor      `json:"output"`
	GradOutput *refTensor     `json:"grad_output"`
	Grads      []*refTensor   `json:"grads"`
}

func loadCases(t *testing.T, path string) []refCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

func assertClose(t *testing.T, what string, got *eager.Tensor, want *eager.Tensor, tol float64) {
	t.Helper()
	if !sameShape(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range w {
		if math.Abs(g[i]-w[i]) > tol*(1+math.Abs(w[i])) || math.IsNaN(g[i]) != math.IsNaN(w[i]) {
			t.Fatalf("%s: element %d: got %v, want %v\ngot  %v\nwant %v", what, i, g[i], w[i], got, want)
		}
	}
}

// runCase runs fn on a fixture's inputs and checks the output and the input gradients.
func runCase(t *testing.T, c refCase, fn func(xs []*eager.Tensor) *eager.Tensor) {
	t.Helper()
	xs := make([]*eager.Tensor, len(c.Inputs))
	for i := range c.Inputs {
		xs[i] = c.Inputs[i].tensor()
	}
	out := fn(xs)
	assertClose(t, "output", out, c.Output.tensor(), 1e-9)
	if c.GradOutput == nil {
		return
	}
	out.BackwardWith(eager.BackwardOptions{Grad: c.GradOutput.tensor()})
	for i, g := range c.Grads {
		if g == nil {
			continue
		}
		if xs[i].Grad() == nil {
			t.Fatalf("input %d has no gradient", i)
		}
		assertClose(t, "grad", xs[i].Grad(), g.tensor(), 1e-8)
	}
}
