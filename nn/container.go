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

// Forward runs x through every layer in order. A ReLU right after a Linear or Conv2d layer
// runs in that layer's output buffer (eager.ReLUReusing, PyTorch's inplace=True): the
// output is new and seen by nobody else, and neither layer's backward reads it, so the
// values and gradients are the same with one activation buffer fewer.
func (s *Sequential) Forward(x *eager.Tensor) *eager.Tensor {
	var prev Module
	for _, l := range s.Layers {
		if _, relu := l.(*ReLU); relu && freshOutput(prev) {
			x = eager.ReLUReusing(x)
		} else {
			x = l.Forward(x)
		}
		prev = l
	}
	return x
}

// freshOutput reports whether m's Forward always returns a new tensor whose buffer nothing
// else references and whose values its backward does not read.
func freshOutput(m Module) bool {
	switch m.(type) {
	case *Linear, *Conv2d:
		return true
	}
	return false
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
