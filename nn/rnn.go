package nn

import (
	"fmt"
	"math"

	"github.com/eagerml/eager"
)

// RNNConfig configures LSTM and GRU, as PyTorch's constructor arguments.
type RNNConfig struct {
	InputSize, HiddenSize int
	NumLayers             int  // default 1
	NoBias                bool // PyTorch's bias=False
	BatchFirst            bool // inputs and outputs are [batch, seq, feature] instead of [seq, batch, feature]
	Bidirectional         bool
	Dropout               float64 // dropout on the outputs of every layer but the last, in training
}

// recurrent holds the parameters shared by LSTM and GRU: per layer and direction, weight_ih
// [gates*H, in], weight_hh [gates*H, H], bias_ih and bias_hh [gates*H], with PyTorch's names
// (weight_ih_l0, weight_hh_l0_reverse, ...).
type recurrent struct {
	Base
	cfg   RNNConfig
	gates int
	w     [][4]*eager.Tensor // [layer*dirs+dir] -> wih, whh, bih, bhh
}

func newRecurrent(op string, cfg RNNConfig, gates int) recurrent {
	if cfg.NumLayers == 0 {
		cfg.NumLayers = 1
	}
	if cfg.InputSize <= 0 || cfg.HiddenSize <= 0 || cfg.NumLayers < 0 {
		fail(op, "input size %d, hidden size %d and layers %d must be positive", cfg.InputSize, cfg.HiddenSize, cfg.NumLayers)
	}
	r := recurrent{cfg: cfg, gates: gates}
	H := cfg.HiddenSize
	k := 1 / math.Sqrt(float64(H))
	dirs := r.dirs()
	for l := 0; l < cfg.NumLayers; l++ {
		in := cfg.InputSize
		if l > 0 {
			in = H * dirs
		}
		for d := 0; d < dirs; d++ {
			sfx := fmt.Sprintf("_l%d", l)
			if d == 1 {
				sfx += "_reverse"
			}
			var p [4]*eager.Tensor
			p[0] = Uniform(r.RegisterParameter("weight_ih"+sfx, eager.Zeros(gates*H, in)), -k, k)
			p[1] = Uniform(r.RegisterParameter("weight_hh"+sfx, eager.Zeros(gates*H, H)), -k, k)
			if !cfg.NoBias {
				p[2] = Uniform(r.RegisterParameter("bias_ih"+sfx, eager.Zeros(gates*H)), -k, k)
				p[3] = Uniform(r.RegisterParameter("bias_hh"+sfx, eager.Zeros(gates*H)), -k, k)
			}
			r.w = append(r.w, p)
		}
	}
	return r
}

func (r *recurrent) dirs() int {
	if r.cfg.Bidirectional {
		return 2
	}
	return 1
}

// cell advances one time step: given the precomputed input projection xp [B, gates*H] and
// the state, it returns the new state.
type cell func(xp *eager.Tensor, h, c *eager.Tensor, p [4]*eager.Tensor) (*eager.Tensor, *eager.Tensor)

// run applies all layers and directions to x [T, B, in] (time-major) with initial states
// h0, c0 [layers*dirs, B, H] (nil = zeros; c only for LSTM) and optional per-sequence
// lengths. It returns the output [T, B, dirs*H] and the final states.
func (r *recurrent) run(op string, x, h0, c0 *eager.Tensor, lengths []int, step cell, hasC bool) (*eager.Tensor, *eager.Tensor, *eager.Tensor) {
	if x.Dim() != 3 {
		fail(op, "input must be 3-D ([seq, batch, feature] or batch-first), got shape %v", x.Shape())
	}
	if r.cfg.BatchFirst {
		x = x.Transpose(0, 1)
	}
	T, B := x.Size(0), x.Size(1)
	if x.Size(2) != r.cfg.InputSize {
		fail(op, "input feature size %d does not match input size %d (input shape %v)", x.Size(2), r.cfg.InputSize, x.Shape())
	}
	H, dirs, L := r.cfg.HiddenSize, r.dirs(), r.cfg.NumLayers
	for _, s := range []*eager.Tensor{h0, c0} {
		if s != nil && !sameShape(s.Shape(), []int{L * dirs, B, H}) {
			fail(op, "initial state of shape %v, want %v", s.Shape(), []int{L * dirs, B, H})
		}
	}
	if lengths != nil {
		if len(lengths) != B {
			fail(op, "%d lengths for a batch of %d", len(lengths), B)
		}
		for _, n := range lengths {
			if n < 0 || n > T {
				fail(op, "sequence length %d out of range [0, %d]", n, T)
			}
		}
	}
	// masks[t] is [B, 1]: 1 where step t is inside the sequence.
	var masks []*eager.Tensor
	if lengths != nil {
		masks = make([]*eager.Tensor, T)
		for t := 0; t < T; t++ {
			m := make([]bool, B)
			for b, n := range lengths {
				m[b] = t < n
			}
			masks[t] = eager.FromSlice(m, B, 1)
		}
	}
	var hs, cs []*eager.Tensor
	layerIn := x
	for l := 0; l < L; l++ {
		outs := make([]*eager.Tensor, dirs)
		for d := 0; d < dirs; d++ {
			idx := l*dirs + d
			p := r.w[idx]
			var h, c *eager.Tensor
			if h0 != nil {
				h = h0.Select(0, idx)
			} else {
				h = eager.ZerosOf(x.DType(), B, H)
			}
			if hasC {
				if c0 != nil {
					c = c0.Select(0, idx)
				} else {
					c = eager.ZerosOf(x.DType(), B, H)
				}
			}
			// Input projections for all steps at once: one GEMM.
			xp := eager.Linear(layerIn, p[0], p[2]) // [T, B, gates*H]
			steps := make([]*eager.Tensor, T)
			for i := 0; i < T; i++ {
				t := i
				if d == 1 {
					t = T - 1 - i
				}
				nh, nc := step(xp.Select(0, t), h, c, p)
				if masks != nil {
					m := masks[t]
					nh = eager.Where(m, nh, h)
					if hasC {
						nc = eager.Where(m, nc, c)
					}
					steps[t] = eager.Where(m, nh, eager.ZerosLike(nh))
				} else {
					steps[t] = nh
				}
				h, c = nh, nc
			}
			outs[d] = eager.Stack(steps, 0)
			hs = append(hs, h)
			if hasC {
				cs = append(cs, c)
			}
		}
		if dirs == 1 {
			layerIn = outs[0]
		} else {
			layerIn = eager.Cat(outs, 2)
		}
		if r.cfg.Dropout > 0 && l < L-1 {
			layerIn = eager.Dropout(layerIn, r.cfg.Dropout, r.Training())
		}
	}
	out := layerIn
	if r.cfg.BatchFirst {
		out = out.Transpose(0, 1)
	}
	hN := eager.Stack(hs, 0)
	var cN *eager.Tensor
	if hasC {
		cN = eager.Stack(cs, 0)
	}
	return out, hN, cN
}

