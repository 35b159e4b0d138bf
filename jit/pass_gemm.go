package jit

import "github.com/eagerml/eager"

// FuseGemm folds the epilogue of a matrix product into it: Bmm, then optionally Views that
// keep the last dim (MatMul's reshapes), then an Add of a bias that broadcasts along the
// last dim, then optionally an activation (ReLU, GELU, SiLU, Tanh, ...), become one Gemm
// node. The Gemm kernel computes the product a block of rows at a time and applies bias and
// activation to each block while it is in cache, instead of three passes over memory. Each
// element is computed as eager does (the same GEMM kernel, then y+b, then the activation in
// float64 rounded), so the results are bit-identical. Intermediates must have no other use.
// A product without bias that only ReLUBackward reads, as the gradient (an input gradient
// flowing back through a ReLU), takes the mask as its epilogue instead: act=ReLUBackward,
// with the ReLU's output as the last argument, applied by eager's kernel to each block.
// Every other Bmm becomes a Gemm without epilogue, whose result the memory plan places.
// Then a transposed product is computed as the product of the transposed operands
// (transposeProducts), and a batched product that is only read permuted is computed
// straight into the permuted layout (permutedProducts).
func FuseGemm(g *Graph) *Graph {
	g = g.clone()
	users := g.users()
	esc := g.escapes()
	single := func(v int) (int, bool) {
		if len(users[v]) != 1 || esc[v] {
			return 0, false
		}
		return users[v][0], true
	}
	for i, n := range g.Nodes {
		if n.Op != "Bmm" || !n.DType.IsFloat() || len(n.Shape) != 3 { // the Gemm kernel takes one batch dim
			continue
		}
		N := n.Shape[2]
		cur := i
		bias, act := -1, ""
		var params [2]float64
		for {
			u, ok := single(cur)
			if !ok || g.Nodes[u].Op != "View" {
				break
			}
			if s := g.Nodes[u].Shape; len(s) == 0 || s[len(s)-1] != N {
				break
			}
			cur = u
		}
		if u, ok := single(cur); ok && g.Nodes[u].Op == "Add" && sameInts(g.Nodes[u].Shape, g.Nodes[cur].Shape) && g.Nodes[u].DType == n.DType {
			other := g.Nodes[u].Args[1]
			if other == cur {
				other = g.Nodes[u].Args[0]
			}
			if isRowVector(g.Nodes[other], N, n.DType) && other != cur {
				bias, cur = other, u
			}
		}
		mask := -1
		if u, ok := single(cur); ok && bias < 0 && g.Nodes[u].Op == "ReLUBackward" && g.Nodes[u].Args[0] == cur {
			// The product is a gradient flowing back through a ReLU: the mask of the
			// ReLU's output y is applied to each block of rows (eager's kernel, in place).
			if y := g.Nodes[u].Args[1]; y != cur && g.Nodes[y].DType == n.DType && sameInts(g.Nodes[y].Shape, g.Nodes[u].Shape) {
				act, mask, cur = "ReLUBackward", y, u
			}
		}
		if u, ok := single(cur); ok && mask < 0 && gemmActivation(g.Nodes[u].Op) && g.Nodes[u].DType == n.DType {
			act, cur = g.Nodes[u].Op, u
			switch act {
			case "LeakyReLU":
				params[0] = attrFloat(g.Nodes[u].Attrs, "slope")
			case "Softplus":
				params = [2]float64{attrFloat(g.Nodes[u].Attrs, "beta"), attrFloat(g.Nodes[u].Attrs, "threshold")}
			case "Clamp":
				params = [2]float64{attrFloat(g.Nodes[u].Attrs, "min"), attrFloat(g.Nodes[u].Attrs, "max")}
			}
		}
		// A product with no epilogue becomes a Gemm too, so that it writes into a buffer
		// of the memory plan instead of allocating its result at every call.
		out := g.Nodes[cur]
		args := []int{n.Args[0], n.Args[1]}
		if bias >= 0 {
			args = append(args, bias)
		}
		if mask >= 0 {
			args = append(args, mask)
		}
		out.Op, out.Args = "Gemm", args
		out.Attrs = []eager.Attr{{Name: "bias", Value: bias >= 0}, {Name: "act", Value: act}, {Name: "p0", Value: params[0]}, {Name: "p1", Value: params[1]}}
	}
	// A product computed transposed or permuted may now be the fresh source of a
	// gradient's Copy or of a Clone.
	return elideCopies(DCE(permutedProducts(transposeProducts(g))))
}

