package jit

import (
	"fmt"
	"testing"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

// Benchmarks compare eager and compiled runs of the same function in one go:
//
//	go test -run '^$' -bench . ./jit

func sumList(xs ...*eager.Tensor) []*eager.Tensor {
	s := xs[0]
	for _, x := range xs[1:] {
		s = s.Add(x)
	}
	return []*eager.Tensor{s}
}

// BenchmarkSumList adds a list of tensors one Add at a time: eagerly that is n-1 ops and
// n-1 trips through memory; compiled it is one n-ary sum.
func BenchmarkSumList(b *testing.B) {
	for _, c := range []struct{ n, size int }{{100, 4096}, {10000, 1}} {
		xs := make([]*eager.Tensor, c.n)
		for i := range xs {
			xs[i] = eager.Randn(c.size)
		}
		name := fmt.Sprintf("%dx%d", c.n, c.size)
		b.Run("eager/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sumList(xs...)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.n-1), "ns/add")
		})
		if c.size == 1 {
			b.Run("go-alloc-floor/"+name, func(b *testing.B) { benchAllocFloor(b, c.n) })
		}
		b.Run("compiled/"+name, func(b *testing.B) {
			f := Compile(sumList)
			f.Call(xs...)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f.Call(xs...)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.n-1), "ns/add")
		})
		b.Run("compiled-captured/"+name, func(b *testing.B) {
			f := Compile(func(...*eager.Tensor) []*eager.Tensor { return sumList(xs...) })
			f.Call()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f.Call()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.n-1), "ns/add")
		})
	}
}

// floorTensor has the size of a one-element eager tensor (its header, storage header and
// inline data share one 160-byte allocation) and pointer words where it has them.
type floorTensor struct {
	ptrs [4]*floorTensor // as the tensor's storage, shape, node and gradient pointers
	v    float64
	_    [15]uint64
}

var floorSink *floorTensor

// benchAllocFloor is the Go runtime's share of eager's SumList: the same chain of n-1
// additions over n live inputs, each allocating one object of an eager scalar's size and
// doing nothing else. Its ns/add is the garbage collector's and allocator's cost that any Go
// code returning a fresh heap object per addition pays, at the same live heap.
func benchAllocFloor(b *testing.B, n int) {
	xs := make([]*floorTensor, n)
	for i := range xs {
		xs[i] = &floorTensor{v: float64(i)}
		xs[i].ptrs[0] = xs[i]
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := xs[0]
		for _, x := range xs[1:] {
			t := &floorTensor{v: s.v + x.v}
			t.ptrs[0] = t
			s = t
		}
		floorSink = s
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n-1), "ns/add")
}

func fusedElementwise(xs ...*eager.Tensor) []*eager.Tensor {
	x, w, bias := xs[0], xs[1], xs[2]
	return []*eager.Tensor{x.Mul(w).Add(bias).ReLU().MulScalar(0.5).Add(x)}
}

// BenchmarkFusedElementwise computes relu(x*w+b)*0.5+x on 4M float32: eagerly five ops,
// each reading and writing memory; compiled one loop over L1-sized tiles, in parallel.
// "compiled" returns a new tensor at each call, as eager does; "compiled-static" writes into
// an output buffer the compiled function owns (WithStaticOutputs). "memory-floor" reads the
// three inputs and writes the output once, in parallel on all cores with the same fixed
// partition (out = x+w+b): the time the machine's memory bandwidth allows.
func BenchmarkFusedElementwise(b *testing.B) {
	const n = 4 << 20
	xs := []*eager.Tensor{eager.Randn(n), eager.Randn(n), eager.Randn(n)}
	// eager runs the five ops one at a time; eager-deferred with eager's deferred fusion
	// (eager.SetDeferredFusion), which computes the chain in one pass when it is read.
	b.Run("eager", func(b *testing.B) {
		defer eager.SetDeferredFusion(eager.SetDeferredFusion(false))
		b.SetBytes(4 * 4 * n)
		for i := 0; i < b.N; i++ {
			fusedElementwise(xs...)
		}
	})
	b.Run("eager-deferred", func(b *testing.B) {
		b.SetBytes(4 * 4 * n)
		for i := 0; i < b.N; i++ {
			fusedElementwise(xs...)[0].Realize()
		}
	})
	for _, c := range []struct {
		name string
		opts []Option
	}{{"compiled", nil}, {"compiled-static", []Option{WithStaticOutputs()}}} {
		b.Run(c.name, func(b *testing.B) {
			f := Compile(fusedElementwise, c.opts...)
			f.Call(xs...)
			f.Call(xs...)
			b.SetBytes(4 * 4 * n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f.Call(xs...)
			}
		})
	}
	b.Run("memory-floor", func(b *testing.B) {
		x, _ := eager.StorageData[float32](xs[0])
		w32, _ := eager.StorageData[float32](xs[1])
		b32, _ := eager.StorageData[float32](xs[2])
		out := make([]float32, n)
		b.SetBytes(4 * 4 * n)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			parallel.For(n/2048, 1, func(lo, hi int) {
				o, xx, ww, bb := out[lo*2048:hi*2048], x[lo*2048:hi*2048], w32[lo*2048:hi*2048], b32[lo*2048:hi*2048]
				for j := range o {
					o[j] = xx[j] + ww[j] + bb[j]
				}
			})
		}
	})
}

