package serialize

import (
	"path/filepath"
	"testing"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// trainSteps runs n Adam steps with a StepLR schedule on random regression data drawn from
// the default generator, so that the generator state matters for the result.
func trainSteps(m nn.Module, opt optim.Optimizer, sch optim.Scheduler, n int) {
	for i := 0; i < n; i++ {
		x := eager.Randn(8, 4)
		y := x.Sum(1).Unsqueeze(1)
		loss := nn.MSE(m.Forward(x), y)
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
		sch.Step()
	}
}

func newRun() (nn.Module, optim.Optimizer, optim.Scheduler) {
	m := nn.NewSequential(nn.NewLinear(4, 8), &nn.Tanh{}, nn.NewLinear(8, 1))
	opt := optim.NewAdam(m.Parameters(), optim.AdamConfig{LR: 0.01})
	return m, opt, optim.NewStepLR(opt, 3, 0.5)
}

func TestCheckpointResumeIsBitIdentical(t *testing.T) {
	eager.ManualSeed(7)
	ref, refOpt, refSch := newRun()
	trainSteps(ref, refOpt, refSch, 10)

	eager.ManualSeed(7)
	m, opt, sch := newRun()
	trainSteps(m, opt, sch, 4)
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	if err := SaveCheckpoint(path, &Checkpoint{Model: m, Optimizer: opt, Scheduler: sch, Epoch: 1, Step: 4, Extra: map[string]string{"note": "hi"}}); err != nil {
		t.Fatal(err)
	}
	eager.ManualSeed(999) // the resumed process starts elsewhere
	m2, opt2, sch2 := newRun()
	c := &Checkpoint{Model: m2, Optimizer: opt2, Scheduler: sch2}
	if err := LoadCheckpoint(path, c); err != nil {
		t.Fatal(err)
	}
	if c.Epoch != 1 || c.Step != 4 || c.Extra["note"] != "hi" {
		t.Fatalf("counters %d %d %v", c.Epoch, c.Step, c.Extra)
	}
	trainSteps(m2, opt2, sch2, 6)
	want, got := ref.NamedParameters(), m2.NamedParameters()
	for i := range want {
		w, g := want[i].Tensor.Float32s(), got[i].Tensor.Float32s()
		for j := range w {
			if w[j] != g[j] {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", want[i].Name, j, g[j], w[j])
			}
		}
	}
}

func TestLoadCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.safetensors")
	m, _, _ := newRun()
	if err := SaveModel(plain, m); err != nil {
		t.Fatal(err)
	}
	m2, opt2, _ := newRun()
	if err := LoadCheckpoint(plain, &Checkpoint{Model: m2, Optimizer: opt2}); err == nil {
		t.Fatal("a plain model file loaded as a checkpoint")
	}
	ck := filepath.Join(dir, "ck.safetensors")
	if err := SaveCheckpoint(ck, &Checkpoint{Model: m}); err != nil {
		t.Fatal(err)
	}
	other := nn.NewSequential(nn.NewLinear(4, 3))
	if err := LoadCheckpoint(ck, &Checkpoint{Model: other}); err == nil {
		t.Fatal("a checkpoint of another architecture loaded")
	}
}
