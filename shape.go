package eager

func numel(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

func isContiguous(shape, strides []int) bool {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && strides[i] != s {
			return false
		}
		s *= shape[i]
	}
	return true
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// normDim turns a possibly negative dim into an index in [0, rank), panicking for op otherwise.
// As in PyTorch, a 0-d tensor accepts dim 0 and -1 (ops that index a dim reject 0-d tensors
// themselves, with noDims).
func normDim(op string, d, rank int) int {
	r := max(rank, 1)
	if d < -r || d >= r {
		failf(op, "dim %d out of range for a tensor of rank %d", d, rank)
	}
	if d < 0 {
		d += r
	}
	return d
}

// noDims panics for op when x is 0-d: op needs a dim to index.
func noDims(op string, x *Tensor) {
	if len(x.shape) == 0 {
		failf(op, "cannot be applied to a 0-d tensor")
	}
}

// normDims normalises a list of dims; an empty list means all dims. It panics on duplicates.
func normDims(op string, dims []int, rank int) []int {
	if len(dims) == 0 {
		all := make([]int, rank)
		for i := range all {
			all[i] = i
		}
		return all
	}
	out := make([]int, len(dims))
	var seen uint64
	for i, d := range dims {
		nd := normDim(op, d, rank)
		if rank == 0 {
			out = out[:0]
			continue
		}
		if seen&(1<<uint(nd)) != 0 {
			failf(op, "dim %d appears more than once in %v", d, dims)
		}
		seen |= 1 << uint(nd)
		out[i] = nd
	}
	return out
}

// broadcastShapes returns the NumPy/PyTorch broadcast of a and b.
func broadcastShapes(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			failf(op, "shapes %v and %v cannot be broadcast together (dim %d: %d vs %d)", a, b, i, da, db)
		}
	}
	return out
}

// broadcastStrides returns x's strides for viewing it with shape out (rank >= x's rank):
// broadcast dims get stride 0.
func broadcastStrides(x *Tensor, out []int) []int {
	st := make([]int, len(out))
	k := len(out) - len(x.shape)
	for i := range x.shape {
		if x.shape[i] != 1 || out[k+i] == 1 {
			st[k+i] = x.strides()[i]
		}
		if x.shape[i] == 1 && out[k+i] != 1 {
			st[k+i] = 0
		}
	}
	return st
}

func copyInts(s []int) []int { return append([]int(nil), s...) }
