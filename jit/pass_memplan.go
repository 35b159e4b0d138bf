package jit

import "fmt"

// PlanMemory decides where the outputs of jit's native kernels (Fused, FusedOutput, SumN,
// Gemm) live, from a liveness analysis (a value is live from the node that computes it to
// its last reader; views keep the buffer they view alive; outputs and effects live past the
// end):
//
//   - in place: an elementwise output may overwrite the buffer of an input that dies at that
//     node, when the input is a fresh buffer of the same size and the kernel reads each of its
//     elements before writing that element (Node.Reuse);
//   - into the parameter: the new value of a tensor that outlives the call (an optimizer
//     update) is written straight into it, instead of into a new buffer copied back after the
//     graph ran, when nothing reads the old value afterwards (Node.Into);
//   - reused buffers: values that do not escape live in slots shared by values whose
//     lifetimes do not overlap, sized once and kept across calls (Node.Buf);
//   - anything else gets a new buffer at every call.
//
// Eager ops replayed through the replay table allocate their results as eager does. The
// plan's summary, with the bytes saved per call, is added to the graph's notes.
func PlanMemory(g *Graph) *Graph {
	g = g.clone()
	n := len(g.Nodes)
	for _, nd := range g.Nodes {
		nd.Buf, nd.Reuse, nd.Into = -1, -1, -1
	}
	root := storageRoots(g)
	const forever = 1 << 30
	lastRead, escRoot := rootLiveness(g, root)
	last := append([]int(nil), lastRead...) // lastRead, and forever for escaping roots
	for r, e := range escRoot {
		if e {
			last[r] = forever
		}
	}
	def := func(v int) int { // where a value is computed
		if g.Nodes[v].Op == "FusedOutput" {
			return g.Nodes[v].Args[0]
		}
		return v
	}
	native := func(v int) bool {
		switch g.Nodes[v].Op {
		case "Fused", "FusedOutput", "SumN", "Gemm":
			return true
		}
		return false
	}
	// outputs of node i (a Fused node and its FusedOutputs)
	outsOf := make([][]int, n)
	for v := range g.Nodes {
		if native(v) {
			outsOf[def(v)] = append(outsOf[def(v)], v)
		}
	}
	bytes := func(v int) int { return numel(g.Nodes[v].Shape) * g.Nodes[v].DType.Size() }

	var slots []slot
	free := map[slot][]int{}
	slotOf := make([]int, n)
	for i := range slotOf {
		slotOf[i] = -1
	}
	taken := map[int]bool{} // inputs already overwritten at this node
	var naive, perCall, inPlace, into int
	for i := range g.Nodes {
		for _, v := range outsOf[i] {
			nd := g.Nodes[v]
			naive += bytes(v)
			if t := intoTarget(g, i, v, root, lastRead); t >= 0 {
				nd.Into = t
				into++
				continue
			}
			if a := reusableInput(g, i, v, root, last, escRoot, taken); a >= 0 {
				nd.Reuse = a
				inPlace++
				continue
			}
			if escRoot[v] {
				perCall += bytes(v)
				continue
			}
			s := slot{DType: nd.DType, N: numel(nd.Shape)}
			if l := free[s]; len(l) > 0 {
				nd.Buf = l[len(l)-1]
				free[s] = l[:len(l)-1]
			} else {
				nd.Buf = len(slots)
				slots = append(slots, s)
			}
			slotOf[v] = nd.Buf
		}
		// Free the slots of buffers whose last reader is this node, or that nobody reads.
		release := func(v int) {
			if s := slotOf[v]; s >= 0 {
				free[slots[s]] = append(free[slots[s]], s)
				slotOf[v] = -1
			}
		}
		for _, a := range g.Nodes[i].Args {
			if r := root[a]; last[r] == i {
				release(r)
			}
		}
		for _, v := range outsOf[i] {
			if last[v] < 0 {
				release(v)
			}
		}
		clear(taken)
	}
	arena := 0
	for _, s := range slots {
		arena += s.N * s.DType.Size()
	}
	if naive > 0 {
		g.Notes = append(g.Notes, fmt.Sprintf("memplan: native kernels produce %d B per call; %d B are new buffers at each call, %d B live in %d reused slots kept across calls (%d B), %d outputs overwrite dead inputs, %d are written straight into the tensor they update: %d B of allocation saved per call",
			naive, perCall, naive-perCall, len(slots), arena, inPlace, into, naive-perCall))
	}
	return g
}

