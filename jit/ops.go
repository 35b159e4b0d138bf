package jit

import (
	"fmt"
	"sync"

	"github.com/eagerml/eager"
)

// ReplayFunc runs one traced op again on new inputs: it calls the eager op with the
// attributes the op observer reported, so that a replayed node computes exactly what eager
// computes.
type ReplayFunc func(in []*eager.Tensor, attrs []eager.Attr) *eager.Tensor

var (
	replayMu    sync.RWMutex
	replayTable = map[string]ReplayFunc{}
)

// RegisterOp adds (or replaces) the replay function for the eager op name. Every primitive
// of eager's op table needs one, or Compile refuses functions that use it; packages that
// add ops register theirs from init.
func RegisterOp(name string, fn ReplayFunc) {
	replayMu.Lock()
	replayTable[name] = fn
	replayMu.Unlock()
}

func lookupOp(name string) ReplayFunc {
	replayMu.RLock()
	defer replayMu.RUnlock()
	return replayTable[name]
}

// Attribute accessors. A missing or mistyped attribute is an internal error: the op's
// notify call and this table disagree.

func attrInt(a []eager.Attr, name string) int {
	switch v := attrOf(a, name).(type) {
	case int:
		return v
	case int64:
		return int(v)
	}
	panic(fmt.Sprintf("jit: attribute %q missing or not an int in %v", name, a))
}

func attrInts(a []eager.Attr, name string) []int {
	switch v := attrOf(a, name).(type) {
	case []int:
		return v
	case nil:
		return nil
	}
	panic(fmt.Sprintf("jit: attribute %q is not []int in %v", name, a))
}

