package eager

// The test harness every op family uses:
//
//   - gradCases: finite-difference gradient checks (first and, unless skipped, second
//     order) in float64. Families append to it from init().
//   - refOps: maps a fixture's "op" name to the Go call that computes it; fixtures in
//     testdata/torch/*.json come from the PyTorch generator scripts in testdata/gen/.
//   - TestOpCoverage fails if any differentiable op of the op table is not exercised by a
//     gradient check, or any op by a PyTorch reference case.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// gradCase is one gradient check: fn over float64 inputs made fresh by inputs.
type gradCase struct {
	name         string
	inputs       func() []*Tensor
	fn           func(xs []*Tensor) *Tensor
	skipGradGrad bool             // second derivative is not meaningful (piecewise linear ops etc.)
	opts         GradCheckOptions // zero value: GradCheck's defaults
}

var gradCases []gradCase

// refOp computes a fixture's op on its inputs with its attrs.
type refOp func(xs []*Tensor, attrs map[string]any) *Tensor

var refOps = map[string]refOp{}

// rnd64 returns a float64 tensor of normal values that requires grad.
func rnd64(shape ...int) *Tensor { return RandnOf(Float64, shape...).SetRequiresGrad(true) }

// pos64 returns a float64 tensor of values in [0.5, 2) that requires grad.
func pos64(shape ...int) *Tensor {
	return RandOf(Float64, shape...).MulScalar(1.5).AddScalar(0.5).Detach().SetRequiresGrad(true)
}

func TestGradCheck(t *testing.T) {
	ManualSeed(1)
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			if err := GradCheck(c.fn, c.inputs(), c.opts); err != nil {
				t.Fatal(err)
			}
			if c.skipGradGrad {
				return
			}
			if err := GradGradCheck(c.fn, c.inputs(), c.opts); err != nil {
				t.Fatal("second order:", err)
			}
		})
	}
}

// refTensor is a tensor as the generator encodes it.
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
			switch v {
			case "nan":
				out[i] = math.NaN()
			case "inf":
				out[i] = math.Inf(1)
			case "-inf":
				out[i] = math.Inf(-1)
			}
		case bool:
			if v {
				out[i] = 1
			}
		}
	}
	return out
}

func (r *refTensor) tensor() *Tensor {
	dt := map[string]DType{"float32": Float32, "float64": Float64, "int64": Int64, "bool": Bool}[r.DType]
	t := FromSlice(r.values(), r.Shape...)
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
	Atol       float64        `json:"atol"`
	Rtol       float64        `json:"rtol"`
	NonContig  []int          `json:"noncontig"`
}

var (
	refOnce  sync.Once
	refCases map[string][]refCase // by file family
	refErr   error
)

