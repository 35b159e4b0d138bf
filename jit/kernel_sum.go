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

// termRef remembers where a one-element term's value lives.
type termRef[T float] struct {
	t *eager.Tensor
	p *T
}

// sumN adds its terms (broadcast to the output's shape) per element in argument order,
// ((t0 + t1) + t2) + ..., rounding to T after each addition exactly as the chain of eager
// Adds did, one tile of the output at a time so that the partial sums stay in L1.
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
	return func(c *execCtx) *eager.Tensor {
		out := c.outputTensor(p, i)
		od, oo := eager.StorageData[T](out)
		o := od[oo : oo+total]
		if total == 1 { // the textbook case: a long list of one-element tensors
			// Remember where each term's element lives: the same tensors come back at
			// every call when they are parameters or constants.
			if c.memo == nil {
				c.memo = map[int]any{}
			}
			cache, _ := c.memo[i].([]termRef[T])
			if cache == nil {
				cache = make([]termRef[T], len(args))
				c.memo[i] = cache
			}
			var acc T
			for k := range args {
				t := val(c, k)
				r := &cache[k]
				if r.t != t {
					d, off := eager.StorageData[T](t)
					r.t, r.p = t, &d[off]
				}
				if k == 0 {
					acc = *r.p
				} else {
					acc += *r.p
				}
			}
			o[0] = acc
			return out
		}
		srcs := make([]source[T], len(args))
		for k := range args {
			srcs[k] = newSource[T](val(c, k), shape)
		}
		tiles := (total + tile - 1) / tile
		parallel.For(tiles, max(1, (1<<16)/(tile*len(args))), func(lo, hi int) {
			buf := make([]T, tile)
			for t := lo; t < hi; t++ {
				pos := t * tile
				m := min(tile, total-pos)
				dst := o[pos : pos+m]
				if v := srcs[0].tile(buf[:m], pos); v == nil {
					s := srcs[0].scalar
					for j := range dst {
						dst[j] = s
					}
				} else {
					copy(dst, v)
				}
				for k := 1; k < len(srcs); k++ {
					v := srcs[k].tile(buf[:m], pos)
					if v == nil {
						s := srcs[k].scalar
						for j := range dst {
							dst[j] += s
						}
						continue
					}
					v = v[:len(dst)]
					for j := range dst {
						dst[j] += v[j]
					}
				}
			}
		})
		return out
	}
}
