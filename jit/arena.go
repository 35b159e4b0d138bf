package jit

import "github.com/eagerml/eager"

// slot is one buffer of the memory plan: values that are never live at the same time share
// it, and it is kept across calls (in a pool of arenas, one per concurrent call).
type slot struct {
	DType eager.DType
	N     int
}

type arena struct{ t []*eager.Tensor }

func newArena(slots []slot) *arena { return &arena{t: make([]*eager.Tensor, len(slots))} }

// get returns slot k viewed with shape.
func (a *arena) get(slots []slot, k int, shape []int) *eager.Tensor {
	t := a.t[k]
	if t == nil {
		t = eager.ZerosOf(slots[k].DType, slots[k].N)
		a.t[k] = t
	}
	if !shapeIs(t, shape) {
		return t.Reshape(shape...)
	}
	return t
}
