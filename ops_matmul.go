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
	// Batched: broadcast the batch dims, flatten them when both operands allow it without a
	// copy, and run Bmm (which also takes several batch dims, read through their strides:
	// attention's heads of a [N, L, E] projection are such a view).
	bx, by := x.shape[:xr-2], y.shape[:yr-2]
	batch := broadcastShapes("MatMul", bx, by)
	m, n := x.shape[xr-2], y.shape[yr-1]
	bs := numel(batch)
	xe := x.Expand(append(copyInts(batch), m, k1)...)
	ye := y.Expand(append(copyInts(batch), k1, n)...)
	if len(batch) > 1 && (viewStrides(xe.shape, xe.strides(), []int{bs, m, k1}) == nil || viewStrides(ye.shape, ye.strides(), []int{bs, k1, n}) == nil) {
		return Bmm(xe, ye)
	}
	return Bmm(xe.Reshape(bs, m, k1), ye.Reshape(bs, k1, n)).Reshape(append(copyInts(batch), m, n)...)
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
// More than one batch dim is allowed ([B1, B2, ..., M, K] and [B1, B2, ..., K, N], the same
// batch dims in both); each batch matrix is read in place through its strides.
func Bmm(a, b *Tensor) *Tensor {
	t0 := opStart()
	r := len(a.shape)
	if r < 3 || len(b.shape) != r || !sameShape(a.shape[:r-2], b.shape[:r-2]) || a.shape[r-1] != b.shape[r-2] {
		failf("Bmm", "shapes %v and %v do not match: want [B M K] and [B K N]", a.shape, b.shape)
	}
	dt := resultType(a, b)
	if !dt.IsFloat() {
		failf("Bmm", "needs floating-point tensors, got %v and %v", a.dtype, b.dtype)
	}
	a, b = a.To(dt), b.To(dt)
	batch := a.shape[:r-2]
	M, N := a.shape[r-2], b.shape[r-1]
	out := newTensorUninit(dt, append(copyInts(batch), M, N))
	bmmInto(out, a, b)
	if needsGrad(a, b) {
		recordBmm(out, a, b, nil)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opBmm, t0, out, nil, a, b)
	}
	return out
}

