package jit

import "github.com/eagerml/eager"

// SumChains turns a chain of additions, ((t0 + t1) + t2) + ... + tn, whose partial sums
// nothing else reads, into one n-ary SumN(t0, ..., tn) node, run as a single loop that
// adds the terms per element in the same order (so the bits are eager's). Since IEEE
// addition is commutative, x + chain continues a chain as well as chain + x does; a sum of
// two chains keeps the right one as a term. Chains need at least three terms, all of the
// chain's float dtype; broadcasting terms are fine.
func SumChains(g *Graph) *Graph {
	g = g.clone()
	users := g.users()
	esc := g.escapes()
	absorbed := make([]bool, len(g.Nodes))
	chainable := func(a int, dt eager.DType) bool {
		m := g.Nodes[a]
		return m.Op == "Add" && m.DType == dt && len(users[a]) == 1 && !esc[a] && !absorbed[a] &&
			g.Nodes[m.Args[0]].DType == dt && g.Nodes[m.Args[1]].DType == dt
	}
	for i := len(g.Nodes) - 1; i >= 0; i-- {
		n := g.Nodes[i]
		if n.Op != "Add" || absorbed[i] || !n.DType.IsFloat() || g.Nodes[n.Args[0]].DType != n.DType || g.Nodes[n.Args[1]].DType != n.DType {
			continue
		}
		var rev []int // terms, last first
		var inner []int
		cur := i
		for {
			m := g.Nodes[cur]
			l, r := m.Args[0], m.Args[1]
			switch {
			case chainable(l, n.DType) && l != r:
				rev = append(rev, r)
				inner = append(inner, l)
				cur = l
				continue
			case chainable(r, n.DType) && l != r:
				rev = append(rev, l)
				inner = append(inner, r)
				cur = r
				continue
			}
			rev = append(rev, r, l)
			break
		}
		if len(rev) < 3 {
			continue
		}
		for _, a := range inner {
			absorbed[a] = true
		}
		terms := make([]int, len(rev))
		for k, t := range rev {
			terms[len(rev)-1-k] = t
		}
		n.Op, n.Args, n.Attrs = "SumN", terms, nil
	}
	return DCE(g)
}
