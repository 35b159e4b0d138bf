// Mnist-cnn trains a small convolutional network on MNIST, the handwritten digits that ship
// with eager, and prints its accuracy on the 10,000 test images.
//
// It shows convolutional layers (nn.Conv2d, nn.MaxPool2d), batch normalisation and dropout
// stacked in an nn.Sequential, and why a model has a training and an evaluation mode:
// nn.BatchNorm2d normalises with the batch's statistics while training and with its running
// averages in eval mode, and nn.Dropout is the identity in eval mode, so run switches the
// model with Train(true) and Eval() around the evaluation. The training step is the same
// five lines as in mnist-mlp. Run it from the module root:
//
//	go run ./examples/mnist-cnn              # 3 epochs, about 98.5% test accuracy
//	go run ./examples/mnist-cnn -epochs 1 -seed 2
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

// NewCNN returns a small convolutional network for [N, 1, 28, 28] images: two blocks of
// 3×3 convolution, batch normalisation, ReLU and 2×2 max pooling (28×28 → 14×14 → 7×7),
// then dropout and a linear classifier over the 16×7×7 features.
func NewCNN() *nn.Sequential {
	return nn.NewSequential(
		nn.NewConv2d(nn.Conv2dConfig{In: 1, Out: 8, Kernel: []int{3}, Padding: []int{1}}),
		nn.NewBatchNorm2d(8), &nn.ReLU{}, nn.NewMaxPool2d(2, 2),
		nn.NewConv2d(nn.Conv2dConfig{In: 8, Out: 16, Kernel: []int{3}, Padding: []int{1}}),
		nn.NewBatchNorm2d(16), &nn.ReLU{}, nn.NewMaxPool2d(2, 2),
		nn.NewFlatten(),
		nn.NewDropout(0.25),
		nn.NewLinear(16*7*7, 10),
	)
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
		fmt.Fprintln(os.Stderr, "mnist-cnn:", err)
		os.Exit(1)
	}
}

// run trains a fresh CNN on trainSet and reports its accuracy on testSet after every epoch.
func run(c config, trainSet, testSet data.Dataset, out io.Writer) (result, error) {
	eager.ManualSeed(c.seed)
	model := NewCNN()
	opt := optim.NewAdam(model.Parameters(), optim.AdamConfig{LR: c.lr})
	loader := data.NewDataLoader(trainSet, data.Options{BatchSize: c.batch, Shuffle: true, Seed: c.seed, Workers: c.workers})
	fmt.Fprintf(out, "CNN with %d parameters, %d training images, batch %d, Adam lr %g\n",
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
