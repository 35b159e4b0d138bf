package serialize

import (
	"fmt"
	"sort"
	"strings"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

// StateDict returns the module's parameters and buffers by their dotted names ("0.weight",
// "encoder.layers.1.bias"), which are the names PyTorch's state_dict() gives the same
// architecture built from the equivalent modules. As in PyTorch the tensors are detached but
// share storage with the module's: save them right away, or Clone them for a snapshot that
// later training does not change.
func StateDict(m nn.Module) map[string]*eager.Tensor {
	st := nn.StateTensors(m)
	out := make(map[string]*eager.Tensor, len(st))
	for name, t := range st {
		out[name] = t.Detach()
	}
	return out
}

// ShapeMismatch is a state-dict entry whose shape differs from the module's tensor.
type ShapeMismatch struct {
	Name       string
	Checkpoint []int // the shape in the state dict
	Model      []int // the shape in the module
}

// StateDictError reports every problem LoadStateDict found, all at once.
type StateDictError struct {
	Module     string          // the module's Go type, e.g. "*nn.Sequential"
	Missing    []string        // module tensors absent from the state dict (strict only)
	Unexpected []string        // state-dict keys the module lacks (strict only)
	Mismatched []ShapeMismatch // shape mismatches (reported in both modes)
}

// Error lists the problems in the manner of PyTorch's load_state_dict.
func (e *StateDictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "serialize: error(s) in loading state dict for %s:", e.Module)
	quote := func(names []string) string {
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = fmt.Sprintf("%q", n)
		}
		return strings.Join(q, ", ")
	}
	if len(e.Missing) > 0 {
		fmt.Fprintf(&b, "\n\tmissing key(s) in state dict: %s.", quote(e.Missing))
	}
	if len(e.Unexpected) > 0 {
		fmt.Fprintf(&b, "\n\tunexpected key(s) in state dict: %s.", quote(e.Unexpected))
	}
	for _, m := range e.Mismatched {
		fmt.Fprintf(&b, "\n\tsize mismatch for %s: copying a tensor of shape %v from the checkpoint, the shape in the current model is %v.", m.Name, m.Checkpoint, m.Model)
	}
	return b.String()
}

// LoadStateDict copies the tensors of sd into the module's parameters and buffers of the same
// names, in place (under eager.NoGrad, so parameters keep requiring grad and optimizers keep
// their references), converting dtype where they differ.
//
// With strict, sd must have exactly the module's keys: missing and unexpected keys are errors,
// as with PyTorch's load_state_dict(strict=True). Without it they are ignored, but a shape
// mismatch is still an error. All problems are reported together in one *StateDictError, and
// nothing is copied unless there are none.
func LoadStateDict(m nn.Module, sd map[string]*eager.Tensor, strict bool) error {
	e := &StateDictError{Module: fmt.Sprintf("%T", m)}
	own := append(m.NamedParameters(), m.NamedBuffers()...)
	known := make(map[string]bool, len(own))
	var pairs [][2]*eager.Tensor // {module tensor, checkpoint tensor}
	for _, p := range own {
		known[p.Name] = true
		src := sd[p.Name]
		if src == nil {
			e.Missing = append(e.Missing, p.Name)
			continue
		}
		if !equalShape(src.Shape(), p.Tensor.Shape()) {
			e.Mismatched = append(e.Mismatched, ShapeMismatch{p.Name, src.Shape(), p.Tensor.Shape()})
			continue
		}
		pairs = append(pairs, [2]*eager.Tensor{p.Tensor, src})
	}
	for name := range sd {
		if !known[name] {
			e.Unexpected = append(e.Unexpected, name)
		}
	}
	sort.Strings(e.Unexpected)
	if !strict {
		e.Missing, e.Unexpected = nil, nil
	}
	if len(e.Missing)+len(e.Unexpected)+len(e.Mismatched) > 0 {
		return e
	}
	eager.NoGrad(func() {
		for _, p := range pairs {
			p[0].CopyFrom(p[1])
		}
	})
	return nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// SaveModel writes the module's state dict to a safetensors file at path, atomically, with
// the metadata {"format": "pt"} that PyTorch-side loaders look for. The options choose the
// float storage format (WithFloat16, WithBFloat16).
func SaveModel(path string, m nn.Module, opts ...Option) error {
	return SaveSafetensors(path, StateDict(m), map[string]string{"format": "pt"}, opts...)
}

// LoadModel loads a safetensors state dict from path into the module (see LoadStateDict).
func LoadModel(path string, m nn.Module, strict bool) error {
	sd, _, err := LoadSafetensors(path)
	if err != nil {
		return err
	}
	return LoadStateDict(m, sd, strict)
}
