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
	summarize := len(vals) > 1000
	f := chooseFormat(x.dtype, summarized(x.shape, vals, summarize))
	if len(vals) == 0 {
		b.WriteString("[]")
	} else {
		writeNested(&b, x.shape, vals, f, len("tensor("), summarize)
	}
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
		// PyTorch's rules (torch/_tensor_str.py): scientific notation when the nonzero
		// finite magnitudes span more than 1000x or exceed 1e8, or (non-integers) go below 1e-4.
		if !math.IsInf(lo, 1) && (hi/lo > 1000 || hi > 1e8 || (f.mode == 'f' && lo < 1e-4)) {
			f.mode = 'e'
		}
	}
	// As PyTorch, the column width of a float tensor comes from its nonzero finite values
	// only (zeros, NaN and Inf may stick out); other dtypes use every value.
	f.width = 1
	for _, v := range vals {
		if !dt.IsFloat() || (v != 0 && !math.IsNaN(v) && !math.IsInf(v, 0)) {
			f.width = max(f.width, len(f.format(v)))
		}
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

// summarized returns the values PyTorch looks at to choose the number format of a summarised
// tensor: along every dim only the first and last three entries.
func summarized(shape []int, vals []float64, summarize bool) []float64 {
	if !summarize || len(shape) == 0 {
		return vals
	}
	n, stride := shape[0], numel(shape[1:])
	var out []float64
	for i := 0; i < n; i++ {
		if n > 2*edgeItems && i == edgeItems {
			i = n - edgeItems
		}
		out = append(out, summarized(shape[1:], vals[i*stride:(i+1)*stride], true)...)
	}
	return out
}

const (
	edgeItems = 3  // entries shown at each end of a summarised dim
	lineWidth = 80 // rows of a 1-D tensor wrap at this width, as PyTorch's linewidth
)

// writeNested writes the values of a tensor of shape as PyTorch's _tensor_str does: indent
// is the column where this level's "[" stands, rows of numbers wrap at lineWidth, and
// summarised dims show "..." in place of their middle entries.
func writeNested(b *strings.Builder, shape []int, vals []float64, f numFormat, indent int, summarize bool) {
	if len(shape) == 0 {
		b.WriteString(f.format(vals[0]))
		return
	}
	n := shape[0]
	skip := summarize && n > 2*edgeItems
	if len(shape) == 1 {
		var items []string
		for i := 0; i < n; i++ {
			if skip && i == edgeItems {
				items = append(items, " ...")
				i = n - edgeItems
			}
			s := f.format(vals[i])
			items = append(items, strings.Repeat(" ", max(0, f.width-len(s)))+s)
		}
		perLine := max(1, (lineWidth-indent)/(f.width+2))
		b.WriteString("[")
		for i, s := range items {
			if i > 0 {
				if i%perLine == 0 {
					b.WriteString(",\n" + strings.Repeat(" ", indent+1))
				} else {
					b.WriteString(", ")
				}
			}
			b.WriteString(s)
		}
		b.WriteString("]")
		return
	}
	stride := numel(shape[1:])
	sep := "," + strings.Repeat("\n", len(shape)-1) + strings.Repeat(" ", indent+1)
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(sep)
		}
		if skip && i == edgeItems {
			b.WriteString("..." + sep)
			i = n - edgeItems
		}
		writeNested(b, shape[1:], vals[i*stride:(i+1)*stride], f, indent+1, summarize)
	}
	b.WriteString("]")
}
