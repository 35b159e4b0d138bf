package jit

import (
	"github.com/eagerml/eager"
	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

func init() {
	nativeKernels["Gemm"] = func(p *plan, i int) kernel {
		if p.g.Nodes[i].DType == eager.Float64 {
			return gemmKernel[float64](p, i)
		}
		return gemmKernel[float32](p, i)
	}
}

// gemmOperand returns how GEMM reads matrix b of a [B, R, C] tensor as eager does: row-major
// with leading dimension ld, or transposed; ok is false when it needs a contiguous copy.
func gemmOperand(t *eager.Tensor) (trans bool, ld int, ok bool) {
	sh, st := t.Shape(), t.Strides()
	r, c := sh[1], sh[2]
	sr, sc := st[1], st[2]
	if (c == 1 || sc == 1) && (r == 1 || sr >= c) {
		if r == 1 {
			return false, max(c, 1), true
		}
		return false, sr, true
	}
	if (r == 1 || sr == 1) && (c == 1 || sc >= r) {
		if c == 1 {
			return true, max(r, 1), true
		}
		return true, sc, true
	}
	return false, 0, false
}

// gemmOperandData returns t as a GEMM operand: t itself or, when its matrices are not laid
// out for GEMM (gemmOperand), a contiguous copy, with the transposition, the leading
// dimension, and the storage and offset its matrices start at.
func gemmOperandData[T float](t *eager.Tensor) (u *eager.Tensor, trans bool, ld int, d []T, off int) {
	trans, ld, ok := gemmOperand(t)
	if !ok {
		t = t.Contiguous()
		trans, ld, _ = gemmOperand(t)
	}
	d, off = eager.StorageDataRead[T](t)
	return t, trans, ld, d, off
}

// gemmKernel computes Bmm(a, b) (+ bias) (then the activation, or the ReLU mask), a block of
// rows at a time.
func gemmKernel[T float](p *plan, i int) kernel {
	n := p.g.Nodes[i]
	hasBias := attrOf(n.Attrs, "bias") == true
	var act func(dst, src []T)
	name, _ := attrOf(n.Attrs, "act").(string)
	mask := name == "ReLUBackward" // the last argument is the ReLU output y: dst = g where y > 0
	if name != "" && !mask {
		act = unaryKernel[T](name, unaryOps[name]([2]float64{attrFloat(n.Attrs, "p0"), attrFloat(n.Attrs, "p1")}))
	}
	args := n.Args
	return func(c *execCtx) *eager.Tensor {
		a, b := c.vals[args[0]], c.vals[args[1]]
		ash, bsh := a.Shape(), b.Shape()
		B, M, K, N := ash[0], ash[1], ash[2], bsh[2]
		a, ta, lda, ad, aoff := gemmOperandData[T](a)
		b, tb, ldb, bd, boff := gemmOperandData[T](b)
		as, bs := a.Strides()[0], b.Strides()[0]
		out := c.outputFor(p, i, true) // the product writes every element
		od, ooff := eager.StorageData[T](out)
		var y []T
		if mask {
			d, off := eager.StorageDataRead[T](c.vals[args[len(args)-1]].Contiguous())
			y = d[off : off+B*M*N]
		}
		var bias []T
		if hasBias {
			bt := c.vals[args[2]]
			d, off := eager.StorageDataRead[T](bt)
			st := bt.Strides()
			s := 0
			if len(st) > 0 {
				s = st[len(st)-1]
			}
			if s == 1 || N == 1 {
				bias = d[off : off+N]
			} else {
				bias = make([]T, N)
				for j := range bias {
					bias[j] = d[off+j*s]
				}
			}
		}
		// The product exactly as eager's Bmm computes it (the same call, so the same bits),
		// then bias and activation in parallel over rows while the output is still in cache.
		for bi := 0; bi < B; bi++ {
			kernels.Gemm(ta, tb, M, N, K, ad[aoff+bi*as:], lda, bd[boff+bi*bs:], ldb, od[ooff+bi*M*N:], N, false)
		}
		if bias == nil && act == nil && y == nil {
			return out
		}
		rows := B * M
		o := od[ooff : ooff+rows*N]
		grain := max(1, min(rows, (1<<14)/max(N, 1)))
		parallel.For(rows, grain, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				row := o[r*N : (r+1)*N]
				if bias != nil {
					kernels.Add(row, row, bias)
				}
				if act != nil {
					act(row, row)
				}
				if y != nil {
					kernels.ReLUBackward(row, row, y[r*N:(r+1)*N])
				}
			}
		})
		return out
	}
}
