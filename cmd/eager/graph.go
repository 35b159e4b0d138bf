package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/jit"
	"github.com/eagerml/eager/nn"
)

func runGraph(args []string) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	model := fs.String("model", "mlp", "model: mlp or cnn")
	batch := fs.Int("batch", 64, "batch size of the traced step")
	out := fs.String("out", "", "output file: .svg renders with Graphviz's dot when installed, anything else gets DOT (default: DOT on stdout)")
	useJit := fs.Bool("jit", false, "dump jit's compiled graph of the whole training step (forward, loss, backward, Adam) instead of the autograd graph: as traced and after the passes, as text")
	asDOT := fs.Bool("dot", false, "with -jit: Graphviz DOT instead of text (the optimized graph only, unless -passes)")
	allPasses := fs.Bool("passes", false, "with -jit: print the graph after every pass, not only as traced and optimized")
	if err := fs.Parse(args); err != nil {
		return err
	}
	eager.ManualSeed(1)
	m, err := newModel(*model)
	if err != nil {
		return err
	}
	x := prepare(*model, eager.Randn(*batch, 28, 28))
	y := eager.RandInt(0, 10, *batch)
	if *useJit {
		return jitGraph(m, x, y, *asDOT, *allPasses, *out)
	}
	loss := nn.CrossEntropy(m.Forward(x), y)
	names := map[*eager.Tensor]string{}
	for _, p := range m.NamedParameters() {
		names[p.Tensor] = p.Name
	}
	return writeGraph(eager.GraphDOT([]*eager.Tensor{loss}, names), *out)
}

// jitGraph compiles the training step of model (as eager train -jit does, with capturable
// Adam) and writes its graph: as traced and after optimization (every pass with
// allPasses), as text or DOT.
func jitGraph(model nn.Module, x, y *eager.Tensor, asDOT, allPasses bool, out string) error {
	opt, err := newOptimizer("adam", model.Parameters(), 1e-3, true)
	if err != nil {
		return err
	}
	step := jit.Compile(compiledTrainStep(model, opt))
	if _, err := step.TryCall(x, y); err != nil { // creates Adam's state, eagerly
		return err
	}
	if _, err := step.TryCall(x, y); err != nil { // traces and compiles
		return err
	}
	snaps := step.Graphs()
	if len(snaps) == 0 {
		return fmt.Errorf("the training step was not compiled: %v", step.Stats().Reasons)
	}
	if !allPasses {
		snaps = []jit.Snapshot{snaps[0], snaps[len(snaps)-1]}
		snaps[1].Pass = "optimized"
	}
	var b strings.Builder
	if asDOT && !allPasses {
		b.WriteString(snaps[1].Graph.DOT())
	} else {
		s := step.Stats()
		fmt.Fprintf(&b, "# jit graph of one training step (forward, cross-entropy, backward, Adam): trace %v, passes and plan %v\n",
			s.TraceTime.Round(10_000), s.CompileTime.Round(10_000))
		for _, sn := range snaps {
			fmt.Fprintf(&b, "\n=== %s: %d nodes ===\n", sn.Pass, len(sn.Graph.Nodes))
			if asDOT {
				b.WriteString(sn.Graph.DOT())
			} else {
				b.WriteString(sn.Graph.String())
			}
		}
	}
	if out == "" || !strings.HasSuffix(out, ".svg") || !asDOT || allPasses {
		if out == "" {
			fmt.Print(b.String())
			return nil
		}
		return os.WriteFile(out, []byte(b.String()), 0o644)
	}
	return writeGraph(b.String(), out)
}

// writeGraph writes DOT to stdout (out ""), to an SVG through Graphviz when out ends in .svg
// and dot is installed, or else to the file.
func writeGraph(dot, out string) error {
	switch {
	case out == "":
		fmt.Print(dot)
		return nil
	case strings.HasSuffix(out, ".svg"):
		if path, err := exec.LookPath("dot"); err == nil {
			cmd := exec.Command(path, "-Tsvg", "-o", out)
			cmd.Stdin = bytes.NewBufferString(dot)
			cmd.Stderr = os.Stderr
			return cmd.Run()
		}
		alt := strings.TrimSuffix(out, ".svg") + ".dot"
		fmt.Fprintf(os.Stderr, "Graphviz's dot is not installed; writing DOT to %s instead\n", alt)
		out = alt
	}
	return os.WriteFile(out, []byte(dot), 0o644)
}
