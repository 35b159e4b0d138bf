// Lstm trains an LSTM classifier on sequences of different lengths: is the sum of a
// sequence of digits odd? The data is synthetic, drawn afresh for every batch, so the
// example needs no files. Parity is a classic hard case for recurrent networks: the answer
// flips with every odd digit, so no partial count helps, and on long sequences the gradient
// carries almost no signal until the network has found the flip-flop.
//
// It shows what eager execution buys a recurrent model:
//
//   - Each batch is padded only to its own longest sequence, and nn.LSTM's ForwardState is
//     given the true lengths, so a sequence's final state is taken at its last digit (as
//     with PyTorch's packed sequences) and the padding never reaches the classifier. The
//     graph has a different length at every step; nothing is declared in advance.
//   - A curriculum in plain Go: training starts on short sequences and, whenever the
//     accuracy on recent batches passes 95% (an if on numbers read with Item), the longest
//     sequence grows by 5 digits, up to -maxlen.
//
// The model is an nn.Embedding of the digits, a one-layer LSTM and a linear classifier on the
// final hidden state; the loss is nn.CrossEntropy and the optimizer Adam, with the gradient
// norm clipped by optim.ClipGradNorm. Run it from the module root:
//
//	go run ./examples/lstm                   # 400 steps, under a minute
//	go run ./examples/lstm -startlen 30      # no curriculum: stuck at 50% for hundreds of steps
//
// The run is deterministic: the same -seed gives the same output.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// Classifier reads a batch of digit sequences and predicts, for each, whether the sum of its
// digits is odd.
type Classifier struct {
	nn.Base
	embed *nn.Embedding
	lstm  *nn.LSTM
	head  *nn.Linear
}

// NewClassifier returns a Classifier with an embedding of size embed and hidden LSTM
// states of size hidden.
func NewClassifier(embed, hidden int) *Classifier {
	m := &Classifier{}
	m.embed = nn.Register(m, "embed", nn.NewEmbedding(10, embed))
	m.lstm = nn.Register(m, "lstm", nn.NewLSTM(nn.RNNConfig{InputSize: embed, HiddenSize: hidden, BatchFirst: true}))
	m.head = nn.Register(m, "head", nn.NewLinear(hidden, 2))
	return m
}

// Classify maps digits [B, T] (int64, padded after each sequence's length) to logits
// [B, 2]: class 1 means that the sum of the digits is odd.
func (m *Classifier) Classify(digits *eager.Tensor, lengths []int) *eager.Tensor {
	x := m.embed.Forward(digits)                         // [B, T, embed]
	_, h, _ := m.lstm.ForwardState(x, nil, nil, lengths) // h: [layers, B, hidden]
	return m.head.Forward(h.Select(0, 0))
}

// Forward classifies digits [B, T] whose sequences all fill the T steps.
func (m *Classifier) Forward(digits *eager.Tensor) *eager.Tensor {
	return m.Classify(digits, nil)
}

// batch is a set of sequences padded to the longest: digits [B, T] int64 with zeros after
// each sequence's length, and labels [B] int64.
type batch struct {
	digits  *eager.Tensor
	lengths []int
	labels  *eager.Tensor
}

// newBatch draws n sequences with lengths uniform in [1, maxLen].
func newBatch(g *eager.Generator, n, maxLen int) batch {
	lengths := make([]int, n)
	T := 0
	for i := range lengths {
		lengths[i] = 1 + g.IntN(maxLen)
		T = max(T, lengths[i])
	}
	digits := make([]int64, n*T) // zero padding: the LSTM never reads it
	labels := make([]int64, n)
	for i, l := range lengths {
		sum := 0
		for t := range l {
			d := g.IntN(10)
			digits[i*T+t] = int64(d)
			sum += d
		}
		labels[i] = int64(sum % 2)
	}
	return batch{eager.FromSlice(digits, n, T), lengths, eager.FromSlice(labels)}
}

// config holds the command-line settings.
type config struct {
	steps    int     // optimizer steps
	batch    int     // sequences per step
	maxLen   int     // longest sequence, at the end of the curriculum
	startLen int     // longest sequence at the start of the curriculum
	embed    int     // embedding size
	hidden   int     // LSTM state size
	lr       float64 // Adam's learning rate
	seed     uint64
	every    int // report every this many steps
	testSize int // held-out sequences, lengths 1 to maxLen
}

