package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
)

func runGraph(args []string) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	model := fs.String("model", "mlp", "model: mlp or cnn")
	batch := fs.Int("batch", 64, "batch size of the traced step")
	out := fs.String("out", "", "output file: .svg renders with Graphviz's dot when installed, anything else gets DOT (default: DOT on stdout)")
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
	loss := nn.CrossEntropy(m.Forward(x), y)
	names := map[*eager.Tensor]string{}
	for _, p := range m.NamedParameters() {
		names[p.Tensor] = p.Name
	}
	dot := eager.GraphDOT([]*eager.Tensor{loss}, names)
	switch {
	case *out == "":
		fmt.Print(dot)
		return nil
	case strings.HasSuffix(*out, ".svg"):
		if path, err := exec.LookPath("dot"); err == nil {
			cmd := exec.Command(path, "-Tsvg", "-o", *out)
			cmd.Stdin = bytes.NewBufferString(dot)
			cmd.Stderr = os.Stderr
			return cmd.Run()
		}
		alt := strings.TrimSuffix(*out, ".svg") + ".dot"
		fmt.Fprintf(os.Stderr, "Graphviz's dot is not installed; writing DOT to %s instead\n", alt)
		*out = alt
	}
	return os.WriteFile(*out, []byte(dot), 0o644)
}