// trainMLP is a 784-256-128-10 classifier trained with optim's Adam.
type trainMLP struct {
	l1, l2, l3 *nn.Linear
	opt        *optim.Adam
}

// newTrainMLP makes the model; capturable selects Adam's tensor step count (needed for the
// update to compile; the results are the same).
func newTrainMLP(capturable bool) *trainMLP {
	eager.ManualSeed(1)
	m := &trainMLP{l1: nn.NewLinear(784, 256), l2: nn.NewLinear(256, 128), l3: nn.NewLinear(128, 10)}
	var params []*eager.Tensor
	for _, l := range []*nn.Linear{m.l1, m.l2, m.l3} {
		params = append(params, l.Weight, l.Bias)
	}
	m.opt = optim.NewAdam(params, optim.AdamConfig{Capturable: capturable})
	return m
}

func (m *trainMLP) step(x, y *eager.Tensor) *eager.Tensor {
	m.opt.ZeroGrad()
	h := m.l1.Forward(x).ReLU()
	h = m.l2.Forward(h).ReLU()
	loss := nn.CrossEntropy(m.l3.Forward(h), y)
	loss.Backward()
	m.opt.Step()
	return loss
}

// BenchmarkMLPTrainStep is one training step (forward, cross-entropy, backward, Adam) of a
// 784-256-128-10 MLP at batch 64, eager and compiled (and compiled with its optimizer
// updates run node by node instead of as an update group), and the first call (trace,
// passes, plan) of the compiled one: its second call, as the first creates Adam's state and
// runs eagerly.
func BenchmarkMLPTrainStep(b *testing.B) {
	x := eager.Randn(64, 784)
	y := eager.RandInt(0, 10, 64)
	b.Run("eager", func(b *testing.B) {
		m := newTrainMLP(false)
		for i := 0; i < b.N; i++ {
			m.step(x, y)
		}
	})
	compile := func(m *trainMLP, opts ...Option) *Func {
		return Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{m.step(xs[0], xs[1])} }, opts...)
	}
	for _, c := range []struct {
		name string
		opts []Option
	}{{"compiled", nil}, {"compiled-no-update-groups", []Option{func(c *config) { c.noUpdateGroups = true }}}} {
		b.Run(c.name, func(b *testing.B) {
			m := newTrainMLP(true)
			f := compile(m, c.opts...)
			f.Call(x, y)
			f.Call(x, y)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f.Call(x, y)
			}
			b.StopTimer()
			if s := f.Stats(); s.Traces != 2 || s.EagerCalls != 1 {
				b.Fatalf("not compiled: %+v", s)
			}
		})
	}
	// The floor: the step's five matrix products (as Gemm computes them, the transposed
	// operands packed) and Adam's pass over every parameter, on raw slices with nothing else:
	// no bias, activation, loss or autograd. A compiled or eager step cannot beat it by much.
	b.Run("gemm-adam-floor", func(b *testing.B) {
		f := func(n int) []float32 { return eager.Randn(n).Float32s() }
		dims := []int{784, 256, 128, 10}
		const batch = 64
		var ws, ms, vs, gs, acts, grads [][]float32
		for l := 0; l+1 < len(dims); l++ {
			ws, ms, vs, gs = append(ws, f(dims[l+1]*dims[l])), append(ms, f(dims[l+1]*dims[l])),
				append(vs, eager.Rand(dims[l+1]*dims[l]).Float32s()), append(gs, f(dims[l+1]*dims[l]))
			acts, grads = append(acts, f(batch*dims[l])), append(grads, f(batch*dims[l+1]))
		}
		out := make([][]float32, len(dims))
		for l := range dims {
			out[l] = make([]float32, batch*dims[l])
		}
		c := kernels.AdamCoefficients[float32]{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001,
			BiasCorrection2Sqrt: 0.03, Eps: 1e-8, NegStepSize: -1e-3}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for l := 0; l+1 < len(dims); l++ { // forward: act·Wᵀ
				k, n := dims[l], dims[l+1]
				kernels.Gemm(false, true, batch, n, k, acts[l], k, ws[l], k, out[l+1], n, false)
			}
			for l := len(dims) - 2; l >= 0; l-- { // backward: gᵀ·act and, past layer 0, g·W
				k, n := dims[l], dims[l+1]
				kernels.Gemm(true, false, n, k, batch, grads[l], n, acts[l], k, gs[l], k, false)
				if l > 0 {
					kernels.Gemm(false, false, batch, k, n, grads[l], n, ws[l], k, out[l], k, false)
				}
			}
			for l := range ws {
				kernels.Adam(ws[l], ms[l], vs[l], gs[l], c)
			}
		}
	})
	b.Run("first-call", func(b *testing.B) {
		var first, trace, comp time.Duration
		for i := 0; i < b.N; i++ {
			m := newTrainMLP(true)
			f := compile(m)
			f.Call(x, y) // creates Adam's state, eagerly
			s0 := f.Stats()
			t0 := time.Now()
			f.Call(x, y)
			first += time.Since(t0)
			s := f.Stats()
			trace += s.TraceTime - s0.TraceTime
			comp += s.CompileTime - s0.CompileTime
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
		b.ReportMetric(ms(first), "ms/first-call")
		b.ReportMetric(ms(trace), "ms/trace")
		b.ReportMetric(ms(comp), "ms/compile")
	})
}

