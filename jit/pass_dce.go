package jit

// DCE removes nodes whose values nothing needs: not an output, not used by an effect, not
// read by a needed node. Inputs and random draws (which advance the generator) always stay;
// captures nothing reads are dropped.
func DCE(g *Graph) *Graph {
	live := make([]bool, len(g.Nodes))
	var stack []int
	mark := func(v int) {
		if v >= 0 && !live[v] {
			live[v] = true
			stack = append(stack, v)
		}
	}
	for i, n := range g.Nodes {
		if n.Op == "Input" || n.effectful() {
			mark(i)
		}
	}
	for _, o := range g.Outputs {
		mark(o)
	}
	for _, e := range g.Effects {
		mark(e.Value)
		if e.Kind == WriteBack {
			mark(e.Target)
		}
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, a := range g.Nodes[v].Args {
			mark(a)
		}
	}
	return g.rewrite(live, nil)
}
