package jit

import "github.com/eagerml/eager"

// Simplify applies algebraic identities that keep every value's bits (with one exception,
// below):
//
//	x*1, 1*x, x/1, x-0 -> x          (exact for every x, NaN and -0 included)
//	x+0, 0+x -> x                    (exact except that eager's -0+0 is +0: the sign of zero)
//	Neg(Neg(x)) -> x
//	Permute(Permute(x)) -> one Permute, or x when the two cancel (double transpose)
//	Permute(View(Permute(x))) -> View(x) when the two cancel and the View only adds or
//	drops dims of size 1 (a weight's gradient: Bmm's transposed product, squeezed, then
//	transposed back), for x an op's contiguous result
//	View(View(x)) -> one View; View or Expand to x's own shape -> x
//	Expand(Expand(x)) -> one Expand
//	Copy(x) -> x when x is a fresh buffer nothing else reads (autograd's private copy of a
//	gradient that is already private)
//
// The constants may be seen through View and Expand nodes (autograd's gradient of a sum is
// a ones tensor expanded to the summed shape). An identity applies only when the node has
// x's shape and dtype (x*1 with broadcasting or
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
			for m := g.Nodes[v]; m.Op == "View" || m.Op == "Expand"; m = g.Nodes[v] {
				v = m.Args[0] // a view of a constant with one value throughout has that value
			}
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
			if y, ok := transposeOfViewOfTranspose(g, n); ok {
				n.Op, n.Args, n.Attrs = "View", []int{y}, []eager.Attr{{Name: "shape", Value: append([]int(nil), n.Shape...)}}
				break
			}
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

// elideCopies removes Copy and Clone nodes whose source is a fresh buffer nothing else reads
// (or a View of one, read by nothing else).
func elideCopies(g *Graph) *Graph {
	users := g.users()
	esc := g.escapes()
	root := storageRoots(g)
	repl := make([]int, len(g.Nodes))
	keep := make([]bool, len(g.Nodes))
	for i, n := range g.Nodes {
		repl[i], keep[i] = -1, true
		if n.Op != "Copy" && n.Op != "Clone" {
			continue
		}
		// The source may be reached through Views (a product reshaped to a weight's
		// shape), each read only by the next.
		a := n.Args[0]
		r := a
		for g.Nodes[r].Op == "View" && len(users[r]) == 1 && !esc[r] {
			r = g.Nodes[r].Args[0]
		}
		if root[r] == r && freshOp(g.Nodes[r].Op) && len(users[r]) == 1 && !esc[r] && sameInts(g.Nodes[a].Shape, n.Shape) && g.Nodes[a].DType == n.DType {
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

// transposeOfViewOfTranspose recognizes n = Permute(View(Permute(y))) where the View only
// adds or removes dims of size 1 and n's elements are y's in row-major order: n is then y
// viewed with n's shape (y must be contiguous: an op's result).
func transposeOfViewOfTranspose(g *Graph, n *Node) (int, bool) {
	v := g.Nodes[n.Args[0]]
	if v.Op != "View" {
		return 0, false
	}
	b := g.Nodes[v.Args[0]]
	if b.Op != "Permute" || !staticDense(g, b.Args[0]) {
		return 0, false
	}
	nonUnit := func(shape []int) []int {
		var d []int
		for i, s := range shape {
			if s != 1 {
				d = append(d, i)
			}
		}
		return d
	}
	bd, vd := nonUnit(b.Shape), nonUnit(v.Shape)
	if len(bd) != len(vd) {
		return 0, false
	}
	ydim := make(map[int]int, len(vd)) // v's non-unit dim -> y's dim
	p1 := attrInts(b.Attrs, "dims")
	for j := range vd {
		if b.Shape[bd[j]] != v.Shape[vd[j]] {
			return 0, false
		}
		ydim[vd[j]] = p1[bd[j]]
	}
	p2 := attrInts(n.Attrs, "dims")
	last := -1
	for _, d := range p2 {
		if v.Shape[d] == 1 {
			continue
		}
		if ydim[d] <= last {
			return 0, false
		}
		last = ydim[d]
	}
	return b.Args[0], true
}
