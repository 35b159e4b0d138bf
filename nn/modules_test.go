package nn

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/eagerml/eager"
)

type moduleCase struct {
	Name       string               `json:"name"`
	Kind       string               `json:"kind"`
	Config     map[string]any       `json:"config"`
	Input      refTensor            `json:"input"`
	Output     refTensor            `json:"output"`
	GradOutput refTensor            `json:"grad_output"`
	InputGrad  refTensor            `json:"input_grad"`
	Params     map[string]refTensor `json:"params"`
	ParamGrads map[string]refTensor `json:"param_grads"`
	Buffers    map[string]refTensor `json:"buffers"`
	Lengths    []int                `json:"lengths"`
	// BuffersAfter holds the buffers after the forward pass (training-mode BatchNorm).
	BuffersAfter map[string]refTensor `json:"buffers_after"`
}

func loadModuleCases(t *testing.T) []moduleCase {
	t.Helper()
	b, err := os.ReadFile("testdata/modules.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []moduleCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

func cfgInt(c map[string]any, k string) int   { v, _ := c[k].(float64); return int(v) }
func cfgBool(c map[string]any, k string) bool { v, _ := c[k].(bool); return v }

// buildModule returns the eager module for a fixture and a function running it.
func buildModule(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor) {
	cf := c.Config
	switch c.Kind {
	case "LSTM", "GRU":
		cfg := RNNConfig{InputSize: cfgInt(cf, "input"), HiddenSize: cfgInt(cf, "hidden"), NumLayers: cfgInt(cf, "layers"),
			BatchFirst: cfgBool(cf, "batch_first"), Bidirectional: cfgBool(cf, "bidirectional")}
		if c.Kind == "LSTM" {
			m := NewLSTM(cfg)
			return m, func(x *eager.Tensor) *eager.Tensor { o, _, _ := m.ForwardState(x, nil, nil, c.Lengths); return o }
		}
		m := NewGRU(cfg)
		return m, func(x *eager.Tensor) *eager.Tensor { o, _ := m.ForwardState(x, nil, c.Lengths); return o }
	case "Linear":
		var opts []LinearOption
		if cfgBool(cf, "nobias") {
			opts = append(opts, WithoutBias())
		}
		m := NewLinear(cfgInt(cf, "in"), cfgInt(cf, "out"), opts...)
		return m, m.Forward
	case "Bilinear":
		m := NewBilinear(cfgInt(cf, "in1"), cfgInt(cf, "in2"), cfgInt(cf, "out"))
		return m, func(x *eager.Tensor) *eager.Tensor { return m.Apply(x, x.MulScalar(2)) }
	}
	if b, ok := extraModules[c.Kind]; ok {
		return b(t, c)
	}
	t.Fatalf("unknown module kind %q", c.Kind)
	return nil, nil
}

// extraModules lets other test files add module kinds.
var extraModules = map[string]func(t *testing.T, c moduleCase) (Module, func(x *eager.Tensor) *eager.Tensor){}

// loadParams replaces the module's parameters and buffers with the fixture's (float64), and
// checks the names match PyTorch's exactly.
func loadParams(t *testing.T, m Module, c moduleCase) {
	t.Helper()
	named := m.NamedParameters()
	if len(named) != len(c.Params) {
		var names []string
		for _, p := range named {
			names = append(names, p.Name)
		}
		t.Fatalf("module has %d parameters %v, PyTorch has %d %v", len(named), names, len(c.Params), sortedKeys(c.Params))
	}
	for _, p := range named {
		ref, ok := c.Params[p.Name]
		if !ok {
			t.Fatalf("parameter %q not in PyTorch's module (it has %v)", p.Name, sortedKeys(c.Params))
		}
		replaceTensor(t, p.Tensor, (&ref).tensor())
	}
	for _, b := range m.NamedBuffers() {
		if ref, ok := c.Buffers[b.Name]; ok {
			replaceTensor(t, b.Tensor, (&ref).tensor())
		} else {
			t.Fatalf("buffer %q not in PyTorch's module (it has %v)", b.Name, sortedKeys(c.Buffers))
		}
	}
}

// replaceTensor overwrites dst's values with src's; dst becomes float64 by switching the
// module to float64 first (see toFloat64).
func replaceTensor(t *testing.T, dst, src *eager.Tensor) {
	t.Helper()
	if !sameShape(dst.Shape(), src.Shape()) {
		t.Fatalf("shape %v, PyTorch has %v", dst.Shape(), src.Shape())
	}
	eager.NoGrad(func() { dst.CopyFrom(src) })
}

func TestModulesAgainstPyTorch(t *testing.T) {
	for _, c := range loadModuleCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			prev := eager.SetDefaultDType(eager.Float64)
			defer eager.SetDefaultDType(prev)
			m, run := buildModule(t, c)
			loadParams(t, m, c)
			m.Eval()
			x := c.Input.tensor()
			if c.Kind != "Embedding" {
				x.SetRequiresGrad(true)
			}
			out := run(x)
			assertClose(t, "output", out, c.Output.tensor(), 1e-9)
			for _, b := range m.NamedBuffers() {
				if ref, ok := c.BuffersAfter[b.Name]; ok {
					assertClose(t, "buffer "+b.Name+" after forward", b.Tensor, ref.tensor(), 1e-9)
				}
			}
			out.BackwardWith(eager.BackwardOptions{Grad: c.GradOutput.tensor()})
			if x.RequiresGrad() {
				assertClose(t, "input grad", x.Grad(), c.InputGrad.tensor(), 1e-8)
			}
			for _, p := range m.NamedParameters() {
				assertClose(t, "grad of "+p.Name, p.Tensor.Grad(), refT(c.ParamGrads[p.Name]), 1e-8)
			}
		})
	}
}
func refT(r refTensor) *eager.Tensor { return r.tensor() }
