package jit

import "github.com/eagerml/eager"

// Fold evaluates, once at compile time, every node whose inputs are all constants made
// inside fn (the scalars of MulScalar, a Full broadcast with Expand, arithmetic on them),
// replacing it with a Const. It runs the same eager op the executor would, so the folded
// value is the value every call would compute. Random draws, Copy and Clone (whose result
// must be a new buffer at every call) are not folded.
func Fold(g *Graph) *Graph {
	g = g.clone()
	for _, n := range g.Nodes {
		if n.Op == "Const" || n.Op == "Input" || n.Op == "Capture" || n.effectful() || n.Op == "Copy" || n.Op == "Clone" || len(n.Args) == 0 {
			continue
		}
		f := lookupOp(n.Op)
		if f == nil {
			continue
		}
		args := make([]*eager.Tensor, len(n.Args))
		ok := true
		for k, a := range n.Args {
			if m := g.Nodes[a]; m.Op == "Const" {
				args[k] = m.Const
			} else {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		var v *eager.Tensor
		eager.NoGrad(func() { v = f(args, n.Attrs) })
		n.Op, n.Args, n.Attrs, n.Const = "Const", nil, nil, v
	}
	return DCE(g)
}