func loadRefCases() (map[string][]refCase, error) {
	refOnce.Do(func() {
		refCases = map[string][]refCase{}
		files, _ := filepath.Glob(filepath.Join("testdata", "torch", "*.json"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				refErr = err
				return
			}
			var doc struct {
				Cases []refCase `json:"cases"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				refErr = fmt.Errorf("%s: %w", f, err)
				return
			}
			refCases[strings.TrimSuffix(filepath.Base(f), ".json")] = doc.Cases
		}
	})
	return refCases, refErr
}

// makeNonContig returns a non-contiguous tensor equal to x (a leaf with the same requires-grad):
// its storage holds the transpose of the last two dims.
func makeNonContig(x *Tensor) *Tensor {
	if len(x.shape) < 2 {
		// stride-2 view of a doubled buffer
		d := Stack([]*Tensor{x.Detach(), x.Detach()}, -1).Contiguous()
		v := d.Select(-1, 0)
		v.requiresGrad = x.requiresGrad
		return v
	}
	tt := x.Detach().Transpose(-1, -2).Contiguous()
	v := tt.Transpose(-1, -2)
	v = newView(v, v.offset, v.shape, v.strides())
	v.requiresGrad = x.requiresGrad
	return v
}

func closeEnough(got, want []float64, atol, rtol float64) (int, bool) {
	for i := range want {
		g, w := got[i], want[i]
		if math.IsNaN(w) {
			if !math.IsNaN(g) {
				return i, false
			}
			continue
		}
		if math.IsInf(w, 0) {
			if g != w {
				return i, false
			}
			continue
		}
		if math.IsNaN(g) || math.Abs(g-w) > atol+rtol*math.Abs(w) {
			return i, false
		}
	}
	return 0, true
}

func runRefCase(t *testing.T, c refCase) {
	t.Helper()
	fn, ok := refOps[c.Op]
	if !ok {
		t.Fatalf("no Go mapping for fixture op %q (add it to refOps)", c.Op)
	}
	ins := make([]*Tensor, len(c.Inputs))
	for i := range c.Inputs {
		ins[i] = c.Inputs[i].tensor()
	}
	for _, k := range c.NonContig {
		ins[k] = makeNonContig(ins[k])
		if ins[k].IsContiguous() {
			t.Fatalf("input %d is still contiguous", k)
		}
	}
	out := fn(ins, c.Attrs)
	want := c.Output.tensor()
	atol, rtol := c.Atol, c.Rtol
	if atol == 0 {
		atol = 1e-5
		if want.dtype == Float64 {
			atol = 1e-10
		}
	}
	if rtol == 0 {
		rtol = 1e-4
		if want.dtype == Float64 {
			rtol = 1e-9
		}
	}
	if !sameShape(out.shape, want.shape) {
		t.Fatalf("output shape %v, want %v", out.shape, want.shape)
	}
	if out.dtype != want.dtype {
		t.Fatalf("output dtype %v, want %v", out.dtype, want.dtype)
	}
	if i, ok := closeEnough(out.Float64s(), want.Float64s(), atol, rtol); !ok {
		t.Fatalf("output element %d: got %v, want %v\ngot  %v\nwant %v", i, out.Float64s()[i], want.Float64s()[i], out, want)
	}
	if c.GradOutput == nil {
		return
	}
	out.BackwardWith(BackwardOptions{Grad: c.GradOutput.tensor()})
	for i, g := range c.Grads {
		if g == nil {
			continue
		}
		got := ins[i].Grad()
		if got == nil {
			t.Fatalf("input %d: no gradient", i)
		}
		wg := g.tensor()
		if !sameShape(got.shape, wg.shape) {
			t.Fatalf("grad %d shape %v, want %v", i, got.shape, wg.shape)
		}
		if j, ok := closeEnough(got.Float64s(), wg.Float64s(), atol*10, rtol*10); !ok {
			t.Fatalf("grad of input %d, element %d: got %v, want %v\ngot  %v\nwant %v", i, j, got.Float64s()[j], wg.Float64s()[j], got, wg)
		}
	}
}

func TestTorchReference(t *testing.T) {
	all, err := loadRefCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no fixtures in testdata/torch")
	}
	fams := make([]string, 0, len(all))
	for f := range all {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	for _, fam := range fams {
		t.Run(fam, func(t *testing.T) {
			for _, c := range all[fam] {
				t.Run(c.Name, func(t *testing.T) { runRefCase(t, c) })
			}
		})
	}
}

// opsSeen runs fn with an observer installed and returns the names of the ops that ran,
// including those that ran inside backward passes.
func opsSeen(fn func()) map[string]bool {
	var mu sync.Mutex
	seen := map[string]bool{}
	old := SetOpObserver(func(op *OpInfo, _ []*Tensor, _ *Tensor, _ []Attr) {
		mu.Lock()
		seen[op.Name] = true
		mu.Unlock()
	})
	defer func() { SetOpObserver(old) }()
	fn()
	return seen
}

func TestOpCoverage(t *testing.T) {
	ManualSeed(2)
	graded := opsSeen(func() {
		for _, c := range gradCases {
			xs := c.inputs()
			out := c.fn(xs)
			if out.requiresGrad {
				var diff []*Tensor
				for _, x := range xs {
					if x.requiresGrad {
						diff = append(diff, x)
					}
				}
				Grad([]*Tensor{out.Sum()}, diff, GradOptions{AllowUnused: true})
			}
		}
	})
	all, err := loadRefCases()
	if err != nil {
		t.Fatal(err)
	}
	referenced := opsSeen(func() {
		for _, cs := range all {
			for _, c := range cs {
				if fn, ok := refOps[c.Op]; ok {
					ins := make([]*Tensor, len(c.Inputs))
					for i := range c.Inputs {
						ins[i] = c.Inputs[i].tensor()
					}
					_ = Try(func() {
						// Backward too: fused gradient ops (NormBackward) are checked by
						// the fixtures' gradients.
						if out := fn(ins, c.Attrs); out != nil && out.requiresGrad {
							out.Sum().Backward()
						}
					})
				}
			}
		}
	})
	var missing []string
	for _, op := range Ops() {
		if op.Differentiable && !graded[op.Name] {
			missing = append(missing, op.Name+" (no gradcheck case)")
		}
		if !referenced[op.Name] {
			missing = append(missing, op.Name+" (no PyTorch reference case)")
		}
	}
	if len(missing) > 0 {
		t.Errorf("ops not covered:\n  %s", strings.Join(missing, "\n  "))
	}
}

// attrInt reads an integer attr from a fixture.
func attrInt(a map[string]any, k string) int { return int(a[k].(float64)) }

// attrFloat reads a float attr from a fixture.
func attrFloat(a map[string]any, k string) float64 { return a[k].(float64) }

// attrInts reads an integer-list attr from a fixture (nil when absent).
func attrInts(a map[string]any, k string) []int {
	v, ok := a[k].([]any)
	if !ok {
		return nil
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x.(float64))
	}
	return out
}

// attrBool reads a bool attr from a fixture (false when absent).
func attrBool(a map[string]any, k string) bool { b, _ := a[k].(bool); return b }
