package eager

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// String formats x as PyTorch prints a tensor, followed by its shape, its dtype and, when it
// was produced by a recorded op, the op's gradient function:
//
//	tensor([[1.0000, 2.5000],
//	        [3.0000, 4.0000]], shape=[2 2], dtype=float32, grad_fn=<MulBackward>)
//
// Tensors with more than 1000 elements are summarised with "..." as in PyTorch.
func (x *Tensor) String() string {
	if slowPath.Load() != 0 {
		x.onRead()
	}
	var b strings.Builder
	b.WriteString("tensor(")
	vals := x.Detach().Float64s()
	f := chooseFormat(x.dtype, vals)
	summarize := len(vals) > 1000
	writeNested(&b, x.shape, vals, f, 0, 7, summarize)
	fmt.Fprintf(&b, ", shape=%v, dtype=%v", x.shape, x.dtype)
	if x.node != nil {
		fmt.Fprintf(&b, ", grad_fn=<%s>", x.node.name())
	} else if x.requiresGrad {
		b.WriteString(", requires_grad=true")
	}
	b.WriteString(")")
	return b.String()
}

type numFormat struct {
	dtype DType
	mode  byte // 'i' integer-valued floats, 'f' fixed, 'e' scientific
	width int
}

func chooseFormat(dt DType, vals []float64) numFormat {
	f := numFormat{dtype: dt, mode: 'i'}
	if dt.IsFloat() {
		lo, hi := math.Inf(1), 0.0
		for _, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			a := math.Abs(v)
			if v != math.Trunc(v) {
				f.mode = 'f'
			}
			if a != 0 {
				lo = math.Min(lo, a)
			}
			hi = math.Max(hi, a)
		}
		if f.mode == 'f' && (hi >= 1e8 || lo < 1e-4 || hi/lo > 1000) && !math.IsInf(lo, 1) {
			f.mode = 'e'
		} else if f.mode == 'i' && hi >= 1e8 {
			f.mode = 'e'
		}
	}
	for _, v := range vals {
		f.width = max(f.width, len(f.format(v)))
	}
	return f
}

func (f numFormat) format(v float64) string {
	switch f.dtype {
	case Bool:
		if v != 0 {
			return "True"
		}
		return "False"
	case Int64:
		return strconv.FormatInt(int64(v), 10)
	}
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	switch f.mode {
	case 'i':
		return strconv.FormatFloat(v, 'f', 0, 64) + "."
	case 'f':
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	return strconv.FormatFloat(v, 'e', 4, 64)
}

func writeNested(b *strings.Builder, shape []int, vals []float64, f numFormat, depth, indent int, summarize bool) {
	if len(shape) == 0 {
		b.WriteString(f.format(vals[0]))
		return
	}
	n := shape[0]
	stride := 1
	for _, s := range shape[1:] {
		stride *= s
	}
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if summarize && n > 6 && i == 3 {
			if len(shape) == 1 {
				b.WriteString("..., ")
			} else {
				b.WriteString("...,\n" + strings.Repeat(" ", indent+depth+1))
			}
			i = n - 3
		}
		if len(shape) == 1 {
			s := f.format(vals[i])
			b.WriteString(strings.Repeat(" ", f.width-len(s)) + s)
		} else {
			writeNested(b, shape[1:], vals[i*stride:(i+1)*stride], f, depth+1, indent, summarize)
		}
		if i < n-1 {
			if len(shape) == 1 {
				b.WriteString(", ")
			} else {
				b.WriteString("," + strings.Repeat("\n", len(shape)-1) + strings.Repeat(" ", indent+depth+1))
			}
		}
	}
	b.WriteString("]")
}