// BenchmarkBlock is a LayerNorm + GELU + Linear block (batch 64, width 512), forward only.
func BenchmarkBlock(b *testing.B) {
	eager.ManualSeed(2)
	const d = 512
	lin := nn.NewLinear(d, d)
	gamma, beta := eager.Ones(d), eager.Zeros(d)
	block := func(xs ...*eager.Tensor) []*eager.Tensor {
		x := xs[0]
		m := x.MeanKeepDim(-1)
		c := x.Sub(m)
		v := c.Mul(c).MeanKeepDim(-1)
		h := c.Div(v.AddScalar(1e-5).Sqrt()).Mul(gamma).Add(beta)
		return []*eager.Tensor{lin.Forward(h.GELU())}
	}
	x := eager.Randn(64, d)
	eager.NoGrad(func() {
		b.Run("eager", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				block(x)
			}
		})
		b.Run("compiled", func(b *testing.B) {
			f := Compile(block)
			f.Call(x)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f.Call(x)
			}
		})
	})
}

// BenchmarkPasses times DefaultPasses (with CSE alone too) on the MLP training step's graph
// as traced, the compile part of a first call without the trace and the plan.
func BenchmarkPasses(b *testing.B) {
	x := eager.Randn(64, 784)
	y := eager.RandInt(0, 10, 64)
	m := newTrainMLP(true)
	f := Compile(func(xs ...*eager.Tensor) []*eager.Tensor { return []*eager.Tensor{m.step(xs[0], xs[1])} })
	f.Call(x, y) // creates Adam's state, eagerly
	f.Call(x, y)
	traced := f.Graphs()[0].Graph
	b.Run("CSE", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			CSE(traced)
		}
	})
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			optimize(traced, &f.cfg)
		}
	})
}
