package eager

import (
	"fmt"
	"sort"
	"strings"
)

// GraphDOT returns the autograd graph behind the outputs in Graphviz DOT, as torchviz draws
// it: one box per recorded op (its gradient function and output shape), one ellipse per leaf
// that requires grad (its shape, and its name when names has one, e.g. from a module's
// NamedParameters), and edges in the direction of the forward computation. Render it with
// `dot -Tsvg`.
func GraphDOT(outputs []*Tensor, names map[*Tensor]string) string {
	var b strings.Builder
	b.WriteString("digraph autograd {\n\trankdir=BT;\n\tnode [fontname=\"Helvetica\", fontsize=11];\n")
	ids := map[any]string{}
	id := func(k any, prefix string) (string, bool) {
		if s, ok := ids[k]; ok {
			return s, false
		}
		s := fmt.Sprintf("%s%d", prefix, len(ids))
		ids[k] = s
		return s, true
	}
	var edges []string
	var visit func(n *node) string
	visit = func(n *node) string {
		nid, fresh := id(n, "op")
		if !fresh {
			return nid
		}
		fmt.Fprintf(&b, "\t%s [shape=box, style=filled, fillcolor=\"#dde8f5\", label=\"%s\\n%v\"];\n", nid, n.name(), n.outShape())
		for _, e := range n.next {
			switch {
			case e.node != nil:
				edges = append(edges, fmt.Sprintf("\t%s -> %s;\n", visit(e.node), nid))
			case e.leaf != nil:
				lid, fresh := id(e.leaf, "leaf")
				if fresh {
					label := fmt.Sprintf("%v %v", e.leaf.shape, e.leaf.dtype)
					if name := names[e.leaf]; name != "" {
						label = name + "\\n" + label
					}
					fmt.Fprintf(&b, "\t%s [shape=ellipse, style=filled, fillcolor=\"#d9f2d9\", label=\"%s\"];\n", lid, label)
				}
				edges = append(edges, fmt.Sprintf("\t%s -> %s;\n", lid, nid))
			}
		}
		return nid
	}
	for i, o := range outputs {
		oid := fmt.Sprintf("out%d", i)
		fmt.Fprintf(&b, "\t%s [shape=doubleoctagon, style=filled, fillcolor=\"#f5e0c0\", label=\"output %d\\n%v\"];\n", oid, i, o.shape)
		if o.node != nil {
			edges = append(edges, fmt.Sprintf("\t%s -> %s;\n", visit(o.node), oid))
		}
	}
	sort.Strings(edges) // deterministic output
	for _, e := range edges {
		b.WriteString(e)
	}
	b.WriteString("}\n")
	return b.String()
}
