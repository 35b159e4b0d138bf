package jit

import (
	"fmt"
	"slices"

	"github.com/eagerml/eager"
)

// Two-output ops (max pooling's values and indices, MaxDim's values and positions) are
// traced as two nodes, the second with the attr "output" = 1. Replayed one node at a time,
// the op would run twice; the executor pairs the nodes instead and runs the op once, when
// the first of the two is reached, keeping the other output for its node.

// pairOps runs a two-output op once and returns both outputs.
var pairOps = map[string]func(in []*eager.Tensor, a []eager.Attr) (*eager.Tensor, *eager.Tensor){
	"MaxPool2d": func(in []*eager.Tensor, a []eager.Attr) (*eager.Tensor, *eager.Tensor) {
		v, i, err := eager.ReplayOpPair("MaxPool2d", in, a)
		if err != nil {
			panic(err)
		}
		return v, i
	},
	"MaxDim": func(in []*eager.Tensor, a []eager.Attr) (*eager.Tensor, *eager.Tensor) {
		return in[0].MaxDim(attrInt(a, "dim"), attrBool(a, "keepdim"))
	},
	"MinDim": func(in []*eager.Tensor, a []eager.Attr) (*eager.Tensor, *eager.Tensor) {
		return in[0].MinDim(attrInt(a, "dim"), attrBool(a, "keepdim"))
	},
}

// outputIndex is the "output" attr of a node of a two-output op (0 when absent).
func outputIndex(n *Node) int {
	o, _ := attrOf(n.Attrs, "output").(int)
	return o
}

// twins maps each node of a pairable two-output op whose other output is also in g to that
// other node: same op, same arguments, same attrs but "output".
func twins(g *Graph) map[int]int {
	first := map[string]int{} // key -> node of output 0
	var seconds []int
	for i, n := range g.Nodes {
		if _, ok := pairOps[n.Op]; !ok {
			continue
		}
		if outputIndex(n) == 1 {
			seconds = append(seconds, i)
		} else {
			first[twinKey(n)] = i
		}
	}
	t := map[int]int{}
	for _, j := range seconds {
		if i, ok := first[twinKey(g.Nodes[j])]; ok {
			t[i], t[j] = j, i
		}
	}
	return t
}

// twinKey identifies a two-output op's call: op, arguments and attrs other than "output".
func twinKey(n *Node) string {
	attrs := slices.DeleteFunc(slices.Clone(n.Attrs), func(a eager.Attr) bool { return a.Name == "output" })
	return fmt.Sprintf("%s|%v|%v", n.Op, n.Args, attrs)
}

// pairKernel is the kernel of node i whose twin is node j: the op runs when the first of the
// two is reached and leaves the other's output in its slot, which the other's kernel returns.
func pairKernel(n *Node, i, j int) kernel {
	run := pairOps[n.Op]
	args, attrs := n.Args, n.Attrs
	mine := outputIndex(n)
	return func(c *execCtx) *eager.Tensor {
		if v := c.vals[i]; v != nil {
			return v // computed with the twin
		}
		in := c.args[:len(args)]
		for k, a := range args {
			in[k] = c.vals[a]
		}
		out := [2]*eager.Tensor{}
		out[0], out[1] = run(in, attrs)
		c.vals[j] = out[1-mine]
		return out[mine]
	}
}
