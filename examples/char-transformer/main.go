// Char-transformer trains a small character-level transformer language model on Shakespeare
// and then writes new text with it, one character at a time.
//
// The model is a decoder-only transformer in the style of GPT: a character embedding plus
// a learned positional embedding, a stack of nn.TransformerEncoderLayer blocks (pre-norm,
// GELU) that attend only to earlier positions (nn.AttentionMasks{Causal: true}), a final
// nn.LayerNorm and a linear head that gives, at every position, the logits of the next
// character. It trains on the text bundled in data/text (tinyshakespeare.txt, 1.1 MB of
// Shakespeare's plays): data.CharCorpus encodes it character by character, its Windows are
// the (context, next characters) pairs and a data.DataLoader shuffles them into batches.
// The loss is nn.CrossEntropy over all positions; the optimizer is optim.AdamW, with weight
// decay on the weight matrices only (two parameter groups), a linear warmup and a cosine
// decay of the learning rate (optim.SequentialLR), and the gradient norm clipped with
// optim.ClipGradNorm.
//
// After training, generate samples text under eager.NoGrad: the model reads the last
// characters, the logits of the next one are divided by a temperature (below 1: safer,
// above 1: wilder), and the character is drawn from their softmax in plain Go.
//
// Run it from the module root:
//
//	go run ./examples/char-transformer                        # 1,500 steps, a few minutes
//	go run ./examples/char-transformer -steps 3000 -temperature 0.6 -prompt "ROMEO:"
//
// The run is deterministic: the same -seed gives the same model and the same text.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/data"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// ModelConfig sets the size of a GPT.
type ModelConfig struct {
	Vocab   int // number of distinct characters
	Context int // longest input, in characters
	DModel  int // width of the residual stream
	Heads   int // attention heads per layer
	Layers  int // transformer blocks
}

// GPT is a decoder-only transformer language model.
type GPT struct {
	nn.Base
	cfg    ModelConfig
	tok    *nn.Embedding // [vocab, d]
	pos    *nn.Embedding // [context, d]: one learned vector per position
	blocks *nn.ModuleList
	norm   *nn.LayerNorm
	head   *nn.Linear
}

// NewGPT returns a GPT with small random embeddings (N(0, 0.02²), as GPT-2) and PyTorch's
// default initialisation elsewhere.
func NewGPT(cfg ModelConfig) *GPT {
	m := &GPT{cfg: cfg}
	m.tok = nn.Register(m, "tok", nn.NewEmbedding(cfg.Vocab, cfg.DModel))
	m.pos = nn.Register(m, "pos", nn.NewEmbedding(cfg.Context, cfg.DModel))
	nn.Normal(m.tok.Weight, 0, 0.02)
	nn.Normal(m.pos.Weight, 0, 0.02)
	m.blocks = nn.Register(m, "blocks", nn.NewModuleList())
	for range cfg.Layers {
		m.blocks.Append(nn.NewTransformerEncoderLayer(nn.TransformerEncoderLayerConfig{
			DModel: cfg.DModel, Heads: cfg.Heads, FF: 4 * cfg.DModel,
			NoDropout: true, GELU: true, BatchFirst: true, NormFirst: true,
		}))
	}
	m.norm = nn.Register(m, "norm", nn.NewLayerNorm(cfg.DModel))
	m.head = nn.Register(m, "head", nn.NewLinear(cfg.DModel, cfg.Vocab))
	return m
}

// Forward maps character ids [B, T] (int64, T <= Context) to next-character logits
// [B, T, Vocab]. Position t sees only characters 0..t.
func (m *GPT) Forward(ids *eager.Tensor) *eager.Tensor {
	T := ids.Size(1)
	positions := eager.ArangeOf(eager.Int64, 0, float64(T), 1)
	x := m.tok.Forward(ids).Add(m.pos.Forward(positions)) // [B, T, d] + [T, d]
	for _, b := range m.blocks.Modules {
		x = b.(*nn.TransformerEncoderLayer).ForwardMasked(x, nn.AttentionMasks{Causal: true})
	}
	return m.head.Forward(m.norm.Forward(x))
}

