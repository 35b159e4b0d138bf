package jit

import (
	"container/heap"
	"fmt"
	"strings"

	"github.com/eagerml/eager"
)

// FuseElementwise groups chains of elementwise ops into Fused nodes. A group has one
// iteration shape S and one float compute dtype T; its members are
//
//   - elementwise ops on T producing S: unary math (Exp, Tanh, ReLU, GELU, LeakyReLU, Clamp,
//     ...), binary arithmetic (Add, Sub, Mul, Div, Pow, Maximum, Minimum) with any
//     broadcasting of their other operands, comparisons (bool results held as 0 and 1), To
//     from bool, Where, n-ary sums, the functional forms of in-place updates (AddInPlace,
//     AddScaledInPlace, ...) and Copy;
//   - reduction epilogues: Sum, Amax or Amin over trailing dims of a member (rows of at
//     most 16384 elements, the same rows for all reductions of a group);
//   - after a reduction, elementwise ops on the reduced values (kept dims), which later
//     members broadcast back over the rows: so a layer norm, or the mean of squared errors,
//     becomes one loop.
//
// The executor runs a group tile by tile: whole rows, about the configured tile size, so
// that the intermediates stay in L1 and only the group's inputs and outputs touch memory.
// Each element is computed by the same operations in the same order and precision as eager
// (float32 unary math in float64, rounded), and reductions call the same kernel on the same
// row, so the results are bit-identical to eager.
//
// Values of a group that other nodes need become its outputs: the Fused node itself is the
// first, FusedOutput nodes the others.
func FuseElementwise(g *Graph) *Graph {
	f := &fuser{g: g, groupOf: make([]int, len(g.Nodes)), users: g.users()}
	for i := range f.groupOf {
		f.groupOf[i] = -1
	}
	for i := range g.Nodes {
		f.place(i)
	}
	return f.build()
}

const maxFusedRow = 1 << 14

type fuseGroup struct {
	T       eager.DType
	shape   []int // S
	k       int   // trailing reduced dims (0: no reduction yet)
	members []int // ascending
	first   int
}

func (gr *fuseGroup) rowShape() []int {
	r := len(gr.shape)
	s := append([]int(nil), gr.shape[:r-gr.k]...)
	for i := 0; i < gr.k; i++ {
		s = append(s, 1)
	}
	return s
}

type fuser struct {
	g       *Graph
	groups  []*fuseGroup
	groupOf []int
	users   [][]int
}

// fusibleOp says whether node i can be a member and, if so, its compute dtype.
func (f *fuser) fusibleOp(i int) (eager.DType, bool) {
	n := f.g.Nodes[i]
	argT := func(k int) eager.DType { return f.g.Nodes[n.Args[k]].DType }
	allT := func(dt eager.DType) bool {
		for k := range n.Args {
			if argT(k) != dt {
				return false
			}
		}
		return dt.IsFloat()
	}
	if numel(n.Shape) == 0 {
		return 0, false
	}
	switch {
	case unaryOps[n.Op] != nil || n.Op == "Copy" || n.Op == "Clone":
		return n.DType, allT(n.DType)
	case binaryOps[n.Op] != 0 || n.Op == "SumN" || isInPlaceUpdate(n.Op):
		return n.DType, allT(n.DType)
	case compareOps[n.Op] != 0:
		t := argT(0)
		return t, allT(t)
	case n.Op == "To":
		return n.DType, n.DType.IsFloat() && argT(0) == eager.Bool
	case n.Op == "Where":
		return n.DType, n.DType.IsFloat() && argT(0) == eager.Bool && argT(1) == n.DType && argT(2) == n.DType
	case n.Op == "Sum" || n.Op == "Amax" || n.Op == "Amin":
		return n.DType, allT(n.DType)
	}
	return 0, false
}

// isInPlaceUpdate reports whether op is the functional form of an in-place update that the
// fuser takes.
func isInPlaceUpdate(op string) bool {
	switch op {
	case "AddInPlace", "SubInPlace", "MulInPlace", "DivInPlace", "AddScaledInPlace", "AddcmulInPlace", "AddcdivInPlace":
		return true
	}
	return scalarInPlace[op] != ""
}