// result is what a run measured.
type result struct {
	testAccuracy []float64 // at each report
	maxLen       int       // reached by the curriculum
}

func main() {
	c := config{}
	flag.IntVar(&c.steps, "steps", 400, "training steps")
	flag.IntVar(&c.batch, "batch", 32, "sequences per step")
	flag.IntVar(&c.maxLen, "maxlen", 30, "longest sequence")
	flag.IntVar(&c.startLen, "startlen", 5, "longest sequence at the start of the curriculum")
	flag.IntVar(&c.embed, "embed", 8, "digit embedding size")
	flag.IntVar(&c.hidden, "hidden", 32, "LSTM hidden size")
	flag.Float64Var(&c.lr, "lr", 1e-2, "Adam learning rate")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed (initialisation and data)")
	flag.IntVar(&c.every, "every", 25, "report every this many steps")
	flag.IntVar(&c.testSize, "test", 1000, "held-out test sequences")
	flag.Parse()
	if _, err := run(c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lstm:", err)
		os.Exit(1)
	}
}

// run trains a fresh classifier and reports its accuracy on held-out sequences.
func run(c config, out io.Writer) (result, error) {
	if c.steps < 1 || c.batch < 1 || c.every < 1 || c.testSize < 1 {
		return result{}, fmt.Errorf("steps, batch, every and test must be positive")
	}
	if c.startLen < 1 || c.startLen > c.maxLen {
		return result{}, fmt.Errorf("-startlen %d must be in [1, -maxlen %d]", c.startLen, c.maxLen)
	}
	eager.ManualSeed(c.seed) // initialisation
	model := NewClassifier(c.embed, c.hidden)
	opt := optim.NewAdam(model.Parameters(), optim.AdamConfig{LR: c.lr})
	gen := eager.NewGenerator(c.seed) // data
	test := newBatch(eager.NewGenerator(c.seed+1000), c.testSize, c.maxLen)
	fmt.Fprintf(out, "LSTM classifier with %d parameters; sequences of 1 to %d digits, curriculum from %d\n",
		model.NumParameters(), c.maxLen, c.startLen)

	res := result{maxLen: c.startLen}
	start := time.Now()
	var recentLoss float64
	recentCorrect, recentSeen := 0, 0
	for step := 1; step <= c.steps; step++ {
		b := newBatch(gen, c.batch, res.maxLen)
		logits := model.Classify(b.digits, b.lengths)
		loss := nn.CrossEntropy(logits, b.labels)
		loss.Backward()
		optim.ClipGradNorm(model.Parameters(), 1, 2)
		opt.Step()
		opt.ZeroGrad()

		recentLoss += loss.Item()
		recentCorrect += int(logits.ArgMax(1).Eq(b.labels).Sum().Item())
		recentSeen += c.batch
		if step%c.every != 0 && step != c.steps {
			continue
		}
		trainAcc := float64(recentCorrect) / float64(recentSeen)
		testAcc := accuracy(model, test)
		res.testAccuracy = append(res.testAccuracy, testAcc)
		fmt.Fprintf(out, "step %5d  max length %2d  loss %.4f  train accuracy %5.1f%%  test accuracy %5.1f%%  (%.0fs)\n",
			step, res.maxLen, recentLoss*float64(c.batch)/float64(recentSeen), 100*trainAcc, 100*testAcc, time.Since(start).Seconds())
		// The curriculum: once the model handles the current lengths, make them longer.
		if trainAcc >= 0.95 && res.maxLen < c.maxLen {
			res.maxLen = min(res.maxLen+5, c.maxLen)
			fmt.Fprintf(out, "            sequences now up to %d digits\n", res.maxLen)
		}
		recentLoss, recentCorrect, recentSeen = 0, 0, 0
	}
	return res, nil
}

// accuracy returns the fraction of b's sequences that model classifies correctly, computed
// without recording a graph.
func accuracy(model *Classifier, b batch) float64 {
	var acc float64
	eager.NoGrad(func() {
		pred := model.Classify(b.digits, b.lengths).ArgMax(1)
		acc = pred.Eq(b.labels).To(eager.Float64).Mean().Item()
	})
	return acc
}
