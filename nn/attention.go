package nn

import (
	"math"

	"github.com/eagerml/eager"
)

// MultiheadAttention is torch.nn.MultiheadAttention: InProjWeight [3E, E], InProjBias [3E],
// OutProj Linear(E, E); E must be divisible by Heads. Inputs are [L, N, E] (or [N, L, E]
// with BatchFirst).
type MultiheadAttention struct {
	Base
	EmbedDim, Heads int
	Dropout         float64
	BatchFirst      bool
	InProjWeight    *eager.Tensor
	InProjBias      *eager.Tensor
	OutProj         *Linear
}

// NewMultiheadAttention returns an attention layer initialised as PyTorch's (xavier-uniform
// input projection, zero biases).
func NewMultiheadAttention(embedDim, heads int, dropout float64, batchFirst bool) *MultiheadAttention {
	if heads <= 0 || embedDim%heads != 0 {
		fail("nn.NewMultiheadAttention", "embed dim %d must be divisible by heads %d", embedDim, heads)
	}
	m := &MultiheadAttention{EmbedDim: embedDim, Heads: heads, Dropout: dropout, BatchFirst: batchFirst}
	m.InProjWeight = m.RegisterParameter("in_proj_weight", eager.Zeros(3*embedDim, embedDim))
	XavierUniform(m.InProjWeight, 1)
	m.InProjBias = m.RegisterParameter("in_proj_bias", eager.Zeros(3*embedDim))
	m.OutProj = Register(m, "out_proj", NewLinear(embedDim, embedDim))
	ZerosInit(m.OutProj.Bias)
	return m
}

// AttentionMasks are the optional masks of MultiheadAttention.Attend, with PyTorch's
// meaning: true marks a position that may NOT be attended to.
type AttentionMasks struct {
	Attn       *eager.Tensor // [L, S] or [N*Heads, L, S]: bool (true = blocked) or float (added)
	KeyPadding *eager.Tensor // [N, S] bool: true = padding key, ignored
	Causal     bool          // block attention to later positions
}

// Forward is self-attention: Attend(x, x, x) without masks.
func (m *MultiheadAttention) Forward(x *eager.Tensor) *eager.Tensor {
	out, _ := m.Attend(x, x, x, AttentionMasks{}, false)
	return out
}

// CausalMask returns the [n, n] bool mask that blocks attention to later positions (true
// above the diagonal).
func CausalMask(n int) *eager.Tensor {
	r := eager.ArangeOf(eager.Int64, 0, float64(n), 1)
	return r.Unsqueeze(1).Lt(r.Unsqueeze(0))
}

// Attend computes attention of query [L, N, E] over key and value [S, N, E] (batch first:
// [N, L, E]). With needWeights it also returns the attention weights averaged over heads
// ([N, L, S]).
func (m *MultiheadAttention) Attend(query, key, value *eager.Tensor, masks AttentionMasks, needWeights bool) (*eager.Tensor, *eager.Tensor) {
	if query.Dim() != 3 || key.Dim() != 3 || value.Dim() != 3 {
		fail("nn.MultiheadAttention", "expects 3-D query, key, value, got shapes %v %v %v", query.Shape(), key.Shape(), value.Shape())
	}
	// Batch first, the projections stay [N, L, E]; otherwise [L, N, E]. Either way the heads
	// of a projection are a [N, H, L, hd] view that MatMul reads in place.
	ld, nd := 0, 1 // dims of the sequence and the batch
	if m.BatchFirst {
		ld, nd = 1, 0
	}
	L, N, E := query.Size(ld), query.Size(nd), query.Size(2)
	S := key.Size(ld)
	if E != m.EmbedDim || key.Size(2) != E || value.Size(2) != E || key.Size(nd) != N || value.Size(nd) != N || value.Size(ld) != S {
		fail("nn.MultiheadAttention", "query %v, key %v and value %v do not match embed dim %d", query.Shape(), key.Shape(), value.Shape(), m.EmbedDim)
	}
	H, hd := m.Heads, E/m.Heads
	w := m.InProjWeight.Chunk(3, 0)
	b := m.InProjBias.Chunk(3, 0)
	// The query is scaled by 1/sqrt(hd) before the product rather than the scores after it,
	// as PyTorch's attention does: fewer elements ([L, N, E] rather than [N, H, L, S]).
	q := eager.Linear(query, w[0], b[0]).MulScalar(1 / math.Sqrt(float64(hd)))
	k := eager.Linear(key, w[1], b[1])
	v := eager.Linear(value, w[2], b[2])
	heads := func(t *eager.Tensor, n int) *eager.Tensor { // -> [N, H, n, hd]
		if m.BatchFirst {
			return t.Reshape(N, n, H, hd).Permute(0, 2, 1, 3)
		}
		return t.Reshape(n, N, H, hd).Permute(1, 2, 0, 3)
	}
	qh, kh, vh := heads(q, L), heads(k, S), heads(v, S)
	scores := qh.MatMul(kh.Transpose(-2, -1)) // [N, H, L, S]
	// Masks are added to the scores as one float tensor, blocked positions holding -Inf (as
	// PyTorch turns a bool mask into a float one): the masks are combined at their own small
	// broadcast shapes, and the sum's gradient passes through to the scores unchanged.
	var additive *eager.Tensor
	addMask := func(mk *eager.Tensor) {
		if mk.DType() == eager.Bool {
			mk = eager.ZerosOf(scores.DType(), mk.Shape()...).MaskedFill(mk, math.Inf(-1))
		}
		if additive == nil {
			additive = mk
		} else {
			additive = additive.Add(mk)
		}
	}
	if masks.Causal {
		if S > L {
			fail("nn.MultiheadAttention", "causal mask needs S <= L, got L=%d S=%d", L, S)
		}
		addMask(CausalMask(L).Narrow(1, 0, min(S, L)))
	}
	if am := masks.Attn; am != nil {
		if am.Dim() == 3 {
			am = am.Reshape(N, H, L, S)
		}
		addMask(am)
	}
	if kp := masks.KeyPadding; kp != nil {
		if !sameShape(kp.Shape(), []int{N, S}) {
			fail("nn.MultiheadAttention", "key padding mask of shape %v, want %v", kp.Shape(), []int{N, S})
		}
		addMask(kp.Reshape(N, 1, 1, S))
	}
	if additive != nil {
		scores = eager.AddReusing(scores, additive) // into the product's fresh buffer
	}
	attn := scores.Softmax(-1)
	if m.Dropout > 0 && m.Training() {
		attn = eager.Dropout(attn, m.Dropout, true)
	}
	// The product [N, H, L, hd] is written straight into the layout [N, L, H, hd] (or
	// [L, N, H, hd]), where merging the heads is a view, instead of permuted and copied.
	var out *eager.Tensor
	if m.BatchFirst {
		out = m.OutProj.Forward(eager.BmmPermuted(attn, vh, 0, 2, 1, 3).Reshape(N, L, E)) // [N, L, E]
	} else {
		out = m.OutProj.Forward(eager.BmmPermuted(attn, vh, 2, 0, 1, 3).Reshape(L, N, E)) // [L, N, E]
	}
	var weights *eager.Tensor
	if needWeights {
		weights = attn.Mean(1)
	}
	return out, weights
}

