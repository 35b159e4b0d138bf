// Mnist-mlp trains a multilayer perceptron on MNIST, the handwritten digits that ship with
// eager, and prints its accuracy on the 10,000 test images.
//
// It shows the whole of a PyTorch-style training loop in Go: a model written as a struct
// that embeds nn.Base, a shuffled data.DataLoader with background workers, and the five
// lines of a training step,
//
//	logits := model.Forward(batch.X)
//	loss := nn.CrossEntropy(logits, batch.Y)
//	loss.Backward()
//	opt.Step()
//	opt.ZeroGrad()
//
// then evaluation in eval mode under eager.NoGrad. Run it from the module root:
//
//	go run ./examples/mnist-mlp              # 3 epochs, about 97.5% test accuracy
//	go run ./examples/mnist-mlp -epochs 1 -seed 2
//
// The run is deterministic: the same -seed gives the same weights and the same output.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/data"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// MLP is a 784-256-128-10 perceptron with ReLU activations.
type MLP struct {
	nn.Base
	fc1, fc2, fc3 *nn.Linear
}

// NewMLP returns an MLP with PyTorch's default initialisation.
func NewMLP() *MLP {
	m := &MLP{}
	m.fc1 = nn.Register(m, "fc1", nn.NewLinear(28*28, 256))
	m.fc2 = nn.Register(m, "fc2", nn.NewLinear(256, 128))
	m.fc3 = nn.Register(m, "fc3", nn.NewLinear(128, 10))
	return m
}

// Forward maps images [N, 1, 28, 28] to class logits [N, 10].
func (m *MLP) Forward(x *eager.Tensor) *eager.Tensor {
	x = x.Flatten(1, -1)
	x = m.fc1.Forward(x).ReLU()
	x = m.fc2.Forward(x).ReLU()
	return m.fc3.Forward(x)
}

// config holds the command-line settings.
type config struct {
	epochs    int     // passes over the training set
	steps     int     // stop after this many optimizer steps in all (0: no limit)
	batch     int     // batch size
	lr        float64 // Adam's learning rate
	seed      uint64  // initialisation and shuffling
	workers   int     // data-loading goroutines
	evalLimit int     // evaluate on the first evalLimit test images (0: all)
}

// result is what a run measured.
type result struct {
	steps    int
	losses   []float64 // mean training loss of each epoch
	accuracy float64   // on the test set, after the last epoch
}

func main() {
	c := config{}
	flag.IntVar(&c.epochs, "epochs", 3, "passes over the 60,000 training images")
	flag.IntVar(&c.steps, "steps", 0, "stop after this many training steps (0: run all epochs)")
	flag.IntVar(&c.batch, "batch", 64, "batch size")
	flag.Float64Var(&c.lr, "lr", 1e-3, "Adam learning rate")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed (initialisation and shuffling)")
	flag.IntVar(&c.workers, "workers", 2, "data-loading goroutines")
	flag.Parse()

	dir, err := data.MNISTDir()
	if err == nil {
		var trainSet, testSet *data.MNIST
		norm := data.Normalize(data.MNISTMean, data.MNISTStd)
		if trainSet, err = data.LoadMNIST(dir, true, norm); err == nil {
			if testSet, err = data.LoadMNIST(dir, false, norm); err == nil {
				_, err = run(c, trainSet, testSet, os.Stdout)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mnist-mlp:", err)
		os.Exit(1)
	}
}

// run trains a fresh MLP on trainSet and reports its accuracy on testSet after every epoch.
func run(c config, trainSet, testSet data.Dataset, out io.Writer) (result, error) {
	eager.ManualSeed(c.seed)
	model := NewMLP()
	opt := optim.NewAdam(model.Parameters(), optim.AdamConfig{LR: c.lr})
	loader := data.NewDataLoader(trainSet, data.Options{BatchSize: c.batch, Shuffle: true, Seed: c.seed, Workers: c.workers})
	fmt.Fprintf(out, "MLP with %d parameters, %d training images, batch %d, Adam lr %g\n",
		model.NumParameters(), trainSet.Len(), c.batch, c.lr)

	var res result
	for epoch := 1; epoch <= c.epochs; epoch++ {
		start := time.Now()
		model.Train(true)
		sum, n := 0.0, 0
		for batch := range loader.All() {
			logits := model.Forward(batch.X)
			loss := nn.CrossEntropy(logits, batch.Y)
			loss.Backward()
			opt.Step()
			opt.ZeroGrad()

			sum += loss.Item()
			n++
			res.steps++
			if c.steps > 0 && res.steps >= c.steps {
				break
			}
		}
		if err := loader.Err(); err != nil {
			return res, err
		}
		res.losses = append(res.losses, sum/float64(max(n, 1)))
		acc, err := accuracy(model, testSet, c.evalLimit)
		if err != nil {
			return res, err
		}
		res.accuracy = acc
		fmt.Fprintf(out, "epoch %d: train loss %.4f, test accuracy %.2f%% (%.1fs)\n",
			epoch, res.losses[len(res.losses)-1], 100*res.accuracy, time.Since(start).Seconds())
		if c.steps > 0 && res.steps >= c.steps {
			break
		}
	}
	return res, nil
}

// accuracy returns the fraction of the first limit images of ds (all with limit 0) that
// model classifies correctly. It runs in eval mode and under NoGrad, which records no graph.
func accuracy(model nn.Module, ds data.Dataset, limit int) (float64, error) {
	if limit > 0 && limit < ds.Len() {
		idx := make([]int, limit)
		for i := range idx {
			idx[i] = i
		}
		ds = data.NewSubset(ds, idx)
	}
	model.Eval()
	defer model.Train(true)
	correct, total := 0, 0
	loader := data.NewDataLoader(ds, data.Options{BatchSize: 500})
	eager.NoGrad(func() {
		for batch := range loader.All() {
			pred := model.Forward(batch.X).ArgMax(1)
			correct += int(pred.Eq(batch.Y).Sum().Item())
			total += batch.Y.Numel()
		}
	})
	return float64(correct) / float64(max(total, 1)), loader.Err()
}
