package eager

// Go calls for the fixtures in testdata/torch/core.json (generator: testdata/gen/core.py).

import (
	"fmt"
	"math"
)

// regRef registers a fixture op, refusing a name that another family already took.
func regRef(name string, fn refOp) {
	if _, dup := refOps[name]; dup {
		panic(fmt.Sprintf("refOps: fixture op %q registered twice", name))
	}
	refOps[name] = fn
}

// attrNum reads a number attr that may also be "inf" or "-inf".
func attrNum(a map[string]any, k string) float64 {
	switch v := a[k].(type) {
	case float64:
		return v
	case string:
		switch v {
		case "inf":
			return math.Inf(1)
		case "-inf":
			return math.Inf(-1)
		}
	}
	panic(fmt.Sprintf("attr %q: bad value %v", k, a[k]))
}

func attrDType(a map[string]any, k string) DType {
	dt, ok := map[string]DType{"float32": Float32, "float64": Float64, "int64": Int64, "bool": Bool}[a[k].(string)]
	if !ok {
		panic(fmt.Sprintf("attr %q: unknown dtype %v", k, a[k]))
	}
	return dt
}

// weighted mirrors the generator's weighted(): views scaled by position and concatenated.
func weighted(parts []*Tensor) *Tensor {
	flat := make([]*Tensor, len(parts))
	for i, p := range parts {
		flat[i] = p.Reshape(-1).MulScalar(float64(i + 1))
	}
	return Cat(flat, 0)
}