// scalarInPlace maps the in-place scalar updates to the binary op with an immediate that
// computes the same value (eager's fast and slow paths both compute x op float32(s)).
var scalarInPlace = map[string]string{"AddScalarInPlace": "Add", "MulScalarInPlace": "Mul", "DivScalarInPlace": "Div"}

// staticDense reports whether value v is, whenever the graph runs, a contiguous tensor:
// the output of an op, or a View of one. Inputs and captures are checked when the kernel
// runs (see fusedKernel).
func staticDense(g *Graph, v int) bool {
	for {
		n := g.Nodes[v]
		switch {
		case n.Op == "View":
			v = n.Args[0]
		case isView(n.Op):
			return false
		default:
			return true
		}
	}
}

func isReduction(op string) bool { return op == "Sum" || op == "Amax" || op == "Amin" }

// reductionK returns how many trailing dims node i reduces, or 0 when they are not a
// trailing block of its input.
func (f *fuser) reductionK(i int) int {
	n := f.g.Nodes[i]
	in := f.g.Nodes[n.Args[0]].Shape
	dims := attrInts(n.Attrs, "dims")
	r := len(in)
	if len(dims) == 0 || r == 0 {
		return 0
	}
	for k, d := range dims {
		if d != r-len(dims)+k {
			return 0
		}
	}
	return len(dims)
}

func isDropped(n *Node) bool { return isReduction(n.Op) && !attrBool(n.Attrs, "keepdim") }

// dependsOn reports whether value v needs (through args, treating groups as units) any
// member of group gi.
func (f *fuser) dependsOn(v, gi int) bool {
	first := f.groups[gi].first
	seen := map[int]bool{}
	stack := []int{v}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[u] || (u < first && f.groupOf[u] < 0) {
			continue
		}
		seen[u] = true
		if f.groupOf[u] == gi {
			return true
		}
		stack = append(stack, f.g.Nodes[u].Args...)
		if h := f.groupOf[u]; h >= 0 {
			stack = append(stack, f.groups[h].members...)
		}
	}
	return false
}

// canJoin checks whether node i may join group gi (reached through its argument at pos).
func (f *fuser) canJoin(i, gi int, T eager.DType) bool {
	gr := f.groups[gi]
	n := f.g.Nodes[i]
	if gr.T != T {
		return false
	}
	if isReduction(n.Op) {
		a := f.g.Nodes[n.Args[0]]
		k := f.reductionK(i)
		if k == 0 || !sameInts(a.Shape, gr.shape) || (gr.k != 0 && gr.k != k) || numel(gr.shape[len(gr.shape)-k:]) > maxFusedRow {
			return false
		}
	} else if !sameInts(n.Shape, gr.shape) && !(gr.k > 0 && sameInts(n.Shape, gr.rowShape())) {
		return false
	}
	for _, a := range n.Args {
		if f.groupOf[a] == gi {
			if isDropped(f.g.Nodes[a]) {
				return false // a reduction that dropped its dims can only be an output
			}
			continue
		}
		if f.dependsOn(a, gi) {
			return false
		}
	}
	return true
}

// place puts node i into a group: one of its arguments', or a new one.
func (f *fuser) place(i int) {
	T, ok := f.fusibleOp(i)
	if !ok {
		return
	}
	n := f.g.Nodes[i]
	for _, a := range n.Args {
		gi := f.groupOf[a]
		if gi < 0 || !f.canJoin(i, gi, T) {
			continue
		}
		gr := f.groups[gi]
		if isReduction(n.Op) && gr.k == 0 {
			gr.k = f.reductionK(i)
		}
		gr.members = append(gr.members, i)
		f.groupOf[i] = gi
		for _, b := range n.Args {
			if h := f.groupOf[b]; h >= 0 && h != gi && !isDropped(f.g.Nodes[b]) {
				f.merge(gi, h)
			}
		}
		return
	}
	gr := &fuseGroup{T: T, shape: append([]int(nil), n.Shape...), members: []int{i}, first: i}
	if isReduction(n.Op) { // a reduction of an outside value starts a group over its input
		in := f.g.Nodes[n.Args[0]].Shape
		k := f.reductionK(i)
		if k == 0 || numel(in) == 0 || numel(in[len(in)-k:]) > maxFusedRow {
			return
		}
		gr.shape, gr.k = append([]int(nil), in...), k
	}
	f.groups = append(f.groups, gr)
	f.groupOf[i] = len(f.groups) - 1
}

