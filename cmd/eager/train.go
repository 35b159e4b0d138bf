package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/data"
	"github.com/eagerml/eager/dist"
	"github.com/eagerml/eager/jit"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
	"github.com/eagerml/eager/serialize"
)

type trainConfig struct {
	model     string
	epochs    int
	batch     int
	lr        float64
	optimizer string
	schedule  string
	seed      uint64
	workers   int
	limit     int
	testLimit int
	stopAfter int // tests: stop after this many epochs, as if the process had been killed
	dataDir   string
	plot      string
	quiet     bool
	jit       bool
	save      string // checkpoint written after every epoch
	resume    string // checkpoint to continue from
	weights   string // final weights (safetensors state dict PyTorch can load)
	gradNorms int    // log per-parameter gradient norms every N steps (0: never)

	bucketMB float64           // data parallel: gradient bucket size in MiB (0: 25)
	comm     dist.Communicator // tests: the process group; nil joins the launcher's (dist.Init)
}

func runTrain(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var c trainConfig
	fs.StringVar(&c.model, "model", "mlp", "model: mlp or cnn")
	fs.IntVar(&c.epochs, "epochs", 3, "number of passes over the training set")
	fs.IntVar(&c.batch, "batch", 64, "batch size")
	fs.Float64Var(&c.lr, "lr", 1e-3, "learning rate")
	fs.StringVar(&c.optimizer, "optimizer", "adam", "optimizer: adam, adamw or sgd (momentum 0.9)")
	fs.StringVar(&c.schedule, "schedule", "cosine", "learning-rate schedule over the whole run: cosine (annealed to 0, per step) or none")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (initialisation and shuffling)")
	fs.IntVar(&c.workers, "workers", 2, "data-loading goroutines")
	fs.IntVar(&c.limit, "limit", 0, "use only the first N training images (0: all 60,000)")
	fs.IntVar(&c.testLimit, "test-limit", 0, "evaluate on only the first N test images (0: all 10,000)")
	fs.StringVar(&c.dataDir, "data", "", "folder with the MNIST IDX files (default: the copy bundled with eager)")
	fs.StringVar(&c.plot, "plot", filepath.Join("runs", "loss.png"), "write a plot of the training loss to this PNG file (empty: none)")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress bar")
	fs.BoolVar(&c.jit, "jit", false, "compile the whole training step (forward, backward, optimizer) with jit (needs -schedule none)")
	fs.StringVar(&c.save, "save", "", "write a checkpoint (model, optimizer, RNG, epoch) here after every epoch (default runs/<model>.ckpt.safetensors)")
	fs.StringVar(&c.resume, "resume", "", "continue training from this checkpoint (same flags as the interrupted run)")
	fs.StringVar(&c.weights, "weights", "", "write the trained weights here as a safetensors state dict (default runs/<model>.safetensors)")
	fs.IntVar(&c.gradNorms, "grad-norms", 0, "every N steps, print each layer's gradient norm and flag vanishing (<1e-7), exploding (>1e3) or non-finite ones (0: never)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	fs.Float64Var(&c.bucketMB, "bucket-mb", 0, "under mpirun: size in MiB of the gradient buckets reduced during backward (0: 25, as PyTorch)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if c.save == "" {
		c.save = filepath.Join("runs", c.model+".ckpt.safetensors")
	}
	if c.weights == "" {
		c.weights = filepath.Join("runs", c.model+".safetensors")
	}
	return joinJob(&c, func() error { // under mpirun: one process of the data-parallel job
		_, err := train(c, os.Stdout)
		return err
	})
}

// trainResult is what a training run measured.
type trainResult struct {
	TestAccuracy float64
	Losses       []float64 // one per step
	Accuracies   []float64 // test accuracy after each epoch
	Model        nn.Module
	JitStats     jit.Stats // with -jit: traces, cache hits, calls that ran eagerly
}

func ensureDir(path string) error {
	if dir := filepath.Dir(path); dir != "." {
		return os.MkdirAll(dir, 0o755)
	}
	return nil
}

func loadMNIST(dir string) (trainSet, testSet *data.MNIST, err error) {
	if dir == "" {
		if dir, err = data.MNISTDir(); err != nil {
			return nil, nil, err
		}
	}
	norm := data.Normalize(data.MNISTMean, data.MNISTStd)
	if trainSet, err = data.LoadMNIST(dir, true, norm); err != nil {
		return nil, nil, err
	}
	if testSet, err = data.LoadMNIST(dir, false, norm); err != nil {
		return nil, nil, err
	}
	return trainSet, testSet, nil
}

// newOptimizer makes the optimizer; capturable (for -jit) keeps Adam's step count in a
// tensor so that the compiled step includes the update (same results).
func newOptimizer(name string, params []*eager.Tensor, lr float64, capturable bool) (optim.Optimizer, error) {
	switch name {
	case "adam":
		return optim.NewAdam(params, optim.AdamConfig{LR: lr, Capturable: capturable}), nil
	case "adamw":
		return optim.NewAdamW(params, optim.AdamWConfig{LR: lr, Capturable: capturable}), nil
	case "sgd":
		return optim.NewSGD(params, optim.SGDConfig{LR: lr, Momentum: 0.9}), nil
	}
	return nil, fmt.Errorf("unknown optimizer %q (want adam, adamw or sgd)", name)
}

func train(c trainConfig, out io.Writer) (*trainResult, error) {
	par, err := startParallel(&c, &out) // under mpirun: only rank 0 prints and saves
	if err != nil {
		return nil, err
	}
	defer par.close()
	trainSet, testSet, err := loadMNIST(c.dataDir)
	if err != nil {
		return nil, err
	}
	var ds data.Dataset = trainSet
	if c.limit > 0 && c.limit < trainSet.Len() {
		ds = data.NewSubset(trainSet, firstN(c.limit))
	}
	ds = par.dataset(ds, c.seed)
	eager.ManualSeed(c.seed)
	model, err := newModel(c.model)
	if err != nil {
		return nil, err
	}
	if model, err = par.wrap(model, c.bucketMB); err != nil {
		return nil, err
	}
	opt, err := newOptimizer(c.optimizer, model.Parameters(), c.lr, c.jit)
	if err != nil {
		return nil, err
	}
	loader := data.NewDataLoader(ds, par.loaderOptions(data.Options{BatchSize: c.batch, Shuffle: true, Seed: c.seed, Workers: c.workers}))
	var sched optim.Scheduler
	switch c.schedule {
	case "cosine":
		sched = optim.NewCosineAnnealingLR(opt, c.epochs*loader.Len(), 0)
	case "none", "":
	default:
		return nil, fmt.Errorf("unknown schedule %q (want cosine or none)", c.schedule)
	}
	fmt.Fprintf(out, "training %s (%d parameters) on %d MNIST images, %d epochs, batch %d, %s lr %g, %s schedule\n",
		c.model, countParams(model), ds.Len()*par.size(), c.epochs, c.batch, c.optimizer, c.lr, c.schedule)
	if par.distributed() {
		fmt.Fprintf(out, "data parallel over %d processes: batch %d per process, %d in all\n", par.size(), c.batch, c.batch*par.size())
	}

	var compiled *jit.Func
	if c.jit {
		if sched != nil {
			return nil, fmt.Errorf("-jit needs -schedule none: a compiled step bakes in the learning rate it was traced with")
		}
		if c.gradNorms > 0 {
			return nil, fmt.Errorf("-jit and -grad-norms cannot be combined: the compiled step does not expose gradients")
		}
		if par.distributed() {
			return nil, fmt.Errorf("-jit is not supported under mpirun yet: the gradient averaging runs outside the compiled step")
		}
		compiled = jit.Compile(compiledTrainStep(model, opt))
	}
	res := &trainResult{}
	first, step := 0, 0
	if c.resume != "" {
		ck := &serialize.Checkpoint{Model: model, Optimizer: opt, Scheduler: sched}
		if err := serialize.LoadCheckpoint(c.resume, ck); err != nil {
			return nil, err
		}
		first, step = ck.Epoch, ck.Step
		fmt.Fprintf(out, "resumed from %s after epoch %d (step %d)\n", c.resume, first, step)
	}
	for epoch := first; epoch < c.epochs && (c.stopAfter == 0 || epoch < c.stopAfter); epoch++ {
		loader.SetEpoch(epoch)
		par.setEpoch(epoch)
		model.Train(true)
		bar := newBar(loader.Len(), fmt.Sprintf("epoch %d/%d", epoch+1, c.epochs), c.quiet)
		start := time.Now()
		var sum float64
		steps, seen := 0, 0
		for batch := range loader.All() {
			var loss *eager.Tensor
			if compiled != nil {
				loss = compiled.Call(prepare(c.model, batch.X), batch.Y)[0]
			} else {
				logits := model.Forward(prepare(c.model, batch.X))
				loss = nn.CrossEntropy(logits, batch.Y)
				loss.Backward()
				if err := par.finishGrads(); err != nil {
					return nil, err
				}
				if c.gradNorms > 0 && (step+1)%c.gradNorms == 0 && par.leader() {
					logGradNorms(out, model, step+1)
				}
				opt.Step()
				opt.ZeroGrad()
			}
			if sched != nil {
				sched.Step()
			}

			l := loss.Item()
			res.Losses = append(res.Losses, l)
			sum += l
			steps++
			step++
			seen += batch.X.Size(0)
			if bar != nil {
				bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f", epoch+1, c.epochs, sum/float64(steps)))
				_ = bar.Add(1)
			}
		}
		if bar != nil {
			_ = bar.Finish()
		}
		if err := loader.Err(); err != nil {
			return nil, err
		}
		elapsed := time.Since(start)
		trainLoss, err := par.mean(sum / float64(max(steps, 1)))
		if err != nil {
			return nil, err
		}
		var testDS data.Dataset = testSet
		if c.testLimit > 0 && c.testLimit < testSet.Len() {
			testDS = data.NewSubset(testSet, firstN(c.testLimit))
		}
		acc := 0.0
		if par.leader() {
			acc = evaluate(model, c.model, testDS)
		}
		res.TestAccuracy = acc
		res.Accuracies = append(res.Accuracies, acc)
		fmt.Fprintf(out, "epoch %d: train loss %.4f, test accuracy %.2f%%, %.0f samples/s%s\n",
			epoch+1, trainLoss, 100*acc, float64(seen*par.size())/elapsed.Seconds(), par.report(elapsed.Seconds()))
		if c.save != "" && par.leader() {
			if err := ensureDir(c.save); err != nil {
				return nil, err
			}
			if err := serialize.SaveCheckpoint(c.save, &serialize.Checkpoint{Model: model, Optimizer: opt, Scheduler: sched, Epoch: epoch + 1, Step: step}); err != nil {
				return nil, err
			}
		}
	}
	if c.weights != "" && par.leader() {
		if err := ensureDir(c.weights); err != nil {
			return nil, err
		}
		if err := serialize.SaveModel(c.weights, model); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "weights written to %s\n", c.weights)
	}
	res.Model = model
	if c.plot != "" && par.leader() {
		if err := plotLosses(c.plot, res.Losses, c.model); err != nil {
			return nil, err
		}
		accPlot := strings.TrimSuffix(c.plot, filepath.Ext(c.plot)) + "-accuracy.png"
		if err := plotAccuracy(accPlot, res.Accuracies, c.model); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "loss plot written to %s, accuracy plot to %s\n", c.plot, accPlot)
	}
	if compiled != nil {
		res.JitStats = compiled.Stats()
	}
	return res, nil
}

