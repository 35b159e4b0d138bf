package nn

import (
	"strconv"

	"github.com/eagerml/eager"
)

// Sequential chains modules: each one's output is the next one's input. Its submodules are
// named "0", "1", ... as in PyTorch, so state-dict keys match (e.g. "0.weight").
type Sequential struct {
	Base
	Layers []Module
}

// NewSequential returns a Sequential of the given modules.
func NewSequential(layers ...Module) *Sequential {
	s := &Sequential{}
	for _, l := range layers {
		s.Append(l)
	}
	return s
}

// Append adds a module at the end.
func (s *Sequential) Append(m Module) {
	s.RegisterModule(strconv.Itoa(len(s.Layers)), m)
	s.Layers = append(s.Layers, m)
}

// Forward runs x through every layer in order.
func (s *Sequential) Forward(x *eager.Tensor) *eager.Tensor {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// ModuleList holds submodules named "0", "1", ... without a forward of its own.
type ModuleList struct {
	Base
	Modules []Module
}

// NewModuleList returns a ModuleList of the given modules.
func NewModuleList(ms ...Module) *ModuleList {
	l := &ModuleList{}
	for _, m := range ms {
		l.Append(m)
	}
	return l
}

// Append adds a module at the end.
func (l *ModuleList) Append(m Module) {
	l.RegisterModule(strconv.Itoa(len(l.Modules)), m)
	l.Modules = append(l.Modules, m)
}

// Forward panics: a ModuleList has no forward; iterate over Modules instead.
func (l *ModuleList) Forward(x *eager.Tensor) *eager.Tensor {
	fail("nn.ModuleList", "has no Forward; iterate over its Modules")
	return nil
}
