package jit

import (
	"fmt"
	"testing"

	"github.com/eagerml/eager"
)

func TestDiagTmp(t *testing.T) {
	cnt := map[string]int{}
	for seed := uint64(0); seed < 400; seed++ {
		p, xs := randomProgram(seed)
		f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return p.run(xs...) })
		f.Call(xs...)
		for _, n := range f.Graph().Nodes {
			if n.Op == "Gemm" {
				cnt[fmt.Sprint(n.Attrs[:2])]++
			}
		}
	}
	fmt.Println(cnt)
	ref := newMLP(7, 5, 8, 3)
	f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{ref.step(xs[0], xs[1])} })
	f.Call(eager.Randn(4, 5), eager.Randn(4, 3))
	fmt.Println(f.Graph())
}
