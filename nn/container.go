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
// values and gradients are the same with one activation buffer fewer. A ReLU followed by a
// MaxPool2d runs after the pool instead, on its (smaller) output: ReLU is monotonic, so
// maxpool(relu(x)) = relu(maxpool(x)) bit for bit, and the input gradient is the same too
// (where a window's maximum is not positive both give zeros).
func (s *Sequential) Forward(x *eager.Tensor) *eager.Tensor {
	var prev Module
	for i := 0; i < len(s.Layers); i++ {
		l := s.Layers[i]
		_, relu := l.(*ReLU)
		switch {
		case relu && i+1 < len(s.Layers) && isMaxPool2d(s.Layers[i+1]):
			x = eager.ReLUReusing(s.Layers[i+1].Forward(x)) // the pool's backward reads only its indices
			i++
			l = s.Layers[i]
		case relu && freshOutput(prev):
			x = eager.ReLUReusing(x)
		default:
			x = l.Forward(x)
		}
		prev = l
	}
	return x
}

func isMaxPool2d(m Module) bool {
	_, ok := m.(*MaxPool2d)
	return ok
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
