package nn

import (
	"fmt"
	"sort"

	"github.com/eagerml/eager"
)

// Module is a layer or a model: something with a forward computation and parameters.
// Implement it by embedding Base (which supplies parameter bookkeeping, Train/Eval and
// ZeroGrad) and writing Forward:
//
//	type MLP struct {
//		nn.Base
//		fc1, fc2 *nn.Linear
//	}
//
//	func NewMLP() *MLP {
//		m := &MLP{}
//		m.fc1 = nn.Register(m, "fc1", nn.NewLinear(784, 128))
//		m.fc2 = nn.Register(m, "fc2", nn.NewLinear(128, 10))
//		return m
//	}
//
//	func (m *MLP) Forward(x *eager.Tensor) *eager.Tensor {
//		return m.fc2.Forward(m.fc1.Forward(x).ReLU())
//	}
//
// Modules with several inputs (attention, recurrent layers) add their own methods beside
// Forward.
type Module interface {
	Forward(x *eager.Tensor) *eager.Tensor
	Parameters() []*eager.Tensor
	NamedParameters() []NamedTensor
	NamedBuffers() []NamedTensor
	NamedModules(fn func(name string, m Module))
	Train(on bool)
	Eval()
	Training() bool
	ZeroGrad()
	base() *Base // provided by embedding Base
}

// NamedTensor is a parameter or buffer with its dotted name, e.g. "layers.0.weight".
type NamedTensor struct {
	Name   string
	Tensor *eager.Tensor
}

// Base holds a module's parameters, buffers and submodules in registration order, and its
// training flag. Embed it in every module. The zero value is an empty module in training
// mode.
type Base struct {
	params   []NamedTensor
	buffers  []NamedTensor
	children []namedModule
	eval     bool
}

type namedModule struct {
	name string
	m    Module
}

func (b *Base) base() *Base { return b }

// RegisterParameter adds t as a parameter named name (it is made to require grad) and
// returns it.
func (b *Base) RegisterParameter(name string, t *eager.Tensor) *eager.Tensor {
	b.checkName(name)
	if t != nil && !t.RequiresGrad() {
		t.SetRequiresGrad(true)
	}
	b.params = append(b.params, NamedTensor{name, t})
	return t
}

// RegisterBuffer adds t as a buffer: state that is saved with the module but is not trained
// (BatchNorm's running statistics).
func (b *Base) RegisterBuffer(name string, t *eager.Tensor) *eager.Tensor {
	b.checkName(name)
	b.buffers = append(b.buffers, NamedTensor{name, t})
	return t
}

// RegisterModule adds m as a submodule named name.
func (b *Base) RegisterModule(name string, m Module) {
	b.checkName(name)
	b.children = append(b.children, namedModule{name, m})
}

func (b *Base) checkName(name string) {
	if name == "" {
		panic(&eager.Error{Op: "nn.Register", Msg: "empty name", Where: eager.CallerLocation()})
	}
	for _, p := range b.params {
		if p.Name == name {
			panic(&eager.Error{Op: "nn.Register", Msg: fmt.Sprintf("name %q is already used by a parameter", name), Where: eager.CallerLocation()})
		}
	}
	for _, p := range b.buffers {
		if p.Name == name {
			panic(&eager.Error{Op: "nn.Register", Msg: fmt.Sprintf("name %q is already used by a buffer", name), Where: eager.CallerLocation()})
		}
	}
	for _, c := range b.children {
		if c.name == name {
			panic(&eager.Error{Op: "nn.Register", Msg: fmt.Sprintf("name %q is already used by a submodule", name), Where: eager.CallerLocation()})
		}
	}
}

// Register adds child to parent under name and returns child, typed, for assignment to a
// field: m.fc = nn.Register(m, "fc", nn.NewLinear(4, 2)).
func Register[M Module](parent Module, name string, child M) M {
	parent.base().RegisterModule(name, child)
	return child
}

// NamedParameters returns every parameter of the module tree with dotted names, in
// registration order (depth first), each tensor once.
func (b *Base) NamedParameters() []NamedTensor {
	var out []NamedTensor
	seen := map[*eager.Tensor]bool{}
	b.walk("", func(prefix string, mb *Base) {
		for _, p := range mb.params {
			if p.Tensor != nil && !seen[p.Tensor] {
				seen[p.Tensor] = true
				out = append(out, NamedTensor{prefix + p.Name, p.Tensor})
			}
		}
	})
	return out
}

// Parameters returns every parameter of the module tree, in NamedParameters order.
func (b *Base) Parameters() []*eager.Tensor {
	nps := b.NamedParameters()
	out := make([]*eager.Tensor, len(nps))
	for i, p := range nps {
		out[i] = p.Tensor
	}
	return out
}

// NamedBuffers returns every buffer of the module tree with dotted names.
func (b *Base) NamedBuffers() []NamedTensor {
	var out []NamedTensor
	b.walk("", func(prefix string, mb *Base) {
		for _, p := range mb.buffers {
			if p.Tensor != nil {
				out = append(out, NamedTensor{prefix + p.Name, p.Tensor})
			}
		}
	})
	return out
}

// NamedModules calls fn for this module's submodules, depth first, with their dotted names.
func (b *Base) NamedModules(fn func(name string, m Module)) {
	var visit func(prefix string, mb *Base)
	visit = func(prefix string, mb *Base) {
		for _, c := range mb.children {
			fn(prefix+c.name, c.m)
			visit(prefix+c.name+".", c.m.base())
		}
	}
	visit("", b)
}

func (b *Base) walk(prefix string, fn func(prefix string, mb *Base)) {
	fn(prefix, b)
	for _, c := range b.children {
		c.m.base().walk(prefix+c.name+".", fn)
	}
}

// Train sets training mode (on) or evaluation mode (off) on the module tree. Dropout and
// BatchNorm behave differently in the two modes.
func (b *Base) Train(on bool) {
	b.walk("", func(_ string, mb *Base) { mb.eval = !on })
}

// Eval is Train(false).
func (b *Base) Eval() { b.Train(false) }

// Training reports whether the module is in training mode.
func (b *Base) Training() bool { return !b.eval }

// ZeroGrad clears the gradients of all parameters.
func (b *Base) ZeroGrad() {
	for _, p := range b.Parameters() {
		p.ZeroGrad()
	}
}

// NumParameters returns the total number of parameter elements.
func (b *Base) NumParameters() int {
	n := 0
	for _, p := range b.Parameters() {
		n += p.Numel()
	}
	return n
}

// Summary returns a table of the module's parameters: name, shape, count.
func Summary(m Module) string {
	s := ""
	total := 0
	for _, p := range m.NamedParameters() {
		s += fmt.Sprintf("%-40s %-20v %d\n", p.Name, p.Tensor.Shape(), p.Tensor.Numel())
		total += p.Tensor.Numel()
	}
	return s + fmt.Sprintf("total parameters: %d\n", total)
}

// StateTensors returns parameters and buffers by dotted name, the contents of a state dict.
func StateTensors(m Module) map[string]*eager.Tensor {
	out := map[string]*eager.Tensor{}
	for _, p := range m.NamedParameters() {
		out[p.Name] = p.Tensor
	}
	for _, p := range m.NamedBuffers() {
		out[p.Name] = p.Tensor
	}
	return out
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func fail(op, format string, args ...any) {
	panic(&eager.Error{Op: op, Msg: fmt.Sprintf(format, args...), Where: eager.CallerLocation()})
}