// TransformerEncoderLayerConfig configures a TransformerEncoderLayer; zero values take
// PyTorch's defaults (FF 2048, dropout 0.1 unless NoDropout, ReLU, eps 1e-5).
type TransformerEncoderLayerConfig struct {
	DModel, Heads int
	FF            int
	Dropout       float64
	NoDropout     bool
	GELU          bool // activation GELU instead of ReLU
	LayerNormEps  float64
	BatchFirst    bool
	NormFirst     bool // pre-norm
}

// TransformerEncoderLayer is torch.nn.TransformerEncoderLayer: self-attention and a
// feed-forward block, each with a residual connection and LayerNorm (post-norm by default,
// pre-norm with NormFirst).
type TransformerEncoderLayer struct {
	Base
	SelfAttn                    *MultiheadAttention
	Linear1, Linear2            *Linear
	Norm1, Norm2                *LayerNorm
	dropout, dropout1, dropout2 *Dropout
	cfg                         TransformerEncoderLayerConfig
}

// NewTransformerEncoderLayer returns an encoder layer with PyTorch's parameter names.
func NewTransformerEncoderLayer(cfg TransformerEncoderLayerConfig) *TransformerEncoderLayer {
	if cfg.FF == 0 {
		cfg.FF = 2048
	}
	if cfg.Dropout == 0 && !cfg.NoDropout {
		cfg.Dropout = 0.1
	}
	if cfg.NoDropout {
		cfg.Dropout = 0
	}
	if cfg.LayerNormEps == 0 {
		cfg.LayerNormEps = 1e-5
	}
	l := &TransformerEncoderLayer{cfg: cfg}
	l.SelfAttn = Register(l, "self_attn", NewMultiheadAttention(cfg.DModel, cfg.Heads, cfg.Dropout, cfg.BatchFirst))
	l.Linear1 = Register(l, "linear1", NewLinear(cfg.DModel, cfg.FF))
	l.dropout = Register(l, "dropout", NewDropout(cfg.Dropout))
	l.Linear2 = Register(l, "linear2", NewLinear(cfg.FF, cfg.DModel))
	l.Norm1 = Register(l, "norm1", NewLayerNorm(cfg.DModel))
	l.Norm2 = Register(l, "norm2", NewLayerNorm(cfg.DModel))
	l.Norm1.Eps, l.Norm2.Eps = cfg.LayerNormEps, cfg.LayerNormEps
	l.dropout1 = Register(l, "dropout1", NewDropout(cfg.Dropout))
	l.dropout2 = Register(l, "dropout2", NewDropout(cfg.Dropout))
	return l
}

// Forward applies the layer without masks.
func (l *TransformerEncoderLayer) Forward(x *eager.Tensor) *eager.Tensor {
	return l.ForwardMasked(x, AttentionMasks{})
}

// ForwardMasked applies the layer with attention masks (e.g. Causal for a language model).
func (l *TransformerEncoderLayer) ForwardMasked(x *eager.Tensor, masks AttentionMasks) *eager.Tensor {
	sa := func(t *eager.Tensor) *eager.Tensor {
		o, _ := l.SelfAttn.Attend(t, t, t, masks, false)
		return l.dropout1.Forward(o)
	}
	ff := func(t *eager.Tensor) *eager.Tensor {
		h := l.Linear1.Forward(t)
		if l.cfg.GELU {
			h = h.GELU()
		} else {
			h = eager.ReLUReusing(h) // h is Linear1's fresh output
		}
		return l.dropout2.Forward(l.Linear2.Forward(l.dropout.Forward(h)))
	}
	// The residual sums are computed into the branch's fresh output (x + y = y + x exactly).
	if l.cfg.NormFirst {
		x = eager.AddReusing(sa(l.Norm1.Forward(x)), x)
		return eager.AddReusing(ff(l.Norm2.Forward(x)), x)
	}
	x = l.Norm1.Forward(eager.AddReusing(sa(x), x))
	return l.Norm2.Forward(eager.AddReusing(ff(x), x))
}