// compiledTrainStep is one training step as a function of the batch, for jit.Compile: forward,
// loss, backward and the optimizer update; it returns the loss.
func compiledTrainStep(model nn.Module, opt optim.Optimizer) func(xs ...*eager.Tensor) []*eager.Tensor {
	return func(xs ...*eager.Tensor) []*eager.Tensor {
		loss := nn.CrossEntropy(model.Forward(xs[0]), xs[1])
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
		return []*eager.Tensor{loss}
	}
}

func firstN(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func countParams(m nn.Module) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Numel()
	}
	return n
}

func newBar(n int, desc string, quiet bool) *progressbar.ProgressBar {
	if quiet {
		return nil
	}
	if st, err := os.Stderr.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil // not a terminal: keep logs clean
	}
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// evaluate returns the model's accuracy on ds, in eval mode and without recording gradients.
func evaluate(model nn.Module, name string, ds data.Dataset) float64 {
	model.Eval()
	defer model.Train(true)
	correct, total := 0, 0
	loader := data.NewDataLoader(ds, data.Options{BatchSize: 1000})
	eager.NoGrad(func() {
		for batch := range loader.All() {
			pred := model.Forward(prepare(name, batch.X)).ArgMax(1)
			correct += int(pred.Eq(batch.Y).Sum().Item())
			total += batch.Y.Numel()
		}
	})
	if total == 0 {
		return 0
	}
	return float64(correct) / float64(total)
}