// Generate continues prompt by n characters drawn at the given temperature with the
// generator g, and returns the characters it added. It records no graph.
func (m *GPT) Generate(prompt []int64, n int, temperature float64, g *eager.Generator) []int64 {
	m.Eval()
	defer m.Train(true)
	ids := append([]int64(nil), prompt...)
	eager.NoGrad(func() {
		for range n {
			window := ids[max(0, len(ids)-m.cfg.Context):]
			logits := m.Forward(eager.FromSlice(window, 1, len(window)))
			last := logits.Select(1, len(window)-1).Squeeze(0) // [vocab]
			probs := last.DivScalar(temperature).Softmax(-1).Float64s()
			ids = append(ids, sample(probs, g.Float64()))
		}
	})
	return ids[len(prompt):]
}

// sample returns the index at which the cumulative sum of probs passes u in [0, 1).
func sample(probs []float64, u float64) int64 {
	for i, p := range probs {
		u -= p
		if u < 0 {
			return int64(i)
		}
	}
	return int64(len(probs) - 1) // rounding left u a hair above the total
}

// config holds the command-line settings.
type config struct {
	textPath    string
	limit       int // use only the first limit bytes of the text (0: all)
	steps       int
	batch       int
	context     int
	dModel      int
	heads       int
	layers      int
	lr          float64
	warmup      int
	seed        uint64
	every       int // report every this many steps
	evalBatches int // batches of held-out text per validation loss
	generate    int // characters to generate after training
	temperature float64
	prompt      string
}

// result is what a run measured and wrote.
type result struct {
	trainLoss []float64 // at each report, averaged since the previous one
	valLoss   []float64 // at each report
	sample    string    // generated text
}

func main() {
	c := config{}
	flag.StringVar(&c.textPath, "text", defaultText(), "UTF-8 text to train on")
	flag.IntVar(&c.limit, "limit", 0, "use only the first N bytes of the text (0: all)")
	flag.IntVar(&c.steps, "steps", 1500, "training steps")
	flag.IntVar(&c.batch, "batch", 16, "windows per batch")
	flag.IntVar(&c.context, "context", 64, "context length in characters")
	flag.IntVar(&c.dModel, "d", 64, "model width")
	flag.IntVar(&c.heads, "heads", 4, "attention heads")
	flag.IntVar(&c.layers, "layers", 2, "transformer blocks")
	flag.Float64Var(&c.lr, "lr", 3e-3, "peak AdamW learning rate")
	flag.IntVar(&c.warmup, "warmup", 100, "steps of linear learning-rate warmup")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed (initialisation, batches, sampling)")
	flag.IntVar(&c.every, "every", 100, "report every this many steps")
	flag.IntVar(&c.evalBatches, "evalbatches", 8, "held-out batches per validation loss")
	flag.IntVar(&c.generate, "generate", 500, "characters to generate after training")
	flag.Float64Var(&c.temperature, "temperature", 0.8, "sampling temperature")
	flag.StringVar(&c.prompt, "prompt", "\n", "text to start the generation with")
	flag.Parse()
	if _, err := run(c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "char-transformer:", err)
		os.Exit(1)
	}
}

// defaultText returns the path of the Shakespeare text bundled with eager, found from this
// source file's location (as data.MNISTDir finds MNIST).
func defaultText() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("data", "text", "tinyshakespeare.txt")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "data", "text", "tinyshakespeare.txt")
}