// bmmInto writes the products of a's and b's batch matrices into out, whose matrices have
// unit column stride (any row and batch strides).
func bmmInto(out, a, b *Tensor) {
	r := len(a.shape)
	B, M, K, N := numel(a.shape[:r-2]), a.shape[r-2], a.shape[r-1], b.shape[r-1]
	dt := out.dtype
	ga, ta, lda := gemmOperand(a)
	gb, tb, ldb := gemmOperand(b)
	offA, offB, offC := batchOffsets(ga, r-2), batchOffsets(gb, r-2), batchOffsets(out, r-2)
	ldc := N
	if M > 1 {
		ldc = out.strides()[r-2]
	}
	item := func(i int) {
		oa, ob, oc := offA(i), offB(i), offC(i)
		switch dt {
		case Float32:
			kernels.Gemm(ta, tb, M, N, K, ga.st.f32()[oa:], lda, gb.st.f32()[ob:], ldb, out.st.f32()[oc:], ldc, false)
		case Float64:
			kernels.Gemm(ta, tb, M, N, K, ga.st.f64()[oa:], lda, gb.st.f64()[ob:], ldb, out.st.f64()[oc:], ldc, false)
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
}

// bmmGrad returns Bmm(x, y), the gradient of the Bmm operand like, laid out in memory as like
// is when like is a permutation of a dense tensor (attention's heads, a view of a [N, L, E]
// projection, or their transpose): the gradient then flows back through the views like came
// from without a copy. Only while the backward is neither recorded nor observed; the values
// are Bmm's, bit for bit (a transposed layout is computed as the transposed product, whose
// every element is the same sequence of fused multiply-adds).
func bmmGrad(x, y, like *Tensor) *Tensor {
	r := len(like.shape)
	if IsGradEnabled() || slowPath.Load() != 0 || x.dtype != y.dtype || x.dtype != like.dtype || like.IsContiguous() {
		return Bmm(x, y)
	}
	M, N := like.shape[r-2], like.shape[r-1]
	perm := densePerm(like)
	if perm == nil || M < 2 || N < 2 {
		return Bmm(x, y)
	}
	out := newTensorUninit(like.dtype, permuted(like.shape, perm)).Permute(inversePerm(perm)...).Detach()
	if !bmmIntoView(out, x, y) {
		return Bmm(x, y)
	}
	return out
}

// bmmIntoView writes Bmm(x, y) into out, a view whose matrices have a unit stride along
// their last dim (written as bmmInto writes) or along the dim before it (computed as the
// transposed product yᵀ·xᵀ into out's transpose, whose every element is the same sequence
// of fused multiply-adds, so the bits are the same). For other layouts it writes nothing
// and reports false.
func bmmIntoView(out, x, y *Tensor) bool {
	r := len(out.shape)
	switch {
	case out.strides()[r-1] == 1:
		bmmInto(out, x, y)
	case out.strides()[r-2] == 1:
		bmmInto(out.Transpose(-2, -1), y.Transpose(-2, -1), x.Transpose(-2, -1))
	default:
		return false
	}
	return true
}

// BmmPermuted returns Bmm(a, b).Permute(dims...).Contiguous(), the product written
// straight into the permuted layout instead of computed and then copied there, with the
// same values and gradients, bit for bit. Attention merges its heads back into [N, L, E]
// this way (nn.MultiheadAttention), and jit computes such products so when eager code
// permutes and copies them. While an observer is installed (jit tracing, profiling), for
// mixed or integer dtypes, for a matrix dim of size 1, and for a permutation that leaves
// neither of the product's matrix dims with a unit stride, it is the three ops.
func BmmPermuted(a, b *Tensor, dims ...int) *Tensor {
	r := len(a.shape)
	if r < 3 || len(b.shape) != r || len(dims) != r || slowPath.Load() != 0 || a.dtype != b.dtype || !a.dtype.IsFloat() ||
		!sameShape(a.shape[:r-2], b.shape[:r-2]) || a.shape[r-1] != b.shape[r-2] {
		return Bmm(a, b).Permute(dims...).Contiguous()
	}
	shape := append(copyInts(a.shape[:r-1]), b.shape[r-1])
	nd := normDims("BmmPermuted", dims, r)
	if shape[r-2] < 2 || shape[r-1] < 2 {
		return Bmm(a, b).Permute(dims...).Contiguous()
	}
	out := newTensorUninit(a.dtype, permuted(shape, nd))
	inv := inversePerm(nd)
	if !bmmIntoView(out.Permute(inv...), a, b) {
		return Bmm(a, b).Permute(dims...).Contiguous()
	}
	if needsGrad(a, b) {
		recordBmm(out, a, b, inv)
	}
	return out
}

// recordBmm records Bmm's node for out = a·b, or for out = (a·b).Permute(p) when inv (p's
// inverse) is not nil: the backward then views the gradient back in the product's dims, as
// the Contiguous and Permute nodes of the three ops would pass it on.
func recordBmm(out, a, b *Tensor, inv []int) {
	n := record(opBmm, out, func(g *Tensor) []*Tensor {
		if inv != nil {
			g = g.Permute(inv...)
		}
		var dA, dB *Tensor
		if a.requiresGrad {
			dA = bmmGrad(g, b.Transpose(-2, -1), a)
		}
		if b.requiresGrad {
			dB = bmmGrad(a.Transpose(-2, -1), g, b)
		}
		return []*Tensor{dA, dB}
	}, a, b)
	n.save(a, b)
}

// densePerm returns the order of t's dims from the largest stride to the smallest when t's
// elements exactly fill a dense block in that order (t is a permuted contiguous tensor), or
// nil. Dims of size 1 are placed where they stand.
func densePerm(t *Tensor) []int {
	n := len(t.shape)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := 1; i < n; i++ { // stable insertion sort by decreasing stride
		for j := i; j > 0 && t.strides()[perm[j]] > t.strides()[perm[j-1]]; j-- {
			perm[j], perm[j-1] = perm[j-1], perm[j]
		}
	}
	want := 1
	for i := n - 1; i >= 0; i-- {
		d := perm[i]
		if t.shape[d] == 1 {
			continue
		}
		if t.strides()[d] != want {
			return nil
		}
		want *= t.shape[d]
	}
	return perm
}

func permuted(shape, perm []int) []int {
	out := make([]int, len(perm))
	for i, p := range perm {
		out[i] = shape[p]
	}
	return out
}

func inversePerm(perm []int) []int {
	inv := make([]int, len(perm))
	for i, p := range perm {
		inv[p] = i
	}
	return inv
}

// batchOffsets returns the storage offset of t's batch matrix i (row-major over its first
// nb dims).
func batchOffsets(t *Tensor, nb int) func(i int) int {
	if nb == 1 {
		return func(i int) int { return t.offset + i*t.strides()[0] }
	}
	shape, strides := t.shape[:nb], t.strides()[:nb]
	return func(i int) int {
		o := t.offset
		for d := nb - 1; d >= 0; d-- {
			o += i % shape[d] * strides[d]
			i /= shape[d]
		}
		return o
	}
}

// gemmOperand returns a tensor whose batch matrices GEMM can read directly (row-major, or
// transposed row-major), whether it is transposed, and its leading dimension. Other layouts
// are copied.
func gemmOperand(t *Tensor) (*Tensor, bool, int) {
	n := len(t.shape)
	r, c := t.shape[n-2], t.shape[n-1]
	sr, sc := t.strides()[n-2], t.strides()[n-1]
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
