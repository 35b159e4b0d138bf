package jit

import (
	"fmt"
	"strings"

	"github.com/eagerml/eager"
)

// Graph is a traced function in SSA form: every Node defines one value, numbered by its
// position in Nodes, and nodes only use values defined before them. Values are immutable;
// in-place updates made by fn appear as ops that produce the new value ("AddInPlace"), and
// their visible effects (writing a parameter, setting a gradient) are listed in Effects and
// applied after the nodes have run.
type Graph struct {
	Nodes    []*Node
	Outputs  []int     // the values fn returned, in order
	Captures []Capture // what each Capture node reads at every call
	Effects  []Effect  // applied in order after all nodes have run
	Notes    []string  // remarks from tracing and passes (memory plan, library reads)
}

// Node is one SSA instruction.
type Node struct {
	Op    string       // an eager op name ("Add", "Sum", ...) or a jit one ("Input", "Fused", ...)
	Args  []int        // the values it reads
	Attrs []eager.Attr // non-tensor arguments, as the op observer reported them
	Shape []int        // the shape of the value it defines
	DType eager.DType  // the dtype of the value it defines

	Index int           // Input: argument position; Capture: index into Graph.Captures
	Const *eager.Tensor // Const: the value (never modified)
	Fused *Program      // Fused: the fused elementwise program
	Where string        // the user's file:line that ran the op while tracing

	Buf   int // memory plan: the buffer slot the value lives in, or -1
	Reuse int // memory plan: the dead value whose buffer the output overwrites, or -1
	Into  int // memory plan: the value (a parameter) the output is written into, or -1
}

// Capture says what a Capture node reads at every call: a tensor fn used but did not
// create or receive (a model parameter, read through the same *Tensor so that updates are
// seen), or the gradient of a leaf as it is when the call starts.
type Capture struct {
	Tensor       *eager.Tensor // the captured tensor, or nil for a gradient
	GradOf       Leaf          // otherwise: the leaf whose Grad() is read
	RequiresGrad bool          // Tensor's RequiresGrad when traced (a guard)
}

// Leaf names a leaf tensor whose gradient fn reads or sets: one captured from outside fn
// (Tensor), or the argument at position Input (Tensor nil).
type Leaf struct {
	Tensor *eager.Tensor
	Input  int
}

func (l Leaf) String() string {
	if l.Tensor == nil {
		return fmt.Sprintf("input#%d", l.Input)
	}
	return fmt.Sprintf("leaf%v", l.Tensor.Shape())
}

// EffectKind says what an Effect does.
type EffectKind int

const (
	// WriteBack copies Value into the tensor of Target (an Input, a Capture or a view of
	// one): an in-place update fn made to a tensor that outlives the call.
	WriteBack EffectKind = iota
	// SetGrad sets Leaf's gradient to Value (or clears it when Value is -1).
	SetGrad
)

// Effect is a side effect of fn, replayed after the graph has run.
type Effect struct {
	Kind   EffectKind
	Target int  // WriteBack: the value whose tensor is written
	Leaf   Leaf // SetGrad: the leaf
	Value  int  // the new value, or -1 (SetGrad: none)
}

// isView reports whether op's output shares storage with its first argument.
func isView(op string) bool {
	switch op {
	case "View", "Permute", "Expand", "Slice":
		return true
	}
	return false
}

// effectful reports whether a node must run even when nothing uses its value: random
// draws advance the generator, so removing one would change every later draw.
func (n *Node) effectful() bool { return n.Op == "Rand" }

func attrOf(attrs []eager.Attr, name string) any {
	for _, a := range attrs {
		if a.Name == name {
			return a.Value
		}
	}
	return nil
}

// clone returns a deep copy of g's structure; tensors and programs are shared.
func (g *Graph) clone() *Graph {
	c := &Graph{
		Nodes:    make([]*Node, len(g.Nodes)),
		Outputs:  append([]int(nil), g.Outputs...),
		Captures: append([]Capture(nil), g.Captures...),
		Effects:  append([]Effect(nil), g.Effects...),
		Notes:    append([]string(nil), g.Notes...),
	}
	sl := newNodeSlab(g.Nodes, nil)
	for i, n := range g.Nodes {
		m := sl.node(n)
		m.Args = sl.ints(n.Args)
		c.Nodes[i] = m
	}
	return c
}

// nodeSlab copies nodes, and their Args, Shape and Attrs, into a few large allocations
// instead of four per node: passes copy the whole graph (each pass's result stays
// printable), and the allocations were most of a training step's compile time. Each copied
// slice is capped at its length, so appending to it reallocates instead of overwriting the
// next node's.
type nodeSlab struct {
	nodes []Node
	vals  []int
	attrs []eager.Attr
}

// newNodeSlab sizes a slab for the nodes for which keep is true (all when keep is nil).
func newNodeSlab(nodes []*Node, keep []bool) *nodeSlab {
	var count, ints, attrs int
	for i, n := range nodes {
		if keep != nil && !keep[i] {
			continue
		}
		count++
		ints += len(n.Args) + len(n.Shape)
		attrs += len(n.Attrs)
	}
	return &nodeSlab{nodes: make([]Node, 0, count), vals: make([]int, 0, ints), attrs: make([]eager.Attr, 0, attrs)}
}