// run trains a fresh model on c.textPath, then generates text with it.
func run(c config, out io.Writer) (result, error) {
	var res result
	if c.steps < 1 || c.batch < 1 || c.context < 1 || c.every < 1 || c.evalBatches < 1 || !(c.temperature > 0) {
		return res, fmt.Errorf("steps, batch, context, every, evalbatches and temperature must be positive")
	}
	text, err := os.ReadFile(c.textPath)
	if err != nil {
		return res, err
	}
	if c.limit > 0 && c.limit < len(text) {
		text = text[:c.limit]
	}
	corpus, err := data.NewCharCorpus(string(text))
	if err != nil {
		return res, err
	}
	prompt, err := corpus.Encode(c.prompt)
	if err != nil {
		return res, err
	}
	if len(prompt) == 0 {
		return res, fmt.Errorf("empty prompt")
	}
	trainText, valText := corpus.Split(0.9)
	trainSet, valSet := trainText.Windows(c.context), valText.Windows(c.context)
	if trainSet.Len() < c.batch || valSet.Len() < c.batch {
		return res, fmt.Errorf("text of %d characters is too short for batches of %d windows of %d", corpus.Len(), c.batch, c.context)
	}

	eager.ManualSeed(c.seed)
	model := NewGPT(ModelConfig{Vocab: corpus.VocabSize(), Context: c.context, DModel: c.dModel, Heads: c.heads, Layers: c.layers})
	// Weight decay on the matrices only, not on biases and LayerNorm gains (as nanoGPT).
	var matrices, vectors []*eager.Tensor
	for _, p := range model.Parameters() {
		if p.Dim() >= 2 {
			matrices = append(matrices, p)
		} else {
			vectors = append(vectors, p)
		}
	}
	opt := optim.NewAdamWGroups([]optim.Group{
		{Params: matrices},
		{Params: vectors, WeightDecay: optim.Ptr(0.0)},
	}, optim.AdamWConfig{LR: c.lr, Betas: [2]float64{0.9, 0.99}, WeightDecay: 0.1})
	warmup := min(c.warmup, c.steps-1)
	sched := optim.NewSequentialLR(opt, []optim.Scheduler{
		optim.NewLinearLR(opt, 0.01, 1, max(warmup, 1)),
		optim.NewCosineAnnealingLR(opt, max(c.steps-warmup, 1), c.lr/10),
	}, []int{max(warmup, 1)})
	loader := data.NewDataLoader(trainSet, data.Options{BatchSize: c.batch, Shuffle: true, Seed: c.seed, DropLast: true})
	fmt.Fprintf(out, "GPT with %d parameters (%d layers, width %d, %d heads, context %d); %d characters, vocabulary %d\n",
		model.NumParameters(), c.layers, c.dModel, c.heads, c.context, corpus.Len(), corpus.VocabSize())

	start := time.Now()
	step, sum, n := 0, 0.0, 0
	for step < c.steps {
		for batch := range loader.All() {
			logits := model.Forward(batch.X) // [B, T, vocab]
			loss := nn.CrossEntropy(logits.Reshape(-1, corpus.VocabSize()), batch.Y.Reshape(-1))
			loss.Backward()
			optim.ClipGradNorm(model.Parameters(), 1, 2)
			opt.Step()
			opt.ZeroGrad()
			sched.Step()

			sum += loss.Item()
			n++
			step++
			if step%c.every == 0 || step == c.steps {
				val, err := evaluate(model, valSet, c)
				if err != nil {
					return res, err
				}
				res.trainLoss = append(res.trainLoss, sum/float64(n))
				res.valLoss = append(res.valLoss, val)
				fmt.Fprintf(out, "step %5d  train loss %.3f  val loss %.3f  lr %.2e  (%.0fs)\n",
					step, sum/float64(n), val, opt.ParamGroups()[0].LR, time.Since(start).Seconds())
				sum, n = 0, 0
			}
			if step == c.steps {
				break
			}
		}
		if err := loader.Err(); err != nil {
			return res, err
		}
	}

	if c.generate > 0 {
		ids := model.Generate(prompt, c.generate, c.temperature, eager.NewGenerator(c.seed))
		res.sample = corpus.Decode(ids)
		fmt.Fprintf(out, "\n--- %d characters sampled at temperature %g ---\n%s%s\n", c.generate, c.temperature, c.prompt, res.sample)
	}
	return res, nil
}

// evaluate returns the mean loss of the model on c.evalBatches batches of held-out windows,
// the same batches every time, without recording a graph.
func evaluate(model *GPT, val *data.TextWindows, c config) (float64, error) {
	model.Eval()
	defer model.Train(true)
	stride := max(1, (val.Len()-1)/(c.evalBatches*c.batch))
	idx := make([]int, 0, c.evalBatches*c.batch)
	for i := 0; i < val.Len() && len(idx) < cap(idx); i += stride {
		idx = append(idx, i)
	}
	loader := data.NewDataLoader(data.NewSubset(val, idx), data.Options{BatchSize: c.batch})
	sum, n := 0.0, 0
	eager.NoGrad(func() {
		for batch := range loader.All() {
			logits := model.Forward(batch.X)
			sum += nn.CrossEntropy(logits.Reshape(-1, logits.Size(-1)), batch.Y.Reshape(-1)).Item()
			n++
		}
	})
	if n == 0 {
		return math.NaN(), loader.Err()
	}
	return sum / float64(n), loader.Err()
}
