package profile_test

import (
	"fmt"
	"os"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/profile"
)

// Profile one training step, print the ten most expensive ops and write a trace for Perfetto.
func Example() {
	model := nn.NewSequential(nn.NewLinear(784, 128), &nn.ReLU{}, nn.NewLinear(128, 10))
	x, y := eager.Randn(32, 784), eager.RandInt(0, 10, 32)

	rep := profile.Run(func() {
		nn.CrossEntropy(model.Forward(x), y).Backward()
	})
	fmt.Print(rep.Table(profile.Limit(10)))
	if f, err := os.Create(os.DevNull); err == nil { // e.g. "trace.json", opened in ui.perfetto.dev
		defer f.Close()
		if err := rep.WriteChromeTrace(f); err != nil {
			fmt.Println(err)
		}
	}
}