func init() {
	bin := map[string]func(x, y *Tensor) *Tensor{
		"add": (*Tensor).Add, "sub": (*Tensor).Sub, "mul": (*Tensor).Mul, "div": (*Tensor).Div,
		"pow": (*Tensor).Pow, "maximum": (*Tensor).Maximum, "minimum": (*Tensor).Minimum,
		"eq": (*Tensor).Eq, "ne": (*Tensor).Ne, "lt": (*Tensor).Lt, "le": (*Tensor).Le,
		"gt": (*Tensor).Gt, "ge": (*Tensor).Ge, "logical_and": (*Tensor).LogicalAnd,
		"logical_or": (*Tensor).LogicalOr, "bmm": Bmm, "outer": Outer, "matmul": (*Tensor).MatMul,
	}
	for name, f := range bin {
		regRef(name, func(xs []*Tensor, _ map[string]any) *Tensor { return f(xs[0], xs[1]) })
	}
	scalar := map[string]func(x *Tensor, s float64) *Tensor{
		"add_scalar": (*Tensor).AddScalar, "sub_scalar": (*Tensor).SubScalar,
		"rsub_scalar": (*Tensor).RSubScalar, "mul_scalar": (*Tensor).MulScalar,
		"div_scalar": (*Tensor).DivScalar, "pow_scalar": (*Tensor).PowScalar,
		"maximum_scalar": (*Tensor).MaximumScalar, "minimum_scalar": (*Tensor).MinimumScalar,
		"eq_scalar": (*Tensor).EqScalar, "ne_scalar": (*Tensor).NeScalar, "lt_scalar": (*Tensor).LtScalar,
		"le_scalar": (*Tensor).LeScalar, "gt_scalar": (*Tensor).GtScalar, "ge_scalar": (*Tensor).GeScalar,
	}
	for name, f := range scalar {
		regRef(name, func(xs []*Tensor, a map[string]any) *Tensor { return f(xs[0], attrNum(a, "s")) })
	}
	unary := map[string]func(x *Tensor) *Tensor{
		"neg": (*Tensor).Neg, "exp": (*Tensor).Exp, "log": (*Tensor).Log, "log1p": (*Tensor).Log1p,
		"sqrt": (*Tensor).Sqrt, "rsqrt": (*Tensor).Rsqrt, "abs": (*Tensor).Abs, "sign": (*Tensor).Sign,
		"sin": (*Tensor).Sin, "cos": (*Tensor).Cos, "tanh": (*Tensor).Tanh, "sigmoid": (*Tensor).Sigmoid,
		"relu": (*Tensor).ReLU, "erf": (*Tensor).Erf, "gelu": (*Tensor).GELU, "gelu_tanh": (*Tensor).GELUTanh,
		"silu": (*Tensor).SiLU, "square": (*Tensor).Square, "logical_not": (*Tensor).LogicalNot,
		"clone": (*Tensor).Clone, "argmax_all": (*Tensor).ArgMaxAll, "argmin_all": (*Tensor).ArgMinAll,
		"contiguous": func(x *Tensor) *Tensor {
			y := x.Contiguous()
			if !y.IsContiguous() {
				panic("Contiguous returned a non-contiguous tensor")
			}
			return y
		},
	}
	for name, f := range unary {
		regRef(name, func(xs []*Tensor, _ map[string]any) *Tensor { return f(xs[0]) })
	}
	regRef("where", func(xs []*Tensor, _ map[string]any) *Tensor { return Where(xs[0], xs[1], xs[2]) })
	regRef("leaky_relu", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].LeakyReLU(attrNum(a, "slope")) })
	regRef("softplus", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Softplus(attrNum(a, "beta"), attrNum(a, "threshold"))
	})
	regRef("clamp", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].Clamp(attrNum(a, "lo"), attrNum(a, "hi")) })

	// Reductions: attrs dims (absent: all), keepdim.
	keepOr := func(a map[string]any, drop, keep func(dims ...int) *Tensor) *Tensor {
		if attrBool(a, "keepdim") {
			return keep(attrInts(a, "dims")...)
		}
		return drop(attrInts(a, "dims")...)
	}
	regRef("sum", func(xs []*Tensor, a map[string]any) *Tensor { return keepOr(a, xs[0].Sum, xs[0].SumKeepDim) })
	regRef("mean", func(xs []*Tensor, a map[string]any) *Tensor { return keepOr(a, xs[0].Mean, xs[0].MeanKeepDim) })
	regRef("amax", func(xs []*Tensor, a map[string]any) *Tensor { return keepOr(a, xs[0].Max, xs[0].MaxKeepDim) })
	regRef("amin", func(xs []*Tensor, a map[string]any) *Tensor { return keepOr(a, xs[0].Min, xs[0].MinKeepDim) })
	regRef("prod", func(xs []*Tensor, a map[string]any) *Tensor { return keepOr(a, xs[0].Prod, xs[0].ProdKeepDim) })
	regRef("logsumexp", func(xs []*Tensor, a map[string]any) *Tensor {
		return keepOr(a, xs[0].LogSumExp, xs[0].LogSumExpKeepDim)
	})
	regRef("var", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].VarCorrection(attrInt(a, "correction"), attrBool(a, "keepdim"), attrInts(a, "dims")...)
	})
	regRef("std", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].StdCorrection(attrInt(a, "correction"), attrBool(a, "keepdim"), attrInts(a, "dims")...)
	})
	regRef("norm", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Norm(attrNum(a, "p"), attrInts(a, "dims")...)
	})
	extreme := map[string]func(x *Tensor, dim int, keep bool) (*Tensor, *Tensor){"max_dim": (*Tensor).MaxDim, "min_dim": (*Tensor).MinDim}
	for name, f := range extreme {
		regRef(name+"_values", func(xs []*Tensor, a map[string]any) *Tensor {
			v, _ := f(xs[0], attrInt(a, "dim"), attrBool(a, "keepdim"))
			return v
		})
		regRef(name+"_indices", func(xs []*Tensor, a map[string]any) *Tensor {
			_, i := f(xs[0], attrInt(a, "dim"), attrBool(a, "keepdim"))
			return i
		})
	}
	regRef("argmax", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].ArgMax(attrInt(a, "dim")) })
	regRef("argmin", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].ArgMin(attrInt(a, "dim")) })

	// Movement: the generator multiplies view results by 2 so that each is a fresh tensor.
	regRef("reshape", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Reshape(attrInts(a, "shape")...).MulScalar(2)
	})
	regRef("view", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].View(attrInts(a, "shape")...).MulScalar(2) })
	regRef("flatten", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Flatten(attrInt(a, "start"), attrInt(a, "end")).MulScalar(2)
	})
	regRef("flip", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Flip(attrInts(a, "dims")...).MulScalar(2)
	})
	regRef("permute", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Permute(attrInts(a, "dims")...).MulScalar(2)
	})
	regRef("transpose", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Transpose(attrInt(a, "d0"), attrInt(a, "d1")).MulScalar(2)
	})
	regRef("squeeze", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Squeeze(attrInts(a, "dims")...).MulScalar(2)
	})
	regRef("unsqueeze", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].Unsqueeze(attrInt(a, "dim")).MulScalar(2) })
	regRef("expand", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Expand(attrInts(a, "shape")...).MulScalar(2)
	})
	regRef("slice", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Slice(attrInt(a, "dim"), attrInt(a, "start"), attrInt(a, "end"), attrInt(a, "step")).MulScalar(2)
	})
	regRef("narrow", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Narrow(attrInt(a, "dim"), attrInt(a, "start"), attrInt(a, "length")).MulScalar(2)
	})
	regRef("select", func(xs []*Tensor, a map[string]any) *Tensor {
		return xs[0].Select(attrInt(a, "dim"), attrInt(a, "index")).MulScalar(2)
	})
	regRef("chunk", func(xs []*Tensor, a map[string]any) *Tensor {
		return weighted(xs[0].Chunk(attrInt(a, "n"), attrInt(a, "dim")))
	})
	regRef("split", func(xs []*Tensor, a map[string]any) *Tensor {
		return weighted(xs[0].Split(attrInt(a, "size"), attrInt(a, "dim")))
	})
	regRef("split_sizes", func(xs []*Tensor, a map[string]any) *Tensor {
		return weighted(xs[0].SplitSizes(attrInts(a, "sizes"), attrInt(a, "dim")))
	})
	regRef("cat", func(xs []*Tensor, a map[string]any) *Tensor { return Cat(xs, attrInt(a, "dim")) })
	regRef("stack", func(xs []*Tensor, a map[string]any) *Tensor { return Stack(xs, attrInt(a, "dim")) })
	regRef("slice_scatter", func(xs []*Tensor, a map[string]any) *Tensor {
		return sliceScatter(xs[0], attrInts(a, "shape"), attrInt(a, "dim"), attrInt(a, "start"), attrInt(a, "step"))
	})
	regRef("softmax", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].Softmax(attrInt(a, "dim")) })
	regRef("log_softmax", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].LogSoftmax(attrInt(a, "dim")) })
	regRef("to", func(xs []*Tensor, a map[string]any) *Tensor { return xs[0].To(attrDType(a, "dtype")) })
}
