package jit

import (
	"fmt"
	"slices"

	"github.com/eagerml/eager"
)

// Ops with several outputs (max pooling's values and indices, MaxDim's values and
// positions, a normalisation's fused gradients for input, weight and bias) are traced as one
// node per output, told apart by the attr "output". Replayed one node at a time, the op
// would run once per output; the executor groups the nodes of one call instead (siblings)
// and runs the op once, when the first of them is reached, keeping the other outputs for
// their nodes.

// multiOps runs a several-output op once and returns its outputs by "output" index.
var multiOps = map[string]func(in []*eager.Tensor, a []eager.Attr) []*eager.Tensor{
	"MaxPool2d":    replayOutputs("MaxPool2d"),
	"NormBackward": replayOutputs("NormBackward"),
	"MaxDim": func(in []*eager.Tensor, a []eager.Attr) []*eager.Tensor {
		v, i := in[0].MaxDim(attrInt(a, "dim"), attrBool(a, "keepdim"))
		return []*eager.Tensor{v, i}
	},
	"MinDim": func(in []*eager.Tensor, a []eager.Attr) []*eager.Tensor {
		v, i := in[0].MinDim(attrInt(a, "dim"), attrBool(a, "keepdim"))
		return []*eager.Tensor{v, i}
	},
}

func replayOutputs(name string) func(in []*eager.Tensor, a []eager.Attr) []*eager.Tensor {
	return func(in []*eager.Tensor, a []eager.Attr) []*eager.Tensor {
		out, err := eager.ReplayOpOutputs(name, in, a)
		if err != nil {
			panic(err)
		}
		return out
	}
}

// outputIndex is the "output" attr of a node of a several-output op (0 when absent).
func outputIndex(n *Node) int {
	o, _ := attrOf(n.Attrs, "output").(int)
	return o
}

// siblings maps each node of a several-output op that has another output of the same call
// in g to all of that call's nodes (same op, same arguments, same attrs but "output"), in
// graph order.
func siblings(g *Graph) map[int][]int {
	calls := map[string][]int{}
	var keys []string
	for i, n := range g.Nodes {
		if _, ok := multiOps[n.Op]; !ok {
			continue
		}
		k := siblingKey(n)
		if calls[k] == nil {
			keys = append(keys, k)
		}
		calls[k] = append(calls[k], i)
	}
	s := map[int][]int{}
	for _, k := range keys {
		if nodes := calls[k]; len(nodes) > 1 {
			for _, i := range nodes {
				s[i] = nodes
			}
		}
	}
	return s
}

// siblingKey identifies a several-output op's call: op, arguments and attrs other than
// "output".
func siblingKey(n *Node) string {
	attrs := slices.DeleteFunc(slices.Clone(n.Attrs), func(a eager.Attr) bool { return a.Name == "output" })
	return fmt.Sprintf("%s|%v|%v", n.Op, n.Args, attrs)
}

// siblingKernel is the kernel of node i, one of the nodes sibs of one call: the op runs when
// the first of them is reached and leaves the others' outputs in their slots, which their
// kernels return.
func siblingKernel(g *Graph, i int, sibs []int) kernel {
	n := g.Nodes[i]
	run := multiOps[n.Op]
	args, attrs := n.Args, n.Attrs
	idx := make([]int, len(sibs))
	for k, s := range sibs {
		idx[k] = outputIndex(g.Nodes[s])
	}
	return func(c *execCtx) *eager.Tensor {
		if v := c.vals[i]; v != nil {
			return v // computed with a sibling
		}
		in := c.args[:len(args)]
		for k, a := range args {
			in[k] = c.vals[a]
		}
		out := run(in, attrs)
		for _, t := range out {
			noteAliasing(c, t, in)
		}
		var mine *eager.Tensor
		for k, s := range sibs {
			if idx[k] >= len(out) || out[idx[k]] == nil {
				panic(fmt.Sprintf("jit: internal error: %s gave no output %d", n.Op, idx[k]))
			}
			if s == i {
				mine = out[idx[k]]
			} else {
				c.vals[s] = out[idx[k]]
			}
		}
		return mine
	}
}
