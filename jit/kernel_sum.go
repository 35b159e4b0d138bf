package jit

import (
	"github.com/eagerml/eager"
	"github.com/eagerml/eager/internal/parallel"
)

func init() {
	nativeKernels["SumN"] = func(p *plan, i int) kernel {
		if p.g.Nodes[i].DType == eager.Float64 {
			return sumN[float64](p, i)
		}
		return sumN[float32](p, i)
	}
}

// sumN adds its terms (broadcast to the output's shape) per element in argument order,
// ((t0 + t1) + t2) + ..., rounding to T after each addition exactly as the chain of eager
// Adds did, one tile of the output at a time so that the partial sums stay in L1, with
// eager's vector kernels for the additions (binaryApply, as fused loops add).
func sumN[T float](p *plan, i int) kernel {
	n := p.g.Nodes[i]
	args, shape := n.Args, n.Shape
	total := numel(shape)
	tile := p.cfg.tile
	argInput := make([]int, len(args)) // the argument index of Input terms, else -1
	for k, a := range args {
		argInput[k] = -1
		if p.g.Nodes[a].Op == "Input" {
			argInput[k] = p.g.Nodes[a].Index
		}
	}
	val := func(c *execCtx, k int) *eager.Tensor {
		if argInput[k] >= 0 {
			return c.xs[argInput[k]]
		}
		return c.vals[args[k]]
	}
	if total == 1 {
		return sumScalars[T](p, i, argInput)
	}
	add := binaryFunc[T](bAdd)
	return func(c *execCtx) *eager.Tensor {
		out := c.outputFor(p, i, true) // the tiles cover every element
		od, oo := eager.StorageData[T](out)
		o := od[oo : oo+total]
		srcs := make([]source[T], len(args))
		for k := range args {
			srcs[k] = newSource[T](val(c, k), shape)
		}
		tiles := (total + tile - 1) / tile
		parallel.For(tiles, max(1, (1<<16)/(tile*len(args))), func(lo, hi int) {
			buf, buf1 := make([]T, tile), make([]T, tile)
			for t := lo; t < hi; t++ {
				pos := t * tile
				m := min(tile, total-pos)
				dst := o[pos : pos+m]
				// The first two terms are read before dst is written: the memory plan may
				// place the sum in the buffer of either (programAliasOK).
				v0, v1 := srcs[0].tile(buf[:m], pos), srcs[1].tile(buf1[:m], pos)
				binaryApply(bAdd, add, dst, opnd[T]{v: v0, s: srcs[0].scalar}, opnd[T]{v: v1, s: srcs[1].scalar})
				for k := 2; k < len(srcs); k++ {
					binaryApply(bAdd, add, dst, opnd[T]{v: dst}, opnd[T]{v: srcs[k].tile(buf[:m], pos), s: srcs[k].scalar})
				}
			}
		})
		return out
	}
}

// sumScalars is sumN for one-element terms, the textbook case of a long list of numbers
// (BenchmarkSumList: 10,000 of them). The sum itself is a chain of dependent additions
// (eager's order and rounding), so what else a term costs is memory traffic: every term
// lives in an allocation of its own, and one cache line read per term is the floor. The
// kernel therefore keeps where each term's element lives, in arrays read in order: terms
// that are the same tensor at every call (constants, captured parameters) are resolved
// once, and the others are compared with the tensor they were at the previous call on the
// same (pooled) context, so that the tensor itself is read only when it changed.
func sumScalars[T float](p *plan, i int, argInput []int) kernel {
	args := p.g.Nodes[i].Args
	fixed := make([]*T, len(args)) // element of terms whose tensor never changes, else nil
	allFixed, identity := true, len(args) > 0
	for k, a := range args {
		identity = identity && argInput[k] == k
		if t := fixedTensor(p, a); t != nil {
			d, off := eager.StorageData[T](t)
			fixed[k] = &d[off]
			continue
		}
		allFixed = false
	}
	elem := func(t *eager.Tensor) *T {
		d, off := eager.StorageData[T](t)
		return &d[off]
	}
	result := func(c *execCtx, acc T) *eager.Tensor {
		out := c.outputTensor(p, i)
		od, oo := eager.StorageData[T](out)
		od[oo] = acc
		return out
	}
	switch {
	case allFixed:
		return func(c *execCtx) *eager.Tensor {
			acc := *fixed[0]
			for _, e := range fixed[1:] {
				acc += *e
			}
			return result(c, acc)
		}
	case identity:
		// The terms are the arguments, in order (a sum of the list passed in).
		return func(c *execCtx) *eager.Tensor {
			ts, ps := scalarCache[T](c, i, len(args))
			xs := c.xs[:len(args)]
			ts, ps = ts[:len(xs)], ps[:len(xs)]
			for k, t := range xs {
				if ts[k] != t {
					ts[k], ps[k] = t, elem(t)
				}
			}
			acc := *ps[0]
			for _, e := range ps[1:] {
				acc += *e
			}
			return result(c, acc)
		}
	}
	return func(c *execCtx) *eager.Tensor {
		ts, ps := scalarCache[T](c, i, len(args))
		for k, a := range args {
			if fixed[k] != nil {
				ps[k] = fixed[k]
				continue
			}
			t := c.vals[a]
			if argInput[k] >= 0 {
				t = c.xs[argInput[k]]
			}
			if ts[k] != t {
				ts[k], ps[k] = t, elem(t)
			}
		}
		acc := *ps[0]
		for _, e := range ps[1:] {
			acc += *e
		}
		return result(c, acc)
	}
}

// scalarCache returns node i's arrays of term tensors and their elements' addresses, kept
// in the call context across calls.
func scalarCache[T float](c *execCtx, i, n int) ([]*eager.Tensor, []*T) {
	type cache struct {
		ts []*eager.Tensor
		ps []*T
	}
	if c.memo == nil {
		c.memo = map[int]any{}
	}
	m, _ := c.memo[i].(*cache)
	if m == nil {
		m = &cache{make([]*eager.Tensor, n), make([]*T, n)}
		c.memo[i] = m
	}
	return m.ts, m.ps
}

// fixedTensor returns the tensor node a holds at every call (a constant or a captured
// tensor), or nil.
func fixedTensor(p *plan, a int) *eager.Tensor {
	switch m := p.g.Nodes[a]; {
	case m.Op == "Const":
		return m.Const
	case m.Op == "Capture":
		return p.g.Captures[m.Index].Tensor
	}
	return nil
}
