package jit

import "fmt"

// A pass maps a graph to an equivalent one; it never modifies its input, so that every
// stage can be printed afterwards.
type pass func(g *Graph, cfg *config) *Graph

var passTable = map[string]pass{
	"dce":      func(g *Graph, _ *config) *Graph { return DCE(g) },
	"cse":      func(g *Graph, _ *config) *Graph { return CSE(g) },
	"fold":     func(g *Graph, _ *config) *Graph { return Fold(g) },
	"simplify": func(g *Graph, _ *config) *Graph { return Simplify(g) },
	"sumchain": func(g *Graph, _ *config) *Graph { return SumChains(g) },
	"gemm":     func(g *Graph, _ *config) *Graph { return FuseGemm(g) },
	"fuse":     func(g *Graph, _ *config) *Graph { return FuseElementwise(g) },
	"memplan":  func(g *Graph, _ *config) *Graph { return PlanMemory(g) },
}

// optimize runs the configured passes and returns the graph as traced followed by the
// graph after each pass.
func optimize(g *Graph, cfg *config) []Snapshot {
	out := []Snapshot{{Pass: "trace", Graph: g}}
	for _, name := range cfg.passes {
		p, ok := passTable[name]
		if !ok {
			panic(fmt.Sprintf("jit: unknown pass %q", name))
		}
		g = p(g, cfg)
		out = append(out, Snapshot{Pass: name, Graph: g})
	}
	return out
}
