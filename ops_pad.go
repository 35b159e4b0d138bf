package eager

// Padding: Pad (torch.nn.functional.pad) with its one primitive, ConstantPad (registered in
// ops_index.go); the reflect, replicate and circular modes are IndexSelect along each dim.

// Pad pads x as torch.nn.functional.pad does. pads holds (before, after) pairs for the last
// dims of x, starting from the last dim and moving forward: (left, right) pads the last dim,
// (left, right, top, bottom) the last two, and so on; len(pads)/2 must not exceed x's rank.
// mode is one of:
//
//   - "constant": fill with value; negative pads remove elements instead (crop);
//   - "reflect": mirror about the edge element, which is not repeated (pads must be smaller
//     than the dim);
//   - "replicate": repeat the edge element;
//   - "circular": wrap around (pads no larger than the dim); negative pads crop first.
//
// value must be 0 for the modes other than "constant". Non-constant modes work on any rank
// (PyTorch 1.13 limits them to batched 1-3 D inputs) and any dtype. The gradient of reflect,
// replicate and circular padding accumulates over the positions each input element fills.
func (x *Tensor) Pad(pads []int, mode string, value float64) *Tensor {
	const name = "Pad"
	checkNotNil(name, x)
	if len(pads)%2 != 0 {
		failf(name, "padding length must be divisible by 2, got %d values %v", len(pads), pads)
	}
	if len(pads)/2 > len(x.shape) {
		failf(name, "padding %v covers %d dims, more than the %d dims of shape %v", pads, len(pads)/2, len(x.shape), x.shape)
	}
	switch mode {
	case "constant":
		return x.constantPad(name, pads, value)
	case "reflect", "replicate", "circular":
	default:
		failf(name, "unknown padding mode %q; want constant, reflect, replicate or circular", mode)
	}
	if value != 0 {
		failf(name, "padding mode %q does not take a value, got %v", mode, value)
	}
	out := x
	for k := 0; k < len(pads)/2; k++ {
		d := len(x.shape) - 1 - k
		l, r := pads[2*k], pads[2*k+1]
		if l == 0 && r == 0 {
			continue
		}
		n := x.shape[d]
		size := n + l + r
		var idx []int64
		switch mode {
		case "reflect":
			if l >= n || r >= n {
				failf(name, "reflect padding (%d, %d) must be smaller than dim %d of size %d (shape %v)", l, r, d, n, x.shape)
			}
			if size < 1 {
				failf(name, "padding (%d, %d) of dim %d of size %d leaves no elements", l, r, d, n)
			}
			idx = padIndex(size, func(j int) int {
				p := j - l
				if p < 0 {
					p = -p
				}
				if p > n-1 {
					p = 2*(n-1) - p
				}
				return p
			})
		case "replicate":
			if n == 0 || size < 1 {
				failf(name, "replicate padding (%d, %d) of dim %d of size %d leaves no elements", l, r, d, n)
			}
			idx = padIndex(size, func(j int) int { return min(max(j-l, 0), n-1) })
		case "circular":
			if l > n || r > n {
				failf(name, "circular padding (%d, %d) wraps around dim %d of size %d more than once", l, r, d, n)
			}
			if size < 0 {
				failf(name, "padding (%d, %d) of dim %d of size %d results in a negative size %d", l, r, d, n, size)
			}
			// Negative pads crop first; positive pads then wrap around what is left.
			start, m := max(-l, 0), n-max(-l, 0)-max(-r, 0)
			if m <= 0 && size > 0 {
				failf(name, "circular padding (%d, %d) of dim %d of size %d crops away everything it would wrap around", l, r, d, n)
			}
			lp := max(l, 0)
			idx = padIndex(size, func(j int) int { return start + ((j-lp)%m+m)%m })
		}
		out = indexSelect(name, out, d, FromSlice(idx))
	}
	if out == x {
		return x.Clone()
	}
	return out
}

// padIndex returns the int64 positions src(j) for j in [0, size).
func padIndex(size int, src func(j int) int) []int64 {
	idx := make([]int64, size)
	for j := range idx {
		idx[j] = int64(src(j))
	}
	return idx
}

// constantPad pads (or, for negative pads, crops) the last len(pads)/2 dims of x with value.
// Its backward is constantPad of the gradient with the pads negated, which crops away what was
// added and zero-fills what was cropped.
func (x *Tensor) constantPad(name string, pads []int, value float64) *Tensor {
	t0 := opStart()
	r := len(x.shape)
	outShape := copyInts(x.shape)
	// The copied region: its shape, and where it starts in x and in the output.
	region := copyInts(x.shape)
	for k := 0; k < len(pads)/2; k++ {
		d := r - 1 - k
		l, rt, n := pads[2*k], pads[2*k+1], x.shape[d]
		if -l > n || -rt > n || n+l+rt < 0 {
			failf(name, "padding (%d, %d) of dim %d of size %d results in a negative size", l, rt, d, n)
		}
		outShape[d] = n + l + rt
		region[d] = n - max(-l, 0) - max(-rt, 0)
	}
	ost := contiguousStrides(outShape)
	srcOff, dstOff := x.offset, 0
	for k := 0; k < len(pads)/2; k++ {
		d := r - 1 - k
		srcOff += max(-pads[2*k], 0) * x.strides()[d]
		dstOff += max(pads[2*k], 0) * ost[d]
	}
	out := newTensor(x.dtype, outShape)
	if value != 0 {
		out.fill(value)
	}
	if numel(region) > 0 {
		rs, xs := region, x.strides()
		os := ost
		if r == 0 {
			rs, xs, os = []int{1}, []int{1}, []int{1}
		}
		switch x.dtype {
		case Float32:
			copyRegion(out.st.f32(), dstOff, os, x.st.f32(), srcOff, xs, rs)
		case Float64:
			copyRegion(out.st.f64(), dstOff, os, x.st.f64(), srcOff, xs, rs)
		case Int64:
			copyRegion(out.st.i64(), dstOff, os, x.st.i64(), srcOff, xs, rs)
		case Bool:
			copyRegion(out.st.b(), dstOff, os, x.st.b(), srcOff, xs, rs)
		}
	}
	if needsGrad(x, nil) {
		neg := make([]int, len(pads))
		for i, p := range pads {
			neg[i] = -p
		}
		record(opConstantPad, out, func(g *Tensor) []*Tensor {
			return []*Tensor{g.constantPad(name, neg, 0)}
		}, x)
	}
	if slowPath.Load() != 0 {
		notifyTimed(opConstantPad, t0, out, []Attr{{"pads", copyInts(pads)}, {"value", value}}, x)
	}
	return out
}

// copyRegion copies the strided block of the given shape from src (at sOff with sStr) to dst
// (at dOff with dStr).
func copyRegion[T elem](dst []T, dOff int, dStr []int, src []T, sOff int, sStr []int, shape []int) {
	last := len(shape) - 1
	inner, ds, ss := shape[last], dStr[last], sStr[last]
	walkRows(shape, [][]int{dStr, sStr}, []int{dOff, sOff}, func(_ int, offs []int) {
		pd, ps := offs[0], offs[1]
		if ds == 1 && ss == 1 {
			copy(dst[pd:pd+inner], src[ps:ps+inner])
			return
		}
		for i := 0; i < inner; i++ {
			dst[pd] = src[ps]
			pd += ds
			ps += ss
		}
	})
}