// LSTM is a multi-layer long short-term memory network, as torch.nn.LSTM (gates i, f, g, o;
// same parameter names and initialisation).
type LSTM struct{ recurrent }

// NewLSTM returns an LSTM.
func NewLSTM(cfg RNNConfig) *LSTM { return &LSTM{newRecurrent("nn.LSTM", cfg, 4)} }

// Forward returns the output sequence for x with zero initial states.
func (m *LSTM) Forward(x *eager.Tensor) *eager.Tensor {
	out, _, _ := m.ForwardState(x, nil, nil, nil)
	return out
}

// ForwardState runs the LSTM from initial states h0, c0 ([layers*dirs, batch, hidden], nil
// for zeros). With lengths (one per batch element) each sequence stops at its length: later
// outputs are zero and the final states are those at the last valid step, as with PyTorch's
// packed sequences. It returns the output and the final h and c.
func (m *LSTM) ForwardState(x, h0, c0 *eager.Tensor, lengths []int) (out, h, c *eager.Tensor) {
	H := m.cfg.HiddenSize
	step := func(xp, h, c *eager.Tensor, p [4]*eager.Tensor) (*eager.Tensor, *eager.Tensor) {
		g := xp.Add(eager.Linear(h, p[1], p[3]))
		parts := g.Split(H, 1)
		i, f, gg, o := parts[0].Sigmoid(), parts[1].Sigmoid(), parts[2].Tanh(), parts[3].Sigmoid()
		nc := f.Mul(c).Add(i.Mul(gg))
		return o.Mul(nc.Tanh()), nc
	}
	return m.run("nn.LSTM", x, h0, c0, lengths, step, true)
}

// GRU is a multi-layer gated recurrent unit network, as torch.nn.GRU (gates r, z, n).
type GRU struct{ recurrent }

// NewGRU returns a GRU.
func NewGRU(cfg RNNConfig) *GRU { return &GRU{newRecurrent("nn.GRU", cfg, 3)} }

// Forward returns the output sequence for x with a zero initial state.
func (m *GRU) Forward(x *eager.Tensor) *eager.Tensor {
	out, _ := m.ForwardState(x, nil, nil)
	return out
}

// ForwardState runs the GRU from h0 (nil for zeros) with optional per-sequence lengths and
// returns the output and the final hidden state.
func (m *GRU) ForwardState(x, h0 *eager.Tensor, lengths []int) (out, h *eager.Tensor) {
	H := m.cfg.HiddenSize
	step := func(xp, h, _ *eager.Tensor, p [4]*eager.Tensor) (*eager.Tensor, *eager.Tensor) {
		hp := eager.Linear(h, p[1], p[3])
		xs, hs := xp.Split(H, 1), hp.Split(H, 1)
		r := xs[0].Add(hs[0]).Sigmoid()
		z := xs[1].Add(hs[1]).Sigmoid()
		n := xs[2].Add(r.Mul(hs[2])).Tanh()
		return z.RSubScalar(1).Mul(n).Add(z.Mul(h)), nil
	}
	out, h, _ = m.run("nn.GRU", x, h0, nil, lengths, step, false)
	return out, h
}
