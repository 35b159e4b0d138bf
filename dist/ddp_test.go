package dist

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/optim"
)

func testMLP() nn.Module {
	return nn.NewSequential(
		nn.NewLinear(5, 8), &nn.Tanh{},
		nn.NewLinear(8, 8), &nn.ReLU{},
		nn.NewLinear(8, 3),
	)
}

// copyParams copies src's parameters into dst (same architecture).
func copyParams(dst, src nn.Module) {
	sp := src.Parameters()
	eager.NoGrad(func() {
		for i, p := range dst.Parameters() {
			p.CopyFrom(sp[i])
		}
	})
}

// globalBatches returns K batches of ranks*per samples with 5 features and 3 classes.
func globalBatches(k, rows int, dt eager.DType) (xs, ys []*eager.Tensor) {
	g := eager.NewGenerator(7)
	for range k {
		x := make([]float64, rows*5)
		y := make([]int64, rows)
		for i := range x {
			x[i] = g.Float64()*2 - 1
		}
		for i := range y {
			y[i] = int64(g.IntN(3))
		}
		xs = append(xs, eager.FromSlice(x, rows, 5).To(dt))
		ys = append(ys, eager.FromSlice(y))
	}
	return xs, ys
}

// maxDiff returns the largest absolute difference between the parameters of a and b.
func maxDiff(a, b []*eager.Tensor) float64 {
	d := 0.0
	for i := range a {
		x, y := a[i].Float64s(), b[i].Float64s()
		for k := range x {
			d = max(d, math.Abs(x[k]-y[k]))
		}
	}
	return d
}

func newOpt(name string, params []*eager.Tensor) optim.Optimizer {
	if name == "adam" {
		return optim.NewAdam(params, optim.AdamConfig{LR: 0.01})
	}
	return optim.NewSGD(params, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
}

// TestDataParallelMatchesSingleProcess trains K steps with 2 to 4 in-process ranks, each on
// its slice of a global batch, and checks that every rank ends with the parameters that
// one process gets by training on the whole global batch.
func TestDataParallelMatchesSingleProcess(t *testing.T) {
	cases := []struct {
		ranks  int
		dtype  eager.DType
		capMB  float64 // 0: default buckets (one bucket for this model)
		opt    string
		tol    float64
		bucket int // expected number of buckets
	}{
		{2, eager.Float64, 0, "sgd", 1e-12, 1},
		{3, eager.Float64, 1e-9, "adam", 1e-12, 6},
		{4, eager.Float32, 1e-9, "sgd", 1e-5, 6},
		{4, eager.Float64, 200.0 / (1 << 20), "adam", 1e-12, 3}, // 200-byte buckets: grouped params
	}
	const steps, per = 4, 3
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d ranks %v %s cap %g", tc.ranks, tc.dtype, tc.opt, tc.capMB), func(t *testing.T) {
			defer eager.SetDefaultDType(eager.SetDefaultDType(tc.dtype))
			eager.ManualSeed(3)
			ref := testMLP()
			init := testMLP()
			copyParams(init, ref)
			xs, ys := globalBatches(steps, tc.ranks*per, tc.dtype)

			opt := newOpt(tc.opt, ref.Parameters())
			for k := range steps {
				loss := nn.CrossEntropy(ref.Forward(xs[k]), ys[k])
				loss.Backward()
				opt.Step()
				opt.ZeroGrad()
			}

			final := make([][]*eager.Tensor, tc.ranks)
			var mu sync.Mutex
			err := RunLocal(tc.ranks, 30*time.Second, func(c Communicator) error {
				r := c.Rank()
				mu.Lock()
				m := testMLP() // a different initialization on every rank...
				if r == 0 {
					copyParams(m, init) // ...but rank 0's is the reference's
				}
				mu.Unlock()
				ddp, err := NewDataParallel(m, c, DataParallelConfig{BucketCapMB: tc.capMB, FirstBucketCapMB: tc.capMB})
				if err != nil {
					return err
				}
				defer ddp.Close()
				if got := len(ddp.BucketSizes()); got != tc.bucket {
					return fmt.Errorf("%d buckets %v, want %d", got, ddp.BucketSizes(), tc.bucket)
				}
				opt := newOpt(tc.opt, ddp.Parameters())
				for k := range steps {
					x := xs[k].Narrow(0, r*per, per)
					y := ys[k].Narrow(0, r*per, per)
					loss := nn.CrossEntropy(ddp.Forward(x), y)
					loss.Backward()
					if err := ddp.FinishGrads(); err != nil {
						return err
					}
					opt.Step()
					opt.ZeroGrad()
				}
				st := ddp.Stats()
				if st.Steps != steps || st.Early != steps*tc.bucket {
					return fmt.Errorf("stats %+v: every bucket should start during backward", st)
				}
				mu.Lock()
				final[r] = ddp.Parameters()
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for r := range tc.ranks {
				if d := maxDiff(final[r], final[0]); d != 0 {
					t.Errorf("rank %d differs from rank 0 by %g", r, d)
				}
			}
			if d := maxDiff(final[0], ref.Parameters()); d > tc.tol {
				t.Errorf("data-parallel parameters differ from single-process training by %g (tolerance %g)", d, tc.tol)
			}
			if d := maxDiff(init.Parameters(), ref.Parameters()); d < 1e-3 {
				t.Errorf("training did not move the parameters (%g)", d)
			}
		})
	}
}