func attrFloat(a []eager.Attr, name string) float64 {
	switch v := attrOf(a, name).(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	panic(fmt.Sprintf("jit: attribute %q missing or not a float in %v", name, a))
}

func attrBool(a []eager.Attr, name string) bool {
	v, ok := attrOf(a, name).(bool)
	if !ok {
		panic(fmt.Sprintf("jit: attribute %q missing or not a bool in %v", name, a))
	}
	return v
}

func attrDType(a []eager.Attr, name string) eager.DType {
	v, ok := attrOf(a, name).(eager.DType)
	if !ok {
		panic(fmt.Sprintf("jit: attribute %q missing or not a DType in %v", name, a))
	}
	return v
}

func init() {
	binary := map[string]func(x, y *eager.Tensor) *eager.Tensor{
		"Add": (*eager.Tensor).Add, "Sub": (*eager.Tensor).Sub, "Mul": (*eager.Tensor).Mul,
		"Div": (*eager.Tensor).Div, "Pow": (*eager.Tensor).Pow,
		"Maximum": (*eager.Tensor).Maximum, "Minimum": (*eager.Tensor).Minimum,
		"Eq": (*eager.Tensor).Eq, "Ne": (*eager.Tensor).Ne, "Lt": (*eager.Tensor).Lt,
		"Le": (*eager.Tensor).Le, "Gt": (*eager.Tensor).Gt, "Ge": (*eager.Tensor).Ge,
		"LogicalAnd": (*eager.Tensor).LogicalAnd, "LogicalOr": (*eager.Tensor).LogicalOr,
	}
	for name, f := range binary {
		f := f
		RegisterOp(name, func(in []*eager.Tensor, _ []eager.Attr) *eager.Tensor { return f(in[0], in[1]) })
	}
	unary := map[string]func(x *eager.Tensor) *eager.Tensor{
		"Neg": (*eager.Tensor).Neg, "Exp": (*eager.Tensor).Exp, "Log": (*eager.Tensor).Log,
		"Log1p": (*eager.Tensor).Log1p, "Sqrt": (*eager.Tensor).Sqrt, "Rsqrt": (*eager.Tensor).Rsqrt,
		"Abs": (*eager.Tensor).Abs, "Sign": (*eager.Tensor).Sign, "Sin": (*eager.Tensor).Sin,
		"Cos": (*eager.Tensor).Cos, "Tanh": (*eager.Tensor).Tanh, "Sigmoid": (*eager.Tensor).Sigmoid,
		"ReLU": (*eager.Tensor).ReLU, "Erf": (*eager.Tensor).Erf, "GELU": (*eager.Tensor).GELU,
		"GELUTanh": (*eager.Tensor).GELUTanh, "SiLU": (*eager.Tensor).SiLU,
		"LogicalNot": (*eager.Tensor).LogicalNot, "Clone": (*eager.Tensor).Clone,
	}
	for name, f := range unary {
		f := f
		RegisterOp(name, func(in []*eager.Tensor, _ []eager.Attr) *eager.Tensor { return f(in[0]) })
	}
	RegisterOp("LeakyReLU", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].LeakyReLU(attrFloat(a, "slope"))
	})
	RegisterOp("Softplus", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].Softplus(attrFloat(a, "beta"), attrFloat(a, "threshold"))
	})
	RegisterOp("Clamp", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].Clamp(attrFloat(a, "min"), attrFloat(a, "max"))
	})
	RegisterOp("To", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor { return in[0].To(attrDType(a, "dtype")) })
	RegisterOp("Where", func(in []*eager.Tensor, _ []eager.Attr) *eager.Tensor { return eager.Where(in[0], in[1], in[2]) })

	// Indexing.
	RegisterOp("IndexSelect", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].IndexSelect(attrInt(a, "dim"), in[1])
	})
	RegisterOp("IndexAdd", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].IndexAdd(attrInt(a, "dim"), in[1], in[2])
	})
	RegisterOp("Gather", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].Gather(attrInt(a, "dim"), in[1])
	})
	RegisterOp("Scatter", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].Scatter(attrInt(a, "dim"), in[1], in[2])
	})
	RegisterOp("ScatterAdd", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].ScatterAdd(attrInt(a, "dim"), in[1], in[2])
	})
	RegisterOp("ConstantPad", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].Pad(attrInts(a, "pads"), "constant", attrFloat(a, "value"))
	})
	RegisterOp("OneHot", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return eager.OneHot(in[0], attrInt(a, "num_classes"))
	})

	// Matmul.
	RegisterOp("Bmm", func(in []*eager.Tensor, _ []eager.Attr) *eager.Tensor { return eager.Bmm(in[0], in[1]) })
	RegisterOp("BmmPermuted", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return eager.BmmPermuted(in[0], in[1], attrInts(a, "dims")...)
	})

	// Movement. View ops are replayed with the same geometry as traced, so they are views
	// again (write-backs through a view rely on this).
	RegisterOp("View", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor { return in[0].Reshape(attrInts(a, "shape")...) })
	RegisterOp("Permute", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor { return in[0].Permute(attrInts(a, "dims")...) })
	RegisterOp("Flip", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor { return in[0].Flip(attrInts(a, "dims")...) })
	RegisterOp("Expand", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor { return in[0].Expand(attrInts(a, "shape")...) })
	RegisterOp("Slice", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		d, start, length, step := attrInt(a, "dim"), attrInt(a, "start"), attrInt(a, "length"), attrInt(a, "step")
		if length == 0 {
			return in[0].Narrow(d, start, 0)
		}
		return in[0].Slice(d, start, start+(length-1)*step+1, step)
	})
	RegisterOp("SliceScatter", replaySliceScatter)
	RegisterOp("Cat", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor { return eager.Cat(in, attrInt(a, "dim")) })

	// Reductions.
	reduce := func(all, keep func(x *eager.Tensor, dims ...int) *eager.Tensor) ReplayFunc {
		return func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
			dims := attrInts(a, "dims")
			if attrBool(a, "keepdim") {
				return keep(in[0], dims...)
			}
			return all(in[0], dims...)
		}
	}
	RegisterOp("Sum", reduce((*eager.Tensor).Sum, (*eager.Tensor).SumKeepDim))
	RegisterOp("Amax", reduce((*eager.Tensor).Max, (*eager.Tensor).MaxKeepDim))
	RegisterOp("Amin", reduce((*eager.Tensor).Min, (*eager.Tensor).MinKeepDim))
	RegisterOp("Prod", reduce((*eager.Tensor).Prod, (*eager.Tensor).ProdKeepDim))
	extremeDim := func(f func(x *eager.Tensor, dim int, keep bool) (*eager.Tensor, *eager.Tensor)) ReplayFunc {
		return func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
			v, i := f(in[0], attrInt(a, "dim"), attrBool(a, "keepdim"))
			if o, _ := attrOf(a, "output").(int); o == 1 {
				return i
			}
			return v
		}
	}
	RegisterOp("MaxDim", extremeDim((*eager.Tensor).MaxDim))
	RegisterOp("MinDim", extremeDim((*eager.Tensor).MinDim))
	RegisterOp("Norm", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].Norm(attrFloat(a, "p"), attrInts(a, "dims")...)
	})
	RegisterOp("Softmax", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor { return in[0].Softmax(attrInt(a, "dim")) })
	RegisterOp("LogSoftmax", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].LogSoftmax(attrInt(a, "dim"))
	})

	// jit's own functional forms of in-place updates: the value of the first argument after
	// the update. They run the same eager in-place method on a private copy, so the result
	// is bit-identical to the eager update (executor kernels may run them in place).
	inplace := map[string]func(x, y *eager.Tensor, a []eager.Attr){
		"AddInPlace": func(x, y *eager.Tensor, _ []eager.Attr) { x.AddInPlace(y) },
		"SubInPlace": func(x, y *eager.Tensor, _ []eager.Attr) { x.SubInPlace(y) },
		"MulInPlace": func(x, y *eager.Tensor, _ []eager.Attr) { x.MulInPlace(y) },
		"DivInPlace": func(x, y *eager.Tensor, _ []eager.Attr) { x.DivInPlace(y) },
		"AddScaledInPlace": func(x, y *eager.Tensor, a []eager.Attr) {
			x.AddScaledInPlace(y, attrFloat(a, "alpha"))
		},
		"CopyInPlace": func(x, y *eager.Tensor, _ []eager.Attr) { x.CopyFrom(y) },
		"FillInPlace": func(x, _ *eager.Tensor, a []eager.Attr) { x.FillInPlace(attrFloat(a, "value")) },
	}
	for name, f := range inplace {
		f := f
		RegisterOp(name, func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
			x := in[0].Clone()
			var y *eager.Tensor
			if len(in) > 1 {
				y = in[1]
			}
			f(x, y, a)
			return x
		})
	}
	scalarInPlace := map[string]func(x *eager.Tensor, v float64) *eager.Tensor{
		"AddScalarInPlace": (*eager.Tensor).AddScalarInPlace,
		"MulScalarInPlace": (*eager.Tensor).MulScalarInPlace,
		"DivScalarInPlace": (*eager.Tensor).DivScalarInPlace,
	}
	for name, f := range scalarInPlace {
		f := f
		RegisterOp(name, func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
			return f(in[0].Clone(), attrFloat(a, "value"))
		})
	}
	RegisterOp("AddcmulInPlace", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].Clone().AddcmulInPlace(in[1], in[2], attrFloat(a, "value"))
	})
	RegisterOp("AddcdivInPlace", func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
		return in[0].Clone().AddcdivInPlace(in[1], in[2], attrFloat(a, "value"))
	})
	RegisterOp("Copy", func(in []*eager.Tensor, _ []eager.Attr) *eager.Tensor { return in[0].Clone() })
	RegisterOp("Rand", replayRand)
}