// merge moves the members of group h into group gi when they share shape, dtype and rows,
// unless that would make the merged group depend on itself through outside nodes.
func (f *fuser) merge(gi, h int) {
	G, H := f.groups[gi], f.groups[h]
	if G.T != H.T || !sameInts(G.shape, H.shape) || (G.k != 0 && H.k != 0 && G.k != H.k) {
		return
	}
	for _, m := range H.members {
		f.groupOf[m] = gi
	}
	oldFirst := G.first
	G.first = min(G.first, H.first)
	ok := true
	for _, m := range append(append([]int(nil), G.members...), H.members...) {
		for _, a := range f.g.Nodes[m].Args {
			if f.groupOf[a] != gi && f.dependsOn(a, gi) {
				ok = false
			}
		}
	}
	if !ok {
		for _, m := range H.members {
			f.groupOf[m] = h
		}
		G.first = oldFirst
		return
	}
	G.members = mergeSorted(G.members, H.members)
	G.k = max(G.k, H.k)
	H.members = nil
}

func mergeSorted(a, b []int) []int {
	out := make([]int, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j == len(b) || (i < len(a) && a[i] < b[j]) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}

// build replaces each group of two or more members, or one in-place update, with a Fused
// node (and FusedOutput nodes), then restores a topological order. A lone update becomes a
// one-instruction loop so that the memory plan can write it straight into the tensor it
// updates (Node.Into): replayed, it would copy the tensor, update the copy and copy it back.
func (f *fuser) build() *Graph {
	g := f.g
	for gi, gr := range f.groups {
		if len(gr.members) < 2 && !(len(gr.members) == 1 && isInPlaceUpdate(g.Nodes[gr.members[0]].Op)) {
			for _, m := range gr.members {
				f.groupOf[m] = -1
			}
			f.groups[gi] = nil
		}
	}
	esc := g.escapes()
	var nodes []*Node
	newID := make([]int, len(g.Nodes))
	// Emit fused nodes at the position of their last member; the final toposort fixes
	// users placed before it.
	lastOf := map[int]int{}
	for gi, gr := range f.groups {
		if gr != nil {
			lastOf[gr.members[len(gr.members)-1]] = gi
		}
	}
	pending := map[int][]int{} // new node index -> old args to remap at the end
	for i, n := range g.Nodes {
		if gi := f.groupOf[i]; gi >= 0 {
			if _, last := lastOf[i]; !last {
				continue
			}
			gr := f.groups[gi]
			prog, ins, outs := f.compile(gr, esc)
			base := len(nodes)
			fn := &Node{Op: "Fused", Fused: prog, Shape: g.Nodes[outs[0]].Shape, DType: g.Nodes[outs[0]].DType, Buf: -1, Reuse: -1, Into: -1, Where: g.Nodes[outs[0]].Where}
			nodes = append(nodes, fn)
			pending[base] = ins
			for k, o := range outs {
				if k == 0 {
					newID[o] = base
					continue
				}
				fo := &Node{Op: "FusedOutput", Attrs: []eager.Attr{{Name: "index", Value: k}}, Shape: g.Nodes[o].Shape, DType: g.Nodes[o].DType, Buf: -1, Reuse: -1, Into: -1, Where: g.Nodes[o].Where}
				newID[o] = len(nodes)
				pending[len(nodes)] = []int{-2 - base} // an arg that is already a new index
				nodes = append(nodes, fo)
			}
			continue
		}
		m := *n
		newID[i] = len(nodes)
		pending[len(nodes)] = n.Args
		nodes = append(nodes, &m)
	}
	for ni, old := range pending {
		args := make([]int, len(old))
		for k, a := range old {
			if a <= -2 {
				args[k] = -2 - a
			} else {
				args[k] = newID[a]
			}
		}
		nodes[ni].Args = args
	}
	out := &Graph{Nodes: nodes, Captures: g.Captures, Notes: g.Notes}
	for _, o := range g.Outputs {
		out.Outputs = append(out.Outputs, newID[o])
	}
	for _, e := range g.Effects {
		if e.Value >= 0 {
			e.Value = newID[e.Value]
		}
		if e.Kind == WriteBack {
			e.Target = newID[e.Target]
		}
		out.Effects = append(out.Effects, e)
	}
	return toposort(out)
}

// compile turns a group into a program; it returns the program, the group's external
// inputs (old value ids, in the Fused node's argument order) and its outputs (old ids).
func (f *fuser) compile(gr *fuseGroup, esc []bool) (*Program, []int, []int) {
	g := f.g
	in := map[int]bool{}
	for _, m := range gr.members {
		in[m] = true
	}
	// Outputs: members something outside the group needs.
	var outs []int
	for _, m := range gr.members {
		need := esc[m]
		for _, u := range f.users[m] {
			need = need || !in[u]
		}
		if need {
			outs = append(outs, m)
		}
	}
	if len(outs) == 0 { // nothing needs it (DCE will drop it); keep the last as output
		outs = []int{gr.members[len(gr.members)-1]}
	}
	// Put the last member first so that the Fused node is the "main" value.
	last := gr.members[len(gr.members)-1]
	for k, o := range outs {
		if o == last {
			outs[0], outs[k] = outs[k], outs[0]
		}
	}
	p := &Program{T: gr.T, Shape: gr.shape, RowLen: 1}
	if gr.k > 0 {
		p.RowLen = numel(gr.shape[len(gr.shape)-gr.k:])
	}
	reg := map[int]int{}
	var ins []int
	inIdx := map[int]int{}
	operand := func(a int) Operand {
		if r, ok := reg[a]; ok {
			return Operand{Kind: OpReg, Index: r}
		}
		if c, ok := constScalar(g.Nodes[a]); ok && g.Nodes[a].Const.Numel() == 1 && g.Nodes[a].DType == gr.T {
			return Operand{Kind: OpImm, Imm: c}
		}
		k, ok := inIdx[a]
		if !ok {
			k = len(ins)
			inIdx[a] = k
			ins = append(ins, a)
		}
		return Operand{Kind: OpIn, Index: k}
	}
	for _, m := range gr.members {
		n := g.Nodes[m]
		ops := make([]Operand, len(n.Args))
		for k, a := range n.Args {
			ops[k] = operand(a)
		}
		inst := Inst{Op: n.Op, Args: ops, Dst: len(p.Regs)}
		if b := scalarInPlace[n.Op]; b != "" {
			inst.Op = b
			inst.Args = append(ops, Operand{Kind: OpImm, Imm: attrFloat(n.Attrs, "value")})
		}
		switch n.Op {
		case "AddcmulInPlace", "AddcdivInPlace":
			// eager's fast path (one kernel, value*a first) runs when all three operands
			// are dense with x's shape; otherwise it computes a*b (or a/b) times value.
			dense := 1.0
			for _, a := range n.Args {
				if !sameInts(g.Nodes[a].Shape, n.Shape) || !staticDense(g, a) || (gr.k > 0 && !sameInts(g.Nodes[a].Shape, gr.shape)) {
					dense = 0
				}
			}
			inst.P = [2]float64{attrFloat(n.Attrs, "value"), dense}
		case "LeakyReLU":
			inst.P = [2]float64{attrFloat(n.Attrs, "slope")}
		case "Softplus":
			inst.P = [2]float64{attrFloat(n.Attrs, "beta"), attrFloat(n.Attrs, "threshold")}
		case "Clamp":
			inst.P = [2]float64{attrFloat(n.Attrs, "min"), attrFloat(n.Attrs, "max")}
		case "AddScaledInPlace":
			inst.P = [2]float64{attrFloat(n.Attrs, "alpha")}
		}
		rowValued := isReduction(n.Op) || (gr.k > 0 && !sameInts(n.Shape, gr.shape))
		p.Regs = append(p.Regs, RegInfo{Row: rowValued, Bool: n.DType == eager.Bool})
		reg[m] = inst.Dst
		p.Insts = append(p.Insts, inst)
	}
	for _, o := range outs {
		n := g.Nodes[o]
		p.Outs = append(p.Outs, ProgOut{Reg: reg[o], Shape: n.Shape, DType: n.DType})
	}
	p.NIn = len(ins)
	p.finish()
	return p, ins, outs
}

// toposort reorders g's nodes so that every node follows its arguments, keeping the
// original order wherever possible (so random draws keep their order).
func toposort(g *Graph) *Graph {
	n := len(g.Nodes)
	indeg := make([]int, n)
	users := g.users()
	for i, nd := range g.Nodes {
		indeg[i] = len(nd.Args)
	}
	h := &intHeap{}
	for i := range g.Nodes {
		if indeg[i] == 0 {
			heap.Push(h, i)
		}
	}
	order := make([]int, 0, n)
	for h.Len() > 0 {
		v := heap.Pop(h).(int)
		order = append(order, v)
		for _, u := range users[v] {
			indeg[u]--
			if indeg[u] == 0 {
				heap.Push(h, u)
			}
		}
	}
	if len(order) != n {
		panic("jit: internal error: fusion created a cycle")
	}
	pos := make([]int, n)
	for k, v := range order {
		pos[v] = k
	}
	out := &Graph{Nodes: make([]*Node, n), Captures: g.Captures, Notes: g.Notes}
	for k, v := range order {
		m := *g.Nodes[v]
		m.Buf, m.Reuse, m.Into = -1, -1, -1
		m.Args = make([]int, len(g.Nodes[v].Args))
		for j, a := range g.Nodes[v].Args {
			m.Args[j] = pos[a]
		}
		out.Nodes[k] = &m
	}
	for _, o := range g.Outputs {
		out.Outputs = append(out.Outputs, pos[o])
	}
	for _, e := range g.Effects {
		if e.Value >= 0 {
			e.Value = pos[e.Value]
		}
		if e.Kind == WriteBack {
			e.Target = pos[e.Target]
		}
		out.Effects = append(out.Effects, e)
	}
	return out
}

type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Program is a fused elementwise kernel: instructions over registers, each register a
// tile of values (or, for row values, a tile of rows with each row's value repeated).
type Program struct {
	T      eager.DType // compute dtype
	Shape  []int       // iteration shape
	RowLen int         // elements per row reductions work on (1 when none)
	NIn    int         // inputs: the Fused node's arguments
	Insts  []Inst
	Regs   []RegInfo // one per instruction result
	Outs   []ProgOut // the node's outputs, in order
	Slots  []int     // per register: the scratch slot it lives in (-1: an output buffer)
	NSlots int
}

// RegInfo describes one register.
type RegInfo struct {
	Row  bool // holds one value per row (repeated over the row)
	Bool bool // holds a bool result as 0 or 1
}

// ProgOut is one output of a program.
type ProgOut struct {
	Reg   int
	Shape []int
	DType eager.DType
}

// OperandKind says where an instruction operand comes from.
type OperandKind uint8

// Operand kinds.
const (
	OpReg OperandKind = iota // a register
	OpIn                     // an input of the fused node
	OpImm                    // a constant baked into the program
)

// Operand is one argument of an instruction.
type Operand struct {
	Kind  OperandKind
	Index int
	Imm   float64
}

// Inst is one instruction: the eager op it computes, its operands, its result register
// and its parameters (LeakyReLU's slope, Clamp's bounds, ...).
type Inst struct {
	Op   string
	Args []Operand
	Dst  int
	P    [2]float64
}

func (o Operand) String() string {
	switch o.Kind {
	case OpReg:
		return fmt.Sprintf("r%d", o.Index)
	case OpIn:
		return fmt.Sprintf("in%d", o.Index)
	}
	return fmt.Sprint(o.Imm)
}

// String prints the program as "r0=Mul(in0,in1); r1=ReLU(r0) -> r1".
func (p *Program) String() string {
	var b strings.Builder
	for k, in := range p.Insts {
		if k > 0 {
			b.WriteString("; ")
		}
		args := make([]string, len(in.Args))
		for j, a := range in.Args {
			args[j] = a.String()
		}
		fmt.Fprintf(&b, "r%d=%s(%s)", in.Dst, in.Op, strings.Join(args, ","))
	}
	b.WriteString(" ->")
	for _, o := range p.Outs {
		fmt.Fprintf(&b, " r%d", o.Reg)
	}
	if p.RowLen > 1 {
		fmt.Fprintf(&b, " rows of %d", p.RowLen)
	}
	return b.String()
}

// finish assigns registers to scratch slots: a slot is reused once its register is dead;
// registers of elementwise outputs live in the output buffers instead. An elementwise
// instruction writes over an operand register whose last use it is (each element is read
// before it is written, as the memory plan's programAliasOK relies on too): the fewer
// scratch tiles a program touches, the more of the cache is left for its inputs and
// outputs (relu(x*w+b)*0.5+x: one scratch tile instead of two).
func (p *Program) finish() {
	lastUse := make([]int, len(p.Regs))
	for r := range lastUse {
		lastUse[r] = -1
	}
	for k, in := range p.Insts {
		for _, a := range in.Args {
			if a.Kind == OpReg {
				lastUse[a.Index] = k
			}
		}
	}
	direct := map[int]bool{}
	for _, o := range p.Outs {
		if !p.Regs[o.Reg].Row && !p.Regs[o.Reg].Bool && o.DType == p.T {
			direct[o.Reg] = true
		}
	}
	isOut := map[int]bool{}
	for _, o := range p.Outs {
		isOut[o.Reg] = true
	}
	p.Slots = make([]int, len(p.Regs))
	var free []int
	for k, in := range p.Insts {
		r := in.Dst
		if direct[r] {
			p.Slots[r] = -1
		} else if a := p.overwritable(k, lastUse, isOut); a >= 0 {
			p.Slots[r] = p.Slots[a]
			lastUse[a] = -2 // its slot is now r's
		} else if len(free) > 0 {
			p.Slots[r] = free[len(free)-1]
			free = free[:len(free)-1]
		} else {
			p.Slots[r] = p.NSlots
			p.NSlots++
		}
		// Free the slots of registers whose last use is this instruction (after it has
		// been assigned its own, so that it writes no other operand it reads).
		for _, a := range in.Args {
			if a.Kind == OpReg && lastUse[a.Index] == k && p.Slots[a.Index] >= 0 && !isOut[a.Index] {
				free = append(free, p.Slots[a.Index])
				lastUse[a.Index] = -2 // freed once even if read twice
			}
		}
	}
}

// overwritable returns an operand register of instruction k whose slot the instruction may
// write its result into, or -1: a register of elements (not row values) in a scratch slot,
// not an output, read for the last time by k, which computes element by element (not a
// reduction), and not a term of an n-ary sum past its first two (read after the result is
// first written).
func (p *Program) overwritable(k int, lastUse []int, isOut map[int]bool) int {
	in := p.Insts[k]
	if p.Regs[in.Dst].Row || isReduction(in.Op) {
		return -1
	}
	late := func(r int) bool { // read by an n-ary sum after its first write
		for pos, a := range in.Args {
			if in.Op == "SumN" && pos > 1 && a.Kind == OpReg && a.Index == r {
				return true
			}
		}
		return false
	}
	for _, a := range in.Args {
		if a.Kind != OpReg || lastUse[a.Index] != k || p.Slots[a.Index] < 0 || isOut[a.Index] || p.Regs[a.Index].Row || late(a.Index) {
			continue
		}
		return a.Index
	}
	return -1
}