// node returns a copy of n whose Shape and Attrs are copies too (Args are the caller's).
func (sl *nodeSlab) node(n *Node) *Node {
	sl.nodes = append(sl.nodes, *n)
	m := &sl.nodes[len(sl.nodes)-1]
	m.Shape = sl.ints(n.Shape)
	if n.Attrs != nil {
		k := len(sl.attrs)
		sl.attrs = append(sl.attrs, n.Attrs...)
		m.Attrs = sl.attrs[k:len(sl.attrs):len(sl.attrs)]
	}
	return m
}

// ints returns a copy of v in the slab (nil for nil).
func (sl *nodeSlab) ints(v []int) []int {
	if v == nil {
		return nil
	}
	k := len(sl.vals)
	sl.vals = append(sl.vals, v...)
	return sl.vals[k:len(sl.vals):len(sl.vals)]
}

// users returns, for each value, the nodes that read it (a node reading a value twice is
// listed twice).
func (g *Graph) users() [][]int {
	u := make([][]int, len(g.Nodes))
	for i, n := range g.Nodes {
		for _, a := range n.Args {
			u[a] = append(u[a], i)
		}
	}
	return u
}

// escapes returns, for each value, whether it is an output or used by an effect.
func (g *Graph) escapes() []bool {
	e := make([]bool, len(g.Nodes))
	for _, o := range g.Outputs {
		e[o] = true
	}
	for _, ef := range g.Effects {
		if ef.Value >= 0 {
			e[ef.Value] = true
		}
		if ef.Kind == WriteBack {
			e[ef.Target] = true
		}
	}
	return e
}

// rewrite returns a new graph holding the nodes of g for which keep is true, in order, with
// every use of value i replaced by repl[i] (followed transitively; -1 or i itself means no
// replacement). Captures no Capture node uses are dropped.
func (g *Graph) rewrite(keep []bool, repl []int) *Graph {
	resolve := func(v int) int {
		for repl != nil && repl[v] >= 0 && repl[v] != v {
			v = repl[v]
		}
		return v
	}
	newID := make([]int, len(g.Nodes))
	sl := newNodeSlab(g.Nodes, keep)
	out := &Graph{Notes: append([]string(nil), g.Notes...), Nodes: make([]*Node, 0, cap(sl.nodes))}
	capMap := map[int]int{}
	for i, n := range g.Nodes {
		newID[i] = -1
		if !keep[i] {
			continue
		}
		m := sl.node(n)
		m.Args = sl.ints(n.Args)
		for k, a := range n.Args {
			r := newID[resolve(a)]
			if r < 0 {
				panic(fmt.Sprintf("jit: internal error: %%%d (%s) uses removed value %%%d", i, n.Op, a))
			}
			m.Args[k] = r
		}
		m.Buf, m.Reuse, m.Into = -1, -1, -1 // memory plans do not survive rewriting
		if m.Op == "Capture" {
			c, ok := capMap[n.Index]
			if !ok {
				c = len(out.Captures)
				capMap[n.Index] = c
				out.Captures = append(out.Captures, g.Captures[n.Index])
			}
			m.Index = c
		}
		newID[i] = len(out.Nodes)
		out.Nodes = append(out.Nodes, m)
	}
	must := func(v int) int {
		r := newID[resolve(v)]
		if r < 0 {
			panic(fmt.Sprintf("jit: internal error: removed value %%%d is still needed", v))
		}
		return r
	}
	for _, o := range g.Outputs {
		out.Outputs = append(out.Outputs, must(o))
	}
	for _, e := range g.Effects {
		if e.Value >= 0 {
			e.Value = must(e.Value)
		}
		if e.Kind == WriteBack {
			e.Target = must(e.Target)
		}
		out.Effects = append(out.Effects, e)
	}
	return out
}

// NumInputs returns the number of arguments the graph takes.
func (g *Graph) NumInputs() int {
	n := 0
	for _, x := range g.Nodes {
		if x.Op == "Input" {
			n++
		}
	}
	return n
}

// Count returns the number of nodes whose op is op.
func (g *Graph) Count(op string) int {
	n := 0
	for _, x := range g.Nodes {
		if x.Op == op {
			n++
		}
	}
	return n
}

func dtypeShort(dt eager.DType) string {
	switch dt {
	case eager.Float32:
		return "f32"
	case eager.Float64:
		return "f64"
	case eager.Int64:
		return "i64"
	case eager.Bool:
		return "bool"
	}
	return dt.String()
}

func typeString(dt eager.DType, shape []int) string {
	return fmt.Sprintf("%s%v", dtypeShort(dt), shape)
}