// replayRand draws a fresh random tensor from the default generator, exactly as the traced
// call did, so that a compiled function gives the same numbers as eager for the same seed.
func replayRand(_ []*eager.Tensor, a []eager.Attr) *eager.Tensor {
	dt, shape := attrDType(a, "dtype"), attrInts(a, "shape")
	switch attrOf(a, "dist") {
	case "uniform":
		return eager.RandOf(dt, shape...)
	case "normal":
		return eager.RandnOf(dt, shape...)
	case "int":
		lo, _ := attrOf(a, "low").(int64)
		hi, _ := attrOf(a, "high").(int64)
		return eager.RandInt(lo, hi, shape...)
	}
	panic(fmt.Sprintf("jit: cannot replay random draw %v", a))
}

// replaySliceScatter writes src into zeros of the traced shape at start::step along dim (the
// backward of Slice, which eager does not export).
func replaySliceScatter(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
	src := in[0]
	d, start, step, shape := attrInt(a, "dim"), attrInt(a, "start"), attrInt(a, "step"), attrInts(a, "shape")
	out := eager.ZerosOf(src.DType(), shape...)
	dst := out
	if src.Size(d) > 0 {
		dst = out.Slice(d, start, start+(src.Size(d)-1)*step+1, step)
	}
	copyInto(dst, src)
	return out
}

