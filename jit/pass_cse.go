package jit

import (
	"fmt"
	"math"
	"strings"

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

// cseKey returns a string that equal nodes share, or "" for nodes never merged.
func cseKey(n *Node, repl []int) string {
	switch n.Op {
	case "Input", "Capture", "Rand", "Copy", "Clone":
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%v|%v|", n.Op, n.DType, n.Shape)
	if n.Op == "Const" {
		if n.Const.Numel() > 16 {
			return ""
		}
		for _, v := range n.Const.Float64s() {
			fmt.Fprintf(&b, "%x,", math.Float64bits(v))
		}
		return b.String()
	}
	if n.Op == "Fused" {
		return ""
	}
	for _, a := range n.Args {
		for repl[a] >= 0 {
			a = repl[a]
		}
		fmt.Fprintf(&b, "%%%d,", a)
	}
	b.WriteString(formatAttrs(n.Attrs))
	return b.String()
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