// rootLiveness returns, per storage root (see storageRoots), the last node that reads it or a
// view of it (-1 when none does), and whether it or a view of it escapes (an output, or an
// effect's value or target).
func rootLiveness(g *Graph, root []int) (lastRead []int, escRoot []bool) {
	n := len(g.Nodes)
	lastRead = make([]int, n)
	for i := range lastRead {
		lastRead[i] = -1
	}
	for i, nd := range g.Nodes {
		for _, a := range nd.Args {
			lastRead[root[a]] = max(lastRead[root[a]], i)
		}
	}
	escRoot = make([]bool, n)
	for v, e := range g.escapes() {
		if e {
			escRoot[root[v]] = true
		}
	}
	return lastRead, escRoot
}

// planSlots lists the slots a planned graph uses.
func planSlots(g *Graph) []slot {
	var slots []slot
	for _, nd := range g.Nodes {
		if nd.Buf < 0 {
			continue
		}
		for len(slots) <= nd.Buf {
			slots = append(slots, slot{})
		}
		slots[nd.Buf] = slot{DType: nd.DType, N: numel(nd.Shape)}
	}
	return slots
}

// programReadsBefore reports whether a program's output register for value out (of node i)
// can share memory with its input k: every instruction reading input k comes no later than
// the one writing the register, that register is written straight into the output buffer,
// and the writing instruction reads each element before writing it.
func programAliasOK(g *Graph, i, out, k int) bool {
	nd := g.Nodes[i]
	switch nd.Op {
	case "SumN":
		return g.Nodes[nd.Args[k]].Shape != nil && (k == 0 || k == 1) && countArg(nd.Args, nd.Args[k]) == 1
	case "Fused":
	default:
		return false
	}
	p := nd.Fused
	idx := 0
	if g.Nodes[out].Op == "FusedOutput" {
		idx = attrInt(g.Nodes[out].Attrs, "index")
	}
	reg := p.Outs[idx].Reg
	if p.Slots[reg] >= 0 {
		return false // not written straight into the output
	}
	writer := -1
	for j, in := range p.Insts {
		if in.Dst == reg {
			writer = j
		}
	}
	for j, in := range p.Insts {
		for pos, a := range in.Args {
			if a.Kind != OpIn || a.Index != k {
				continue
			}
			if j > writer {
				return false
			}
			if j == writer {
				if isReduction(in.Op) || (in.Op == "SumN" && pos > 1) {
					return false
				}
			}
		}
	}
	return true
}

func countArg(args []int, v int) int {
	c := 0
	for _, a := range args {
		if a == v {
			c++
		}
	}
	return c
}

// reusableInput returns a dead input of node i whose buffer output v may overwrite, or -1.
func reusableInput(g *Graph, i, v int, root, last []int, escRoot []bool, taken map[int]bool) int {
	nd := g.Nodes[i]
	out := g.Nodes[v]
	for k, a := range nd.Args {
		m := g.Nodes[a]
		r := root[a]
		rn := g.Nodes[r]
		if taken[r] || !freshOp(rn.Op) || rn.Op == "Rand" || last[r] != i || escRoot[r] ||
			m.DType != out.DType || !sameInts(m.Shape, out.Shape) || countArg(nd.Args, a) != 1 {
			continue
		}
		if native(g, r) && rn.Buf >= 0 {
			continue // lives in a slot: slots are reused by the plan, not by outputs
		}
		if nd.Op == "Fused" && !sameInts(nd.Fused.Shape, out.Shape) {
			continue
		}
		shared := false
		for _, b := range nd.Args {
			shared = shared || (b != a && root[b] == root[a])
		}
		if !shared && programAliasOK(g, i, v, k) {
			taken[r] = true
			return a
		}
	}
	return -1
}

func native(g *Graph, v int) bool {
	switch g.Nodes[v].Op {
	case "Fused", "FusedOutput", "SumN", "Gemm":
		return true
	}
	return false
}

// intoTarget returns the write-back target that output v of node i may be written straight
// into, or -1: v is the final value written back, the target is an argument of the fused
// node that nothing reads after it, and the program reads it element by element before
// writing.
func intoTarget(g *Graph, i, v int, root, last []int) int {
	nd := g.Nodes[i]
	if nd.Op != "Fused" || !sameInts(nd.Fused.Shape, g.Nodes[v].Shape) || g.Nodes[v].DType != nd.Fused.T {
		return -1
	}
	for _, e := range g.Effects {
		if e.Kind != WriteBack || e.Value != v {
			continue
		}
		t := e.Target
		tn := g.Nodes[t]
		if tn.Op != "Capture" && tn.Op != "Input" || !sameInts(tn.Shape, g.Nodes[v].Shape) || tn.DType != g.Nodes[v].DType {
			return -1
		}
		// Nothing may read the old value (or a view of it) after this node, and no other
		// output of the graph may be it.
		if last[root[t]] > i {
			return -1
		}
		for k, a := range nd.Args {
			if a == t {
				if !programAliasOK(g, i, v, k) {
					return -1
				}
			} else if root[a] == root[t] {
				return -1 // read through another view
			}
		}
		return t
	}
	return -1
}