// copyInto copies src's elements into dst (same shape and dtype), whatever their strides.
func copyInto(dst, src *eager.Tensor) {
	switch dst.DType() {
	case eager.Float32:
		copyStrided[float32](dst, src)
	case eager.Float64:
		copyStrided[float64](dst, src)
	case eager.Int64:
		copyStrided[int64](dst, src)
	case eager.Bool:
		copyStrided[bool](dst, src)
	}
}

func copyStrided[T float32 | float64 | int64 | bool](dst, src *eager.Tensor) {
	dd, doff := eager.StorageData[T](dst)
	sd, soff := eager.StorageDataRead[T](src)
	shape := dst.Shape()
	if len(shape) == 0 {
		dd[doff] = sd[soff]
		return
	}
	dst1, src1 := dst.Strides(), src.Strides()
	walk(shape, [][]int{dst1, src1}, []int{doff, soff}, func(offs []int, n int) {
		a, b := offs[0], offs[1]
		sa, sb := dst1[len(dst1)-1], src1[len(src1)-1]
		for i := 0; i < n; i++ {
			dd[a] = sd[b]
			a += sa
			b += sb
		}
	})
}

// walk visits the rows (innermost dim) of shape, calling fn with each operand's offset at
// the row's start and the row length.
func walk(shape []int, strides [][]int, base []int, fn func(offs []int, n int)) {
	r := len(shape)
	for _, s := range shape {
		if s == 0 {
			return
		}
	}
	offs := append([]int(nil), base...)
	idx := make([]int, r)
	inner := shape[r-1]
	for {
		fn(offs, inner)
		k := r - 2
		for ; k >= 0; k-- {
			idx[k]++
			for j := range offs {
				offs[j] += strides[j][k]
			}
			if idx[k] < shape[k] {
				break
			}
			for j := range offs {
				offs[j] -= strides[j][k] * shape[k]
			}
			idx[k] = 0
		}
		if k < 0 {
			return
		}
	}
}

// The root package replays its convolution, pooling and normalisation primitives itself
// (their geometry is internal); an op it refuses (BatchNorm updating running statistics)
// makes Compile fail with that error.
func init() {
	for _, name := range []string{"Conv2d", "ConvTranspose2d", "Conv2dBackwardWeight", "MaxPool2d", "MaxPool2dBackward",
		"MaxPool2dGather", "AvgPool2d", "AvgPool2dBackward", "AdaptiveAvgPool2d", "AdaptiveAvgPool2dBackward",
		"LayerNorm", "BatchNorm", "NormBackward", "ReLUBackward", "GELUBackward"} {
		name := name
		RegisterOp(name, func(in []*eager.Tensor, a []eager.Attr) *eager.Tensor {
			out, err := eager.ReplayOp(name, in, a)
			if err != nil {
				panic(err)
			}
			return out
		})
	}
}
