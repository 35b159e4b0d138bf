package profile

import "github.com/eagerml/eager"

// estimateFLOPs returns the floating-point operations of one op, counting a multiply-add as
// two, from its name, input shapes, output shape and attributes:
//
//   - Bmm [B M K]·[B K N]: 2·B·M·N·K (with more batch dims, B is their product).
//   - Conv2d: 2·(output elements)·(C_in/groups)·kh·kw, plus one add per output element with
//     a bias; ConvTranspose2d: 2·(input elements)·(C_out/groups)·kh·kw (+ bias);
//     Conv2dBackwardWeight: 2·(weight elements)·N·oh·ow.
//   - Pooling: one operation per output element per window element.
//   - Reductions (Sum, Amax, Prod, MaxDim, ...): one per input element; Norm two.
//   - Softmax, LogSoftmax: 5 per element (max, subtract, exp, sum, divide or log);
//     LayerNorm, BatchNorm: 8 per element (mean, variance, normalise, scale and shift).
//   - Movement and copies (View, Permute, Expand, Slice, Cat, To, Clone, Gather, pads, ...): 0.
//   - Everything else (elementwise ops, comparisons, activations, and ops this table does not
//     know): one per output element.
//
// Exact counts depend on the kernel; these are the conventional estimates (as fvcore and
// torch.utils.flop_counter make them) for comparing ops and computing GFLOP/s.
func estimateFLOPs(name string, in [][]int, out []int, attrs []eager.Attr) int64 {
	outN := numel(out)
	inN := int64(0)
	if len(in) > 0 {
		inN = numel(in[0])
	}
	switch name {
	case "Bmm":
		if len(in) == 2 && len(in[0]) >= 3 && len(in[1]) == len(in[0]) {
			return 2 * outN * int64(in[0][len(in[0])-1]) // [B.. M N] outputs, K terms each
		}
	case "Conv2d", "ConvTranspose2d":
		if len(in) >= 2 && len(in[1]) == 4 {
			w := in[1]
			per := int64(w[1]) * int64(w[2]) * int64(w[3])
			base := outN
			if name == "ConvTranspose2d" {
				base = inN
			}
			f := 2 * base * per
			if len(in) == 3 {
				f += outN
			}
			return f
		}
	case "Conv2dBackwardWeight":
		if len(in) == 2 && len(in[1]) == 4 {
			y := in[1]
			return 2 * outN * int64(y[0]) * int64(y[2]) * int64(y[3])
		}
	case "MaxPool2d", "AvgPool2d", "AvgPool2dBackward":
		k := int64(1)
		if ks, ok := attr(attrs, "kernel_size").([]int); ok {
			for _, v := range ks {
				k *= int64(v)
			}
		}
		if name == "AvgPool2dBackward" {
			return inN * k
		}
		return outN * k
	case "AdaptiveAvgPool2d", "Sum", "Amax", "Amin", "Prod", "MaxDim", "MinDim":
		return inN
	case "Norm":
		return 2 * inN
	case "Softmax", "LogSoftmax":
		return 5 * outN
	case "LayerNorm", "BatchNorm":
		return 8 * outN
	case "View", "Permute", "Expand", "Slice", "SliceScatter", "Cat", "To", "Clone", "ConstantPad",
		"Gather", "IndexSelect", "OneHot", "MaxPool2dGather", "MaxPool2dBackward", "Scatter":
		return 0
	case "IndexAdd", "ScatterAdd":
		if len(in) == 3 {
			return numel(in[2])
		}
	}
	return outN
}

func attr(attrs []eager.Attr, name string) any {
	for _, a := range attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return nil
}

func numel(shape []int) int64 {
	n := int64(1)
	for _, s := range shape {
		n *= int64(s)
	}
	return n
}
