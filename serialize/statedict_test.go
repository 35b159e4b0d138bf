package serialize

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// net is a module with a nested container, a parameter of its own and buffers, to check the
// dotted names.
type net struct {
	nn.Base
	body  *nn.Sequential
	scale *eager.Tensor
	steps *eager.Tensor
}

func newNet() *net {
	m := &net{}
	m.body = nn.Register(m, "body", nn.NewSequential(nn.NewLinear(3, 4), &nn.Tanh{}, nn.NewLinear(4, 2, nn.WithoutBias())))
	m.scale = m.RegisterParameter("scale", eager.Ones(2))
	m.steps = m.RegisterBuffer("steps", eager.ZerosOf(eager.Int64))
	return m
}

func (m *net) Forward(x *eager.Tensor) *eager.Tensor { return m.body.Forward(x).Mul(m.scale) }

func TestStateDictNames(t *testing.T) {
	sd := StateDict(newNet())
	var names []string
	for k := range sd {
		names = append(names, k)
	}
	sort.Strings(names)
	// The names torch.nn gives the same architecture.
	want := "body.0.bias body.0.weight body.2.weight scale steps"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("state dict keys %q, want %q", got, want)
	}
	for k, v := range sd {
		if v.RequiresGrad() {
			t.Errorf("%s requires grad; state dict tensors are detached", k)
		}
	}
}

func TestLoadStateDict(t *testing.T) {
	src, dst := newNet(), newNet()
	eager.NoGrad(func() {
		src.scale.FillInPlace(3)
		src.steps.FillInPlace(17)
	})
	sd := StateDict(src)
	// Convert one entry's dtype: loading converts back.
	sd["body.0.weight"] = sd["body.0.weight"].To(eager.Float64)
	w := dst.body.Layers[0].(*nn.Linear).Weight
	if err := LoadStateDict(dst, sd, true); err != nil {
		t.Fatal(err)
	}
	for name, want := range StateDict(src) {
		if got := StateDict(dst)[name]; !sameTensor(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if dst.body.Layers[0].(*nn.Linear).Weight != w || !w.RequiresGrad() || w.DType() != eager.Float32 {
		t.Errorf("loading replaced the parameter or changed its dtype or grad flag")
	}
	// The module's tensors are copies: changing the source no longer affects them.
	eager.NoGrad(func() { src.scale.FillInPlace(5) })
	if dst.scale.Float32s()[0] != 3 {
		t.Errorf("loaded tensor shares storage with the state dict")
	}
}

func TestLoadStateDictErrors(t *testing.T) {
	good := StateDict(newNet())
	bad := map[string]*eager.Tensor{}
	for k, v := range good {
		bad[k] = v
	}
	delete(bad, "body.0.bias")
	delete(bad, "steps")
	bad["body.1.weight"] = eager.Zeros(1)
	bad["extra"] = eager.Zeros(1)
	bad["scale"] = eager.Ones(3)
	bad["body.2.weight"] = eager.Zeros(4, 2)

	dst := newNet()
	before := StateDict(dst)["body.0.weight"].Clone()
	err := LoadStateDict(dst, bad, true)
	var se *StateDictError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *StateDictError", err)
	}
	if strings.Join(se.Missing, " ") != "body.0.bias steps" || strings.Join(se.Unexpected, " ") != "body.1.weight extra" || len(se.Mismatched) != 2 {
		t.Errorf("missing %v, unexpected %v, mismatched %v", se.Missing, se.Unexpected, se.Mismatched)
	}
	msg := err.Error()
	for _, s := range []string{
		`error(s) in loading state dict for *serialize.net`,
		`missing key(s) in state dict: "body.0.bias", "steps".`,
		`unexpected key(s) in state dict: "body.1.weight", "extra".`,
		`size mismatch for body.2.weight: copying a tensor of shape [4 2] from the checkpoint, the shape in the current model is [2 4].`,
		`size mismatch for scale`,
	} {
		if !strings.Contains(msg, s) {
			t.Errorf("error message\n%s\nlacks %q", msg, s)
		}
	}
	if !sameTensor(StateDict(dst)["body.0.weight"], before) {
		t.Errorf("a failed load changed the module")
	}

	// Non-strict: missing and unexpected keys are ignored, shape mismatches are not.
	err = LoadStateDict(dst, bad, false)
	if !errors.As(err, &se) || len(se.Missing)+len(se.Unexpected) != 0 || len(se.Mismatched) != 2 {
		t.Errorf("non-strict load: %v", err)
	}
	partial := map[string]*eager.Tensor{"scale": eager.Full(9, 2), "nope": eager.Zeros(1)}
	if err := LoadStateDict(dst, partial, false); err != nil {
		t.Fatal(err)
	}
	if dst.scale.Float32s()[1] != 9 {
		t.Errorf("non-strict load did not copy scale")
	}
	if err := LoadStateDict(dst, partial, true); err == nil {
		t.Errorf("strict load of a partial state dict succeeded")
	}
}

func TestSaveLoadModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	src, dst := newNet(), newNet()
	if err := SaveModel(path, src); err != nil {
		t.Fatal(err)
	}
	if err := LoadModel(path, dst, true); err != nil {
		t.Fatal(err)
	}
	x := eager.Rand(5, 3)
	if !sameTensor(src.Forward(x), dst.Forward(x)) {
		t.Errorf("outputs differ after a save and load")
	}
	_, meta, err := LoadSafetensors(path)
	if err != nil || meta["format"] != "pt" {
		t.Errorf("metadata %v, %v", meta, err)
	}
	// A different architecture fails with the state dict error.
	other := nn.NewSequential(nn.NewLinear(3, 4))
	var se *StateDictError
	if err := LoadModel(path, other, true); !errors.As(err, &se) {
		t.Errorf("loading into another architecture: %v", err)
	}
	if err := LoadModel(path+".none", dst, true); err == nil {
		t.Errorf("loading a missing file succeeded")
	}
}