func formatAttrs(attrs []eager.Attr) string {
	if len(attrs) == 0 {
		return ""
	}
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = fmt.Sprintf("%s=%v", a.Name, a.Value)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// label returns the node's instruction without its result: "Add(%1, %2)".
func (g *Graph) label(i int) string {
	n := g.Nodes[i]
	var b strings.Builder
	switch n.Op {
	case "Input":
		fmt.Fprintf(&b, "Input #%d", n.Index)
	case "Capture":
		c := g.Captures[n.Index]
		if c.Tensor == nil {
			fmt.Fprintf(&b, "Capture #%d grad of %v", n.Index, c.GradOf)
		} else if c.RequiresGrad {
			fmt.Fprintf(&b, "Capture #%d param", n.Index)
		} else {
			fmt.Fprintf(&b, "Capture #%d", n.Index)
		}
	case "Const":
		b.WriteString("Const ")
		b.WriteString(constString(n.Const))
	case "Fused":
		b.WriteString("Fused{")
		b.WriteString(n.Fused.String())
		b.WriteString("}")
	default:
		b.WriteString(n.Op)
		b.WriteString(formatAttrs(n.Attrs))
	}
	if len(n.Args) > 0 {
		b.WriteString("(")
		for k, a := range n.Args {
			if k > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%%%d", a)
		}
		b.WriteString(")")
	}
	return b.String()
}

func constString(t *eager.Tensor) string {
	if t.Numel() > 4 {
		return fmt.Sprintf("<%d values>", t.Numel())
	}
	var vals []float64
	eager.NoGrad(func() { vals = t.Float64s() })
	if t.Dim() == 0 {
		return fmt.Sprint(vals[0])
	}
	return fmt.Sprint(vals)
}

// String returns the graph as readable SSA text, one node a line, then its outputs and
// effects:
//
//	%0 = Input #0 : f32[4 8]
//	%1 = Capture #0 param : f32[8]
//	%2 = Mul(%0, %1) : f32[4 8]  // model.go:12
//	return %2
func (g *Graph) String() string {
	var b strings.Builder
	for i, n := range g.Nodes {
		line := fmt.Sprintf("%%%d = %s : %s", i, g.label(i), typeString(n.DType, n.Shape))
		if n.Buf >= 0 && n.Op != "Input" && n.Op != "Capture" && n.Op != "Const" {
			line += fmt.Sprintf(" @buf%d", n.Buf)
		}
		if n.Reuse >= 0 {
			line += fmt.Sprintf(" @in-place-of %%%d", n.Reuse)
		}
		if n.Into >= 0 {
			line += fmt.Sprintf(" @into %%%d", n.Into)
		}
		if n.Where != "" {
			line += "  // " + n.Where
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteString("return")
	for k, o := range g.Outputs {
		if k > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " %%%d", o)
	}
	b.WriteByte('\n')
	for _, e := range g.Effects {
		switch e.Kind {
		case WriteBack:
			fmt.Fprintf(&b, "writeback %%%d <- %%%d\n", e.Target, e.Value)
		case SetGrad:
			if e.Value < 0 {
				fmt.Fprintf(&b, "setgrad %v <- nil\n", e.Leaf)
			} else {
				fmt.Fprintf(&b, "setgrad %v <- %%%d\n", e.Leaf, e.Value)
			}
		}
	}
	for _, n := range g.Notes {
		b.WriteString("# ")
		b.WriteString(n)
		b.WriteByte('\n')
	}
	return b.String()
}

// DOT returns the graph in Graphviz DOT format: a box per node, an edge per use, and the
// outputs and effects as extra nodes.
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph jit {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n")
	for i, n := range g.Nodes {
		color := ""
		switch n.Op {
		case "Input", "Capture":
			color = ", style=filled, fillcolor=lightblue"
		case "Const":
			color = ", style=filled, fillcolor=lightgrey"
		case "Fused", "SumN", "Gemm":
			color = ", style=filled, fillcolor=palegreen"
		}
		fmt.Fprintf(&b, "  n%d [label=%q%s];\n", i, fmt.Sprintf("%%%d = %s\n%s", i, g.label(i), typeString(n.DType, n.Shape)), color)
		for _, a := range n.Args {
			fmt.Fprintf(&b, "  n%d -> n%d;\n", a, i)
		}
	}
	for k, o := range g.Outputs {
		fmt.Fprintf(&b, "  out%d [label=\"output %d\", shape=oval];\n  n%d -> out%d;\n", k, k, o, k)
	}
	for k, e := range g.Effects {
		switch e.Kind {
		case WriteBack:
			fmt.Fprintf(&b, "  eff%d [label=\"writeback\", shape=oval];\n  n%d -> eff%d;\n  eff%d -> n%d [style=dashed];\n", k, e.Value, k, k, e.Target)
		case SetGrad:
			fmt.Fprintf(&b, "  eff%d [label=\"setgrad\", shape=oval];\n", k)
			if e.Value >= 0 {
				fmt.Fprintf(&b, "  n%d -> eff%d;\n", e.Value, k)
			}
		}
	}
	b.WriteString("}\n")
	return b.String()
}
