package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/eagerml/eager/nn"
)

// logGradNorms prints the gradient norm of every parameter of m after Backward, on one line,
// and one warning line per parameter whose gradient vanished, exploded, is non-finite or is
// missing (nn.CheckGradNorms with its default limits). It returns the problems found.
//
//	step 100 grad norms: total 1.234 | 1.weight 0.9876 | 1.bias 0.05432 | ...
//	  warning: step 100: 5.bias: gradient vanishing (norm 0 < 1e-07)
func logGradNorms(out io.Writer, m nn.Module, step int) []nn.GradProblem {
	norms := nn.GradNorms(m)
	var b strings.Builder
	fmt.Fprintf(&b, "step %d grad norms: total %.4g", step, nn.TotalGradNorm(norms))
	for _, n := range norms {
		if n.HasGrad {
			fmt.Fprintf(&b, " | %s %.4g", n.Name, n.Norm)
		}
	}
	fmt.Fprintln(out, b.String())
	problems := nn.CheckGradNorms(norms, nn.GradLimits{})
	for _, p := range problems {
		fmt.Fprintf(out, "  warning: step %d: %s\n", step, p)
	}
	return problems
}
