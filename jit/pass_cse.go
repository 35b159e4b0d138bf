package jit

import (
	"fmt"
	"math"
	"strconv"

	"github.com/eagerml/eager"
)

// CSE merges nodes that compute the same op on the same values with the same attributes,
// and equal small constants. Random draws are never merged (each draw is fresh), nor are
// Copy and Clone, whose point is a private buffer.
func CSE(g *Graph) *Graph {
	seen := map[string]int{}
	repl := make([]int, len(g.Nodes))
	keep := make([]bool, len(g.Nodes))
	for i, n := range g.Nodes {
		repl[i] = -1
		keep[i] = true
		k := cseKey(n, repl)
		if k == "" {
			continue
		}
		if j, ok := seen[k]; ok {
			repl[i] = j
			keep[i] = false
			continue
		}
		seen[k] = i
	}
	return g.rewrite(keep, repl)
}

// cseKey returns a string that equal nodes share, or "" for nodes never merged. It is built
// with strconv, not fmt: CSE keys every node of a graph, and fmt made it a fifth of the
// MLP training step's compile time.
func cseKey(n *Node, repl []int) string {
	switch n.Op {
	case "Input", "Capture", "Rand", "Copy", "Clone", "Fused":
		return ""
	}
	b := make([]byte, 0, 96)
	b = append(append(b, n.Op...), '|')
	b = append(append(b, n.DType.String()...), '|')
	for _, d := range n.Shape {
		b = append(strconv.AppendInt(b, int64(d), 10), ',')
	}
	b = append(b, '|')
	if n.Op == "Const" {
		if n.Const.Numel() > 16 {
			return ""
		}
		for _, v := range n.Const.Float64s() {
			b = append(strconv.AppendUint(b, math.Float64bits(v), 16), ',')
		}
		return string(b)
	}
	for _, a := range n.Args {
		for repl[a] >= 0 {
			a = repl[a]
		}
		b = append(strconv.AppendInt(append(b, '%'), int64(a), 10), ',')
	}
	for _, a := range n.Attrs {
		b = append(append(b, a.Name...), '=')
		b = append(appendAttrValue(b, a.Value), ' ')
	}
	return string(b)
}

// appendAttrValue appends an attribute's value, distinct values giving distinct text.
func appendAttrValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case float64:
		return strconv.AppendUint(append(b, 'f'), math.Float64bits(v), 16)
	case bool:
		return strconv.AppendBool(b, v)
	case string:
		return strconv.AppendQuote(b, v)
	case []int:
		b = append(b, '[')
		for _, x := range v {
			b = append(strconv.AppendInt(b, int64(x), 10), ',')
		}
		return append(b, ']')
	case eager.DType:
		return append(b, v.String()...)
	}
	return fmt.Appendf(b, "%T:%v", v, v)
}

// constScalar returns the value of a Const node holding a single element, or of any
// constant whose elements are all equal (a broadcast scalar).
func constScalar(n *Node) (float64, bool) {
	if n.Op != "Const" || n.Const.Numel() == 0 || n.Const.Numel() > 1<<16 || n.Const.DType() == eager.Bool {
		return 0, false
	}
	var vals []float64
	eager.NoGrad(func() { vals = n.Const.Float64s() })
	for _, v := range vals[1:] {
		if math.Float64bits(v) != math.Float64bits(vals[0]) {
			return 0, false
		}
	}
	return vals[0], true
}
