package eager

import (
	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

var opBmm = defOp("Bmm", true)

// MatMul returns the matrix product of x and y with PyTorch's torch.matmul semantics:
// 1-D·1-D is a dot product (0-d result); 2-D·2-D is a matrix product; a 1-D operand is
// treated as a row (left) or column (right) vector and that dim is removed afterwards; and
// operands with more dims are batches of matrices whose batch dims broadcast.
func (x *Tensor) MatMul(y *Tensor) *Tensor {
	if x == nil || y == nil {
		failf("MatMul", "nil tensor argument")
	}
	xr, yr := len(x.shape), len(y.shape)
	if xr == 0 || yr == 0 {
		failf("MatMul", "both arguments need at least 1 dim, got shapes %v and %v", x.shape, y.shape)
	}
	if !x.dtype.IsFloat() || !y.dtype.IsFloat() {
		failf("MatMul", "needs floating-point tensors, got %v and %v (shapes %v and %v)", x.dtype, y.dtype, x.shape, y.shape)
	}
	k1 := x.shape[xr-1]
	k2 := y.shape[0]
	if yr >= 2 {
		k2 = y.shape[yr-2]
	}
	if k1 != k2 {
		failf("MatMul", "shapes %v and %v do not match: inner dims %d and %d differ", x.shape, y.shape, k1, k2)
	}
	switch {
	case xr == 1 && yr == 1:
		return x.Unsqueeze(0).mm(y.Unsqueeze(1)).Reshape()
	case xr == 2 && yr == 2:
		return x.mm(y)
	case xr == 1:
		return x.Unsqueeze(0).MatMul(y).Squeeze(-2)
	case yr == 1:
		return x.MatMul(y.Unsqueeze(1)).Squeeze(-1)
	case yr == 2: // fold x's batch dims into its rows: one big GEMM
		lead := x.shape[:xr-1]
		out := x.Reshape(-1, k1).mm(y)
		return out.Reshape(append(copyInts(lead), y.shape[1])...)
	}
	// Batched: broadcast the batch dims, flatten them, and run Bmm.
	bx, by := x.shape[:xr-2], y.shape[:yr-2]
	batch := broadcastShapes("MatMul", bx, by)
	m, n := x.shape[xr-2], y.shape[yr-1]
	bs := numel(batch)
	xe := x.Expand(append(copyInts(batch), m, k1)...).Reshape(bs, m, k1)
	ye := y.Expand(append(copyInts(batch), k1, n)...).Reshape(bs, k1, n)
	return Bmm(xe, ye).Reshape(append(copyInts(batch), m, n)...)
}

// mm is the 2-D matrix product via Bmm.
func (x *Tensor) mm(y *Tensor) *Tensor {
	return Bmm(x.Unsqueeze(0), y.Unsqueeze(0)).Squeeze(0)
}

// Outer returns the outer product of 1-D tensors x and y: out[i][j] = x[i]*y[j].
func Outer(x, y *Tensor) *Tensor {
	if len(x.shape) != 1 || len(y.shape) != 1 {
		failf("Outer", "expects 1-D tensors, got shapes %v and %v", x.shape, y.shape)
	}
	return x.Unsqueeze(1).Mul(y.Unsqueeze(0))
}

// Bmm returns the batched matrix product of a [B, M, K] and b [B, K, N], giving [B, M, N].
func Bmm(a, b *Tensor) *Tensor {
	t0 := opStart()
	if len(a.shape) != 3 || len(b.shape) != 3 || a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1] {
		failf("Bmm", "shapes %v and %v do not match: want [B M K] and [B K N]", a.shape, b.shape)
	}
	dt := resultType(a, b)
	if !dt.IsFloat() {
		failf("Bmm", "needs floating-point tensors, got %v and %v", a.dtype, b.dtype)
	}
	a, b = a.To(dt), b.To(dt)
	B, M, K, N := a.shape[0], a.shape[1], a.shape[2], b.shape[2]
	out := newTensor(dt, []int{B, M, N})
	ga, ta, lda := gemmOperand(a)
	gb, tb, ldb := gemmOperand(b)
	item := func(i int) {
		oa := ga.offset + i*ga.strides[0]
		ob := gb.offset + i*gb.strides[0]
		switch dt {
		case Float32:
			kernels.Gemm(ta, tb, M, N, K, ga.st.f32[oa:], lda, gb.st.f32[ob:], ldb, out.st.f32[i*M*N:], N, false)
		case Float64:
			kernels.Gemm(ta, tb, M, N, K, ga.st.f64[oa:], lda, gb.st.f64[ob:], ldb, out.st.f64[i*M*N:], N, false)
		}
	}
	// A product too small to be split across cores by Gemm itself (attention's per-head
	// products) is run one batch item per task instead. Each item's result does not depend
	// on which goroutine computes it, so results are the same for any core count.
	if flops := 2 * M * N * K; B > 1 && flops < kernels.ParallelFlops && B*flops >= kernels.ParallelFlops {
		parallel.For(B, max(1, kernels.ParallelFlops/max(flops, 1)/2), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				item(i)
			}
		})
	} else {
		for i := 0; i < B; i++ {
			item(i)
		}
	}
	if needsGrad(a, b) {
		n := record(opBmm, out, func(g *Tensor) []*Tensor {
			var dA, dB *Tensor
			if a.requiresGrad {
				dA = Bmm(g, b.Transpose(1, 2))
			}
			if b.requiresGrad {
				dB = Bmm(a.Transpose(1, 2), g)
			}
			return []*Tensor{dA, dB}
		}, a, b)
		n.save(a, b)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opBmm, t0, out, nil, a, b)
	}
	return out
}

// gemmOperand returns a tensor whose batch matrices GEMM can read directly (row-major, or
// transposed row-major), whether it is transposed, and its leading dimension. Other layouts
// are copied.
func gemmOperand(t *Tensor) (*Tensor, bool, int) {
	r, c := t.shape[1], t.shape[2]
	sr, sc := t.strides[1], t.strides[2]
	if (c == 1 || sc == 1) && (r == 1 || sr >= c) {
		if r == 1 {
			return t, false, max(c, 1)
		}
		return t, false, sr
	}
	if (r == 1 || sr == 1) && (c == 1 || sc >= r) {
		if c == 1 {
			return t, true, max(r, 1)
		}
		return t, true, sc
	}
	u := copyContiguous(t)
	return u, false, max(c, 1)
}