// TestDataParallelOverlap checks that buckets are reduced during backward: with one bucket
// per parameter, the buckets of the last two layers have been handed to the communication
// goroutine by the time backward reaches the first layer's output, before the first
// layer's gradients are computed.
func TestDataParallelOverlap(t *testing.T) {
	defer eager.SetDefaultDType(eager.SetDefaultDType(eager.Float64))
	err := RunLocal(2, 30*time.Second, func(c Communicator) error {
		m := testMLP().(*nn.Sequential)
		ddp, err := NewDataParallel(m, c, DataParallelConfig{BucketCapMB: 1e-9, FirstBucketCapMB: 1e-9})
		if err != nil {
			return err
		}
		defer ddp.Close()
		x, y := globalBatches(1, 4, eager.Float64)
		h := m.Layers[0].Forward(x[0])
		startedBefore := -1
		h.RegisterHook(func(g *eager.Tensor) *eager.Tensor {
			startedBefore = ddp.next
			return nil
		})
		for _, l := range m.Layers[1:] {
			h = l.Forward(h)
		}
		nn.CrossEntropy(h, y[0]).Backward()
		if err := ddp.FinishGrads(); err != nil {
			return err
		}
		if startedBefore != 4 {
			return fmt.Errorf("%d buckets started when backward reached the first layer, want 4", startedBefore)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// branchy uses its second head only when told to, to test parameters that some ranks
// do not use.
type branchy struct {
	nn.Base
	trunk, head, unused *nn.Linear
	useHead             bool
}

func newBranchy() *branchy {
	b := &branchy{}
	b.trunk = nn.Register(b, "trunk", nn.NewLinear(3, 2))
	b.head = nn.Register(b, "head", nn.NewLinear(2, 2))
	b.unused = nn.Register(b, "unused", nn.NewLinear(2, 2))
	return b
}

func (b *branchy) Forward(x *eager.Tensor) *eager.Tensor {
	h := b.trunk.Forward(x)
	if b.useHead {
		h = b.head.Forward(h)
	}
	return h
}

func TestDataParallelUnusedParameters(t *testing.T) {
	defer eager.SetDefaultDType(eager.SetDefaultDType(eager.Float64))
	grads := make([][]*eager.Tensor, 2)
	err := RunLocal(2, 30*time.Second, func(c Communicator) error {
		m := newBranchy()
		m.useHead = c.Rank() == 1
		ddp, err := NewDataParallel(m, c, DataParallelConfig{})
		if err != nil {
			return err
		}
		defer ddp.Close()
		x := eager.Ones(1, 3)
		ddp.Forward(x).Sum().Backward()
		if err := ddp.FinishGrads(); err != nil {
			return err
		}
		for _, p := range m.Parameters() {
			grads[c.Rank()] = append(grads[c.Rank()], p.Grad())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range grads[0] {
		g0, g1 := grads[0][i], grads[1][i]
		if i >= 4 { // unused.weight, unused.bias: no rank used them
			if g0 != nil || g1 != nil {
				t.Errorf("parameter %d: unused everywhere but got a gradient", i)
			}
			continue
		}
		if g0 == nil || g1 == nil {
			t.Fatalf("parameter %d: missing gradient (%v, %v)", i, g0, g1)
		}
		if d := maxDiff([]*eager.Tensor{g0}, []*eager.Tensor{g1}); d != 0 {
			t.Errorf("parameter %d: ranks disagree by %g", i, d)
		}
	}
	// head.bias: rank 1's gradient is 1 per output, rank 0 contributes zero: average 0.5.
	wantFloats := []float64{0.5, 0.5}
	if got := grads[0][3].Float64s(); fmt.Sprint(got) != fmt.Sprint(wantFloats) {
		t.Errorf("head.bias grad %v, want %v", got, wantFloats)
	}
}

// TestDataParallelNoSync accumulates two micro-batches (the first under NoSync) and checks
// the result equals one synchronized step over both.
func TestDataParallelNoSync(t *testing.T) {
	defer eager.SetDefaultDType(eager.SetDefaultDType(eager.Float64))
	eager.ManualSeed(5)
	ref := testMLP()
	xs, ys := globalBatches(2, 4, eager.Float64) // micro-batch k, rows: rank 0 (0,1), rank 1 (2,3)
	for k := range 2 {
		// mean over each micro-batch's 4 rows, summed over the 2 micro-batches
		nn.CrossEntropy(ref.Forward(xs[k]), ys[k]).Backward()
	}
	var mu sync.Mutex
	got := make([][]*eager.Tensor, 2)
	err := RunLocal(2, 30*time.Second, func(c Communicator) error {
		mu.Lock()
		m := testMLP()
		copyParams(m, ref)
		mu.Unlock()
		ddp, err := NewDataParallel(m, c, DataParallelConfig{BucketCapMB: 1e-9})
		if err != nil {
			return err
		}
		defer ddp.Close()
		r := c.Rank()
		step := func(k int) {
			nn.CrossEntropy(ddp.Forward(xs[k].Narrow(0, 2*r, 2)), ys[k].Narrow(0, 2*r, 2)).Backward()
		}
		ddp.NoSync(func() { step(0) })
		step(1)
		if err := ddp.FinishGrads(); err != nil {
			return err
		}
		for _, p := range m.Parameters() {
			got[r] = append(got[r], p.Grad())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []*eager.Tensor
	for _, p := range ref.Parameters() {
		want = append(want, p.Grad())
	}
	for r := range 2 {
		if d := maxDiff(got[r], want); d > 1e-12 {
			t.Errorf("rank %d: accumulated gradients differ by %g", r, d)
		}
	}
}

func TestDataParallelMisuse(t *testing.T) {
	defer eager.SetDefaultDType(eager.SetDefaultDType(eager.Float64))
	c := NewSingle()
	m := testMLP()
	ddp, err := NewDataParallel(m, c, DataParallelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	x, y := globalBatches(1, 2, eager.Float64)
	loss := func() *eager.Tensor { return nn.CrossEntropy(ddp.Forward(x[0]), y[0]) }

	// Two backward passes of one graph without NoSync: reported by FinishGrads.
	l := loss()
	l.BackwardWith(eager.BackwardOptions{RetainGraph: true})
	l.Backward()
	if err := ddp.FinishGrads(); err == nil || !strings.Contains(err.Error(), "got a second gradient before FinishGrads") {
		t.Fatalf("got %v", err)
	}
	// Forward before FinishGrads: a panic naming this file.
	loss().Backward()
	e := eager.Try(func() { ddp.Forward(x[0]) })
	var ee *eager.Error
	if !errors.As(e, &ee) || !strings.Contains(ee.Msg, "call FinishGrads after Backward") || !strings.HasPrefix(ee.Where, "ddp_test.go:") {
		t.Fatalf("got %v", e)
	}
	if err := ddp.FinishGrads(); err != nil {
		t.Fatal(err)
	}
	ddp.Close()
	if err := ddp.FinishGrads(); !errors.Is(err, ErrClosed) {
		t.Fatalf("FinishGrads after Close: %v", err)
	}
	if _, err := NewDataParallel(m, c, DataParallelConfig{BucketCapMB: -1}); err == nil {
		t.Fatal("negative bucket cap accepted")
	}
}

// TestDataParallelBuffers checks that rank 0's buffers (BatchNorm's running statistics,
// including an int64 scalar) reach every rank at construction and before each training
// forward.
func TestDataParallelBuffers(t *testing.T) {
	err := RunLocal(3, 30*time.Second, func(c Communicator) error {
		bn := nn.NewBatchNorm1d(2)
		m := nn.NewSequential(nn.NewLinear(2, 2), bn)
		eager.NoGrad(func() {
			bn.RunningMean.FillInPlace(float64(c.Rank()))
			bn.NumBatchesTracked.FillInPlace(float64(10 + c.Rank()))
		})
		ddp, err := NewDataParallel(m, c, DataParallelConfig{})
		if err != nil {
			return err
		}
		defer ddp.Close()
		if got := bn.RunningMean.Float64s(); got[0] != 0 || bn.NumBatchesTracked.Item() != 10 {
			return fmt.Errorf("after construction: running mean %v, batches %v", got, bn.NumBatchesTracked.Item())
		}
		eager.NoGrad(func() { bn.RunningVar.FillInPlace(float64(c.Rank() + 1)) })
		x := eager.FromSlice([]float32{1, 2, 3, 5}, 2, 2)
		ddp.Forward(x).Sum().Backward() // rank 0's running_var (1) is copied first, then updated
		if err := ddp.FinishGrads(); err != nil {
			return err
		}
		rv := bn.RunningVar.Float64s()
		all := make([]float64, 2*c.Size())
		if err := c.AllGather(rv, all); err != nil {
			return err
		}
		for k := range all {
			if all[k] != all[k%2] {
				return fmt.Errorf("running_var differs across ranks: %v", all)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDataParallelRankFailure: a rank that dies mid-training makes the others' FinishGrads
// fail quickly with an error that names it.
func TestDataParallelRankFailure(t *testing.T) {
	start := time.Now()
	err := RunLocal(3, time.Minute, func(c Communicator) error {
		ddp, err := NewDataParallel(testMLP(), c, DataParallelConfig{})
		if err != nil {
			return err
		}
		defer ddp.Close()
		x, y := globalBatches(1, 2, eager.Float32)
		for step := range 5 {
			if c.Rank() == 2 && step == 3 {
				panic("simulated crash")
			}
			nn.CrossEntropy(ddp.Forward(x[0]), y[0]).Backward()
			if err := ddp.FinishGrads(); err != nil {
				return fmt.Errorf("step %d: %w", step, err)
			}
		}
		return nil
	})
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("failure took %v to surface", el)
	}
	if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "rank 2: panic: simulated crash") ||
		!strings.Contains(err.Error(), "rank 0: step 3: dist: AllReduce") || !strings.Contains(err.Error(), "rank 2 left the group") {
		t.Fatalf("got %v", err)
	}
}
