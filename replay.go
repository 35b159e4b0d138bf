package eager

import "fmt"

// ReplayOpOutputs runs a primitive op with several outputs once and returns them all, by
// their "output" attr: MaxPool2d's values and indices, and NormBackward's gradients for the
// input, weight and bias (nil where the attr "needs" says the gradient was not wanted). An
// executor that holds the outputs as separate nodes (ReplayOp with the attr "output" = k)
// would otherwise run the op once per output.
func ReplayOpOutputs(name string, in []*Tensor, attrs []Attr) (out []*Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = replayError(name, r)
		}
	}()
	switch name {
	case "MaxPool2d":
		v, idx := maxPool2d(in[0], replayPoolGeom(in[0], attrMap(attrs), false))
		return []*Tensor{v, idx}, nil
	case "NormBackward":
		return replayNormBackward(in, attrMap(attrs)), nil
	}
	return nil, fmt.Errorf("eager: %s has no outputs to replay together", name)
}

// replayError turns a panic of a replayed op into its error: eager's own *Error as it is,
// another error wrapped with the op's name. Other panics propagate.
func replayError(name string, r any) error {
	if e, ok := r.(*Error); ok {
		return e
	}
	if e, ok := r.(error); ok {
		return fmt.Errorf("eager: replay of %s: %w", name, e)
	}
	panic(r)
}

// replayPoolGeom is the pooling geometry of a recorded pooling op on x (adaptive: only the
// sizes).
func replayPoolGeom(x *Tensor, a attrs, adaptive bool) poolGeom {
	p := poolGeom{n: x.shape[0], c: x.shape[1]}
	p.h, p.w = a.pair("input_size")
	p.oh, p.ow = a.pair("output_size")
	if !adaptive {
		p.kh, p.kw = a.pair("kernel_size")
		p.sh, p.sw = a.pair("stride")
		p.ph, p.pw = a.pair("padding")
		p.dh, p.dw = a.pair("dilation")
		p.ceil = a.bool("ceil_mode")
		p.excludePad = !a.bool("count_include_pad")
		p.divisor = a.int("divisor_override")
	}
	return p
}

// ReplayOp runs the primitive op name on inputs with the attrs an OpObserver saw for it,
// for the primitives whose geometry is internal (convolution, pooling, normalisation and
// their backward ops): a graph executor such as jit re-runs a recorded op through it. The
// inputs are those the observer saw (nil weights and biases left out, as the has_weight
// and has_bias attrs say). For MaxPool2d the attr "output" = 1 selects the indices. It
// returns an error for an op it does not know or attrs it cannot use.
func ReplayOp(name string, in []*Tensor, attrs []Attr) (out *Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = replayError(name, r)
		}
	}()
	a := attrMap(attrs)
	switch name {
	case "ReLUBackward": // in: gradient, ReLU output
		return reluBackward(in[0], in[1]), nil
	case "GELUBackward": // in: gradient, GELU input
		return geluBackward(in[0], in[1]), nil
	case "Conv2d", "ConvTranspose2d", "Conv2dBackwardWeight":
		p := convGeom{}
		p.sh, p.sw = a.pair("stride")
		p.ph, p.pw = a.pair("padding")
		p.dh, p.dw = a.pair("dilation")
		p.kh, p.kw = a.pair("kernel_size")
		p.h, p.w = a.pair("input_size")
		p.oh, p.ow = a.pair("output_size")
		p.g = a.int("groups")
		var b *Tensor
		switch name {
		case "Conv2d": // x [n c h w], w [o c/g kh kw], b
			p.n, p.c, p.o = in[0].shape[0], in[0].shape[1], in[1].shape[0]
			if len(in) > 2 {
				b = in[2]
			}
			return conv2d(in[0], in[1], b, p), nil
		case "ConvTranspose2d": // y [n o oh ow], w [o c/g kh kw], b
			p.n, p.o, p.c = in[0].shape[0], in[0].shape[1], in[1].shape[1]*p.g
			if len(in) > 2 {
				b = in[2]
			}
			return convTranspose2d(in[0], in[1], b, p), nil
		default: // x [n c h w], y [n o oh ow]
			p.n, p.c, p.o = in[0].shape[0], in[0].shape[1], in[1].shape[1]
			return conv2dBackwardWeight(in[0], in[1], p), nil
		}
	case "MaxPool2d", "AvgPool2d", "AvgPool2dBackward", "AdaptiveAvgPool2d", "AdaptiveAvgPool2dBackward":
		p := replayPoolGeom(in[0], a, name == "AdaptiveAvgPool2d" || name == "AdaptiveAvgPool2dBackward")
		switch name {
		case "MaxPool2d":
			v, idx := maxPool2d(in[0], p)
			if o, _ := a["output"].(int); o == 1 {
				return idx, nil
			}
			return v, nil
		case "AvgPool2d":
			return avgPool2d(in[0], p), nil
		case "AvgPool2dBackward":
			return avgPool2dBackward(in[0], p), nil
		case "AdaptiveAvgPool2d":
			return adaptiveAvgPool2d(in[0], p), nil
		default:
			return adaptiveAvgPool2dBackward(in[0], p), nil
		}
	case "MaxPool2dBackward":
		return maxPool2dBackward(in[0], in[1], a.ints("shape")), nil
	case "MaxPool2dGather":
		return maxPool2dGather(in[0], in[1]), nil
	case "NormBackward":
		gs := replayNormBackward(in, a)
		k := a.int("output")
		if k < 0 || k >= len(gs) || gs[k] == nil {
			return nil, fmt.Errorf("eager: NormBackward has no output %d for needs %v", k, a["needs"])
		}
		return gs[k], nil
	case "LayerNorm", "BatchNorm":
		var w, b *Tensor
		k := 1
		if a.bool("has_weight") {
			w, k = in[k], k+1
		}
		if a.bool("has_bias") {
			b = in[k]
		}
		if name == "LayerNorm" {
			return LayerNorm(in[0], a.ints("normalizedShape"), w, b, a.float("eps")), nil
		}
		if a.bool("updates_running_stats") {
			return nil, fmt.Errorf("eager: BatchNorm in training mode updates its running statistics, which a replayed graph does not do; run it eagerly or in evaluation mode")
		}
		return BatchNorm(in[0], nil, nil, w, b, true, a.float("momentum"), a.float("eps")), nil
	}
	return nil, fmt.Errorf("eager: ReplayOp does not know op %q", name)
}

type attrs map[string]any

func attrMap(as []Attr) attrs {
	m := attrs{}
	for _, a := range as {
		m[a.Name] = a.Value
	}
	return m
}

func (a attrs) ints(k string) []int {
	v, ok := a[k].([]int)
	if !ok {
		panic(fmt.Errorf("attr %q missing or not []int", k))
	}
	return v
}

func (a attrs) pair(k string) (int, int) {
	v := a.ints(k)
	if len(v) != 2 {
		panic(fmt.Errorf("attr %q has %d values, want 2", k, len(v)))
	}
	return v[0], v[1]
}

func (a attrs) int(k string) int {
	v, ok := a[k].(int)
	if !ok {
		panic(fmt.Errorf("attr %q missing or not int", k))
	}
	return v
}

func (a attrs) float(k string) float64 {
	v, ok := a[k].(float64)
	if !ok {
		panic(fmt.Errorf("attr %q missing or not float64", k))
	}
	return v
}

func (a attrs) bool(k string) bool {
	v, ok := a[k].(bool)
	if !ok {
		panic(fmt.Errorf("attr %q missing or not bool", k))
	}
	return v
}
