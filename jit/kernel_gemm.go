package jit

import (
	"runtime"

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

// gemmKernel computes Bmm(a, b) (+ bias) (then the activation), a block of rows at a time.
func gemmKernel[T float](p *plan, i int) kernel {
	n := p.g.Nodes[i]
	hasBias := attrOf(n.Attrs, "bias") == true
	var act func(float64) float64
	if name, _ := attrOf(n.Attrs, "act").(string); name != "" {
		act = unaryOps[name]([2]float64{attrFloat(n.Attrs, "p0"), attrFloat(n.Attrs, "p1")})
	}
	args := n.Args
	return func(c *execCtx) *eager.Tensor {
		a, b := c.vals[args[0]], c.vals[args[1]]
		ash, bsh := a.Shape(), b.Shape()
		B, M, K, N := ash[0], ash[1], ash[2], bsh[2]
		ta, lda, ok := gemmOperand(a)
		if !ok {
			a = a.Contiguous()
			ta, lda, _ = gemmOperand(a)
		}
		tb, ldb, ok := gemmOperand(b)
		if !ok {
			b = b.Contiguous()
			tb, ldb, _ = gemmOperand(b)
		}
		ad, aoff := eager.StorageData[T](a)
		bd, boff := eager.StorageData[T](b)
		as, bs := a.Strides()[0], b.Strides()[0]
		out := c.outputTensor(p, i)
		od, ooff := eager.StorageData[T](out)
		var bias []T
		if hasBias {
			bt := c.vals[args[2]]
			d, off := eager.StorageData[T](bt)
			st := bt.Strides()
			s := 0
			if len(st) > 0 {
				s = st[len(st)-1]
			}
			bias = make([]T, N)
			for j := range bias {
				bias[j] = d[off+j*s]
			}
		}
		// Rows per block: enough to keep the cores busy, few enough to stay in L2.
		rb := max(4, min(M, (1<<15)/max(N, 1)))
		var packed []T
		for bi := 0; bi < B; bi++ {
			bm := bd[boff+bi*bs:]
			bld := ldb
			if tb { // pack B^T once per matrix rather than once per block
				if packed == nil {
					packed = make([]T, K*N)
				}
				for j := 0; j < N; j++ {
					row := bm[j*ldb : j*ldb+K]
					for q, v := range row {
						packed[q*N+j] = v
					}
				}
				bm, bld = packed, N
			}
			for r0 := 0; r0 < M; r0 += rb {
				m := min(rb, M-r0)
				var am []T
				if ta {
					am = ad[aoff+bi*as+r0:]
				} else {
					am = ad[aoff+bi*as+r0*lda:]
				}
				o := od[ooff+(bi*M+r0)*N : ooff+(bi*M+r0+m)*N]
				kernels.Gemm(ta, false, m, N, K, am, lda, bm, bld, o, N, false)
				if bias == nil && act == nil {
					continue
				}
				parallel.For(m, max(1, m/runtime.GOMAXPROCS(0)), func(lo, hi int) {
					for r := lo; r < hi; r++ {
						row := o[r*N : (r+1)*N]
						if bias != nil {
							for j := range row {
								row[j] += bias[j]
							}
						}
						if act != nil {
							for j, v := range row {
								row[j] = T(act(float64(v)))
							}
						}
					}
				})
			}
		}
		return out
	}
}
