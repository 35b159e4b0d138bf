package jit

import "github.com/eagerml/eager"

// Simplify applies algebraic identities that keep every value's bits (with one exception,
// below):
//
//	x*1, 1*x, x/1, x-0 -> x          (exact for every x, NaN and -0 included)
//	x+0, 0+x -> x                    (exact except that eager's -0+0 is +0: the sign of zero)
//	Neg(Neg(x)) -> x
//	Permute(Permute(x)) -> one Permute, or x when the two cancel (double transpose)
//	View(View(x)) -> one View; View or Expand to x's own shape -> x
//	Expand(Expand(x)) -> one Expand
//	Copy(x) -> x when x is a fresh buffer nothing else reads (autograd's private copy of a
//	gradient that is already private)
//
// An identity applies only when the node has x's shape and dtype (x*1 with broadcasting or
// type promotion is not the identity).
func Simplify(g *Graph) *Graph {
	g = g.clone()
	repl := make([]int, len(g.Nodes))
	for i := range repl {
		repl[i] = -1
	}
	res := func(v int) int {
		for repl[v] >= 0 {
			v = repl[v]
		}
		return v
	}
	for i, n := range g.Nodes {
		for k, a := range n.Args {
			n.Args[k] = res(a)
		}
		same := func(v int) bool {
			m := g.Nodes[v]
			return m.DType == n.DType && sameInts(m.Shape, n.Shape)
		}
		isConst := func(v int, want float64) bool {
			c, ok := constScalar(g.Nodes[v])
			return ok && c == want
		}
		switch n.Op {
		case "Mul":
			if isConst(n.Args[1], 1) && same(n.Args[0]) {
				repl[i] = n.Args[0]
			} else if isConst(n.Args[0], 1) && same(n.Args[1]) {
				repl[i] = n.Args[1]
			}
		case "Div":
			if isConst(n.Args[1], 1) && same(n.Args[0]) {
				repl[i] = n.Args[0]
			}
		case "Add":
			if isConst(n.Args[1], 0) && same(n.Args[0]) {
				repl[i] = n.Args[0]
			} else if isConst(n.Args[0], 0) && same(n.Args[1]) {
				repl[i] = n.Args[1]
			}
		case "Sub":
			if isConst(n.Args[1], 0) && same(n.Args[0]) {
				repl[i] = n.Args[0]
			}
		case "Neg":
			if a := g.Nodes[n.Args[0]]; a.Op == "Neg" && same(a.Args[0]) {
				repl[i] = a.Args[0]
			}
		case "Permute":
			a := g.Nodes[n.Args[0]]
			if a.Op != "Permute" {
				break
			}
			p1, p2 := attrInts(a.Attrs, "dims"), attrInts(n.Attrs, "dims")
			q := make([]int, len(p2))
			identity := true
			for k := range p2 {
				q[k] = p1[p2[k]]
				identity = identity && q[k] == k
			}
			if identity {
				repl[i] = a.Args[0]
			} else {
				n.Args[0] = a.Args[0]
				n.Attrs = []eager.Attr{{Name: "dims", Value: q}}
			}
		case "View", "Expand":
			a := g.Nodes[n.Args[0]]
			if a.Op == n.Op {
				n.Args[0] = a.Args[0]
			}
			if same(n.Args[0]) {
				repl[i] = n.Args[0]
			}
		}
	}
	keep := make([]bool, len(g.Nodes))
	for i := range keep {
		keep[i] = repl[i] < 0
	}
	return elideCopies(DCE(g.rewrite(keep, repl)))
}

// elideCopies removes Copy nodes whose source is a fresh buffer nothing else reads.
func elideCopies(g *Graph) *Graph {
	users := g.users()
	esc := g.escapes()
	root := storageRoots(g)
	repl := make([]int, len(g.Nodes))
	keep := make([]bool, len(g.Nodes))
	for i, n := range g.Nodes {
		repl[i], keep[i] = -1, true
		if n.Op != "Copy" {
			continue
		}
		a := n.Args[0]
		if root[a] == a && freshOp(g.Nodes[a].Op) && len(users[a]) == 1 && !esc[a] {
			repl[i], keep[i] = a, false
		}
	}
	return g.rewrite(keep, repl)
}

// freshOp reports whether op always returns a new buffer that nothing else views.
func freshOp(op string) bool {
	switch op {
	case "Input", "Capture", "Const", "View", "Permute", "Expand", "Slice":
		return false
	}
	return true
}