// permutedProducts computes a permuted batched product straight into the permuted layout:
// a Permute whose source is a Bmm read by nothing else (attention's per-head products,
// which eager code permutes and copies back into [N, L, E]) becomes a BmmPermuted node,
// eager.BmmPermuted at run time, whose result is contiguous. The copy that followed the
// Permute then reads a fresh buffer nothing else reads, and elideCopies drops it. The
// product's elements are the same sequence of fused multiply-adds in either layout, so
// the bits are the same.
func permutedProducts(g *Graph) *Graph {
	users := g.users()
	esc := g.escapes()
	for _, n := range g.Nodes {
		if n.Op != "Permute" {
			continue
		}
		p := g.Nodes[n.Args[0]]
		if p.Op != "Bmm" || len(users[n.Args[0]]) != 1 || esc[n.Args[0]] || p.DType != n.DType || !p.DType.IsFloat() ||
			g.Nodes[p.Args[0]].DType != p.DType || g.Nodes[p.Args[1]].DType != p.DType {
			continue
		}
		n.Op, n.Args = "BmmPermuted", []int{p.Args[0], p.Args[1]}
	}
	return g
}

// transposeProducts computes a transposed product directly, without the transpose: the
// transpose of a Gemm without epilogue whose only reader is the transpose, (A·B)ᵀ, becomes
// the Gemm Bᵀ·Aᵀ, which writes the transposed layout at once (a weight's gradient, which
// eager computes as xᵀ·g and then transposes, is then contiguous for the optimizer's loop).
// The GEMM kernel computes every element by the same sequence of operations whichever
// operand comes first (TestGemmTransposeSymmetry in internal/kernels), so the bits are the
// same.
func transposeProducts(g *Graph) *Graph {
	users := g.users()
	esc := g.escapes()
	changed := false
	for _, n := range g.Nodes {
		if n.Op != "Permute" {
			continue
		}
		dims := attrInts(n.Attrs, "dims")
		if !(sameInts(dims, []int{1, 0}) || sameInts(dims, []int{0, 2, 1})) {
			continue
		}
		p := n.Args[0]
		pn := g.Nodes[p]
		if pn.Op != "Gemm" || attrOf(pn.Attrs, "bias") == true || attrOf(pn.Attrs, "act") != "" || len(users[p]) != 1 || esc[p] {
			continue
		}
		as, bs := g.Nodes[pn.Args[0]].Shape, g.Nodes[pn.Args[1]].Shape
		if !(len(dims) == 3 && sameInts(pn.Shape, []int{as[0], as[1], bs[2]}) || len(dims) == 2 && as[0] == 1 && sameInts(pn.Shape, []int{as[1], bs[2]})) {
			continue // the product was reshaped into something else
		}
		tr := func(v int) int { // a [B, R, C] operand viewed as [B, C, R]
			sh := g.Nodes[v].Shape
			g.Nodes = append(g.Nodes, &Node{Op: "Permute", Args: []int{v}, Attrs: []eager.Attr{{Name: "dims", Value: []int{0, 2, 1}}},
				Shape: []int{sh[0], sh[2], sh[1]}, DType: g.Nodes[v].DType, Buf: -1, Reuse: -1, Into: -1, Where: n.Where})
			return len(g.Nodes) - 1
		}
		a, b := pn.Args[0], pn.Args[1]
		n.Op, n.Args, n.Attrs = "Gemm", []int{tr(b), tr(a)}, pn.Attrs
		changed = true
	}
	if !changed {
		return g
	}
	return toposort(g)
}

// isRowVector reports whether n broadcasts along the last dim only: shape [..1.., N].
func isRowVector(n *Node, N int, dt eager.DType) bool {
	if n.DType != dt || len(n.Shape) == 0 || n.Shape[len(n.Shape)-1] != N {
		return false
	}
	for _, s := range n.Shape[:len(n.Shape)-1] {
		if s != 1 {
			return false
		}
	}
	return true
}

func gemmActivation(op string) bool {
	switch op {
	case "ReLU", "GELU", "GELUTanh", "SiLU", "Tanh", "Sigmoid", "LeakyReLU", "Softplus", "Clamp":
		return true
	}
	return false
}
