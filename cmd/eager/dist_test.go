package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eagerml/eager/dist"
)

// TestTrainDataParallel runs eager train as two in-process ranks (what mpirun -np 2 does with
// two processes): rank 0 alone prints and writes files, both ranks end with identical
// weights, and the model learns.
func TestTrainDataParallel(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	outs := make([]*bytes.Buffer, 2)
	res := make([]*trainResult, 2)
	var mu sync.Mutex
	err := dist.RunLocal(2, time.Minute, func(c dist.Communicator) error {
		r := c.Rank()
		cfg := quickConfig(dirs[r])
		cfg.batch = 25 // 50 in all
		cfg.plot = filepath.Join(dirs[r], "loss.png")
		cfg.comm = c
		var out bytes.Buffer
		tr, err := train(cfg, &out)
		mu.Lock()
		outs[r], res[r] = &out, tr
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	log := outs[0].String()
	for _, want := range []string{"on 600 MNIST images", "data parallel over 2 processes: batch 25 per process, 50 in all", "epoch 2: train loss", "2 processes: allreduce"} {
		if !strings.Contains(log, want) {
			t.Errorf("rank 0's output lacks %q:\n%s", want, log)
		}
	}
	if outs[1].Len() != 0 {
		t.Errorf("rank 1 printed:\n%s", outs[1])
	}
	for _, f := range []string{"ck.safetensors", "w.safetensors", "loss.png"} {
		if _, err := os.Stat(filepath.Join(dirs[0], f)); err != nil {
			t.Errorf("rank 0 did not write %s: %v", f, err)
		}
		if _, err := os.Stat(filepath.Join(dirs[1], f)); err == nil {
			t.Errorf("rank 1 wrote %s", f)
		}
	}
	p0, p1 := res[0].Model.NamedParameters(), res[1].Model.NamedParameters()
	for i := range p0 {
		a, b := p0[i].Tensor.Float32s(), p1[i].Tensor.Float32s()
		for j := range a {
			if a[j] != b[j] {
				t.Fatalf("%s[%d]: rank 0 %v, rank 1 %v", p0[i].Name, j, a[j], b[j])
			}
		}
	}
	if res[0].TestAccuracy < 0.5 {
		t.Errorf("test accuracy %.3f", res[0].TestAccuracy)
	}
}
