package eager

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// The backward pass hands the buffers of gradients it no longer references to the buffer
// cache (cache.go), where later allocations of the same pass and of the next step reuse them.
// These tests check that nothing visible changes: gradients are bit-identical to a pass that
// recycles nothing (RetainGraph keeps the graph, so it does not recycle), and forward tensors
// the caller still holds keep their values while their buffers' neighbours are reused.

// recycleProgram is a random program over large tensors (above minCachedBytes): it returns
// the loss and every intermediate tensor, which the caller holds through backward.
func recycleProgram(seed uint64, leaves []*Tensor) (*Tensor, []*Tensor) {
	rng := rand.New(rand.NewPCG(seed, 7))
	vals := slices.Clone(leaves)
	pick := func() *Tensor { return vals[rng.IntN(len(vals))] }
	for range 12 {
		a, b := pick(), pick()
		var t *Tensor
		switch rng.IntN(11) {
		case 0:
			t = a.Add(b)
		case 1:
			t = a.Mul(b)
		case 2:
			t = a.Add(a) // the same gradient reaches one node twice
		case 3:
			t = a.Tanh()
		case 4:
			t = a.Sub(b.Sigmoid())
		case 5:
			t = a.Reshape(256, 128).Transpose(0, 1).Reshape(128, 256) // views of one storage
		case 6:
			t = a.Mul(a.SumKeepDim(1).Expand(128, 256)) // broadcasting through a reduction
		case 7:
			t = a.Narrow(0, 0, 64).Add(b.Narrow(0, 64, 64)).Reshape(64, 256)
			t = t.Reshape(1, 64, 256).Expand(2, 64, 256).Reshape(128, 256)
		case 8:
			t = a.Narrow(1, 0, 128).MatMul(b.Narrow(1, 0, 128).Transpose(0, 1))
			t = t.Reshape(128, 128, 1).Expand(128, 128, 2).Reshape(128, 256)
		case 9:
			t = a.ReLU().MulScalar(0.5).Add(b)
		default:
			t = a.Div(b.Square().AddScalar(1))
		}
		vals = append(vals, t)
	}
	loss := vals[len(vals)-1]
	for _, v := range vals[len(leaves):] {
		loss = loss.Add(v.MulScalar(0.01))
	}
	return loss.Square().Mean(), vals[len(leaves):]
}

func TestBackwardRecyclingMatchesNoRecycling(t *testing.T) {
	for seed := uint64(0); seed < 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ManualSeed(seed)
			leaves := []*Tensor{Randn(128, 256).SetRequiresGrad(true), Randn(128, 256).SetRequiresGrad(true), Randn(128, 256)}
			run := func(recycle bool) ([][]float32, [][]float32) {
				for _, l := range leaves {
					l.ZeroGrad()
				}
				loss, inter := recycleProgram(seed, leaves)
				before := make([][]float32, len(inter))
				for i, v := range inter {
					before[i] = v.Contiguous().Float32s()
				}
				loss.BackwardWith(BackwardOptions{RetainGraph: !recycle})
				for i, v := range inter {
					if !slices.Equal(before[i], v.Contiguous().Float32s()) {
						t.Fatalf("intermediate %d changed during backward (recycle %v)", i, recycle)
					}
				}
				var grads [][]float32
				for _, l := range leaves[:2] {
					var g []float32
					if l.Grad() != nil {
						g = l.Grad().Float32s()
					}
					grads = append(grads, g)
				}
				return grads, before
			}
			want, wantInter := run(false)
			EmptyCache()
			for rep := range 3 { // later repetitions allocate from the filled cache
				got, gotInter := run(true)
				for i := range want {
					if !slices.Equal(want[i], got[i]) {
						t.Fatalf("repetition %d: gradient of leaf %d differs with recycling", rep, i)
					}
				}
				for i := range wantInter {
					if !slices.Equal(wantInter[i], gotInter[i]) {
						t.Fatalf("repetition %d: intermediate %d differs", rep, i)
					}
				}
			}
		})
	}
}

func TestBackwardFillsBufferCache(t *testing.T) {
	EmptyCache()
	x := Randn(256, 256).SetRequiresGrad(true)
	h := x.Tanh()
	h.Mul(h).Sum().Backward()
	if BufferCacheStats().CachedBytes == 0 {
		t.Fatal("backward recycled no gradient buffer")
	}
	g := x.Grad().Float32s() // the leaf's gradient is the caller's and must not be recycled
	y := Randn(256, 256).Tanh().Exp()
	_ = y
	if !slices.Equal(g, x.Grad().Float32s()) {
		t.Fatal("a leaf gradient changed after later allocations")
	}
	EmptyCache()
	if BufferCacheStats().CachedBytes != 0 {
		t.Fatalf("EmptyCache left %d bytes", BufferCacheStats().CachedBytes)
	}
}

func TestBackwardKeepsHookedAndRetainedGradients(t *testing.T) {
	EmptyCache()
	x := Randn(256, 256).SetRequiresGrad(true)
	h := x.Tanh()
	h.RetainGrad()
	var seen *Tensor
	m := h.Mul(h)
	m.RegisterHook(func(g *Tensor) *Tensor { seen = g; return nil })
	m.Sum().Backward()
	hg := h.Grad().Float32s()
	sg := seen.Float32s()
	for range 4 { // reuse whatever the cache holds
		Randn(256, 256).Exp().Tanh()
	}
	if !slices.Equal(hg, h.Grad().Float32s()) || !slices.Equal(sg, seen.Float32s()) {
		t.Fatal("a retained or hooked gradient was recycled")
	}
}

func TestSizeClasses(t *testing.T) {
	for _, n := range []int{minCachedBytes, minCachedBytes + 1, 100000, 1 << 20, 1<<20 + 1, 3 << 20, 123456789} {
		c, size := sizeClass(n)
		if size < n || float64(size) > 1.125*float64(n)+1 || classBytes(c) != size {
			t.Errorf("sizeClass(%d) = %d, %d (classBytes %d)", n, c, size, classBytes(c))
		}
	}
}

// TestUninitOutputsFullyWritten reruns the PyTorch reference and gradient checks with every
// uninitialised buffer poisoned: an op that leaves part of a newTensorUninit result unwritten
// then produces NaNs or garbage there and fails them.
func TestUninitOutputsFullyWritten(t *testing.T) {
	poisonUninit = true
	defer func() { poisonUninit = false }()
	t.Run("TorchReference", TestTorchReference)
	t.Run("GradCheck", TestGradCheck)
	t.Run("Recycling", TestBackwardRecyclingMatchesNoRecycling)
	t.Run("ConvNaive", TestConv2dNaive)
	t.Run("ConvKernels", TestConvKernelsRandom)
	t.Run("ConvKernelsFloat32", TestConvKernelsRandomFloat32)
	t.Run("ConvWideNonFinite", TestConvWideNonFinite)
	t.Run("MaxPool2x2", TestMaxPool2x2Fast)
	t.Run("NormComposite", TestNormMatchesComposite)
	t.Run("StridedViews", TestContiguousStridedViews)
	t.Run("BinaryTransposed", TestBinaryTransposedOperands)
	t.Run("UnaryTransposed", TestUnaryTransposedInput)
	t.Run("Clamp", TestClampMatchesDefinition)
	t.Run("PowScalar", TestPowScalarFastPaths)
	t.Run("Convert", TestConvertLarge)
	t.Run("IndexAndCompare", TestIndexCatCompareLarge)
	t.Run("Where", TestWhereMatchesDefinition)
	t.Run("Extreme", TestExtremeValueMatchesExtremeOf)
	t.Run("Flip", TestFlipLarge)
}

// A leaf's gradient made by the backward pass goes back to the cache at ZeroGrad when it was
// only borrowed, and stays with whoever holds it when Grad handed it out.
func TestZeroGradRecyclesBorrowedGradient(t *testing.T) {
	ManualSeed(4)
	w := Randn(256, 784).SetRequiresGrad(true)
	step := func() { Randn(64, 784).MatMul(w.T()).Tanh().Sum().Backward() } // a new gradient each time

	step()
	EmptyCache()
	if w.BorrowGrad() == nil {
		t.Fatal("no gradient")
	}
	w.ZeroGrad()
	if got := BufferCacheStats().CachedBytes; got < 256*784*4 {
		t.Fatalf("ZeroGrad of a borrowed gradient cached %d bytes, want its %d", got, 256*784*4)
	}
	hits := BufferCacheStats().Hits
	step()
	if BufferCacheStats().Hits == hits {
		t.Fatal("the next backward did not reuse a cached buffer")
	}

	g := w.Grad() // handed out: must survive ZeroGrad and later allocations
	want := slices.Clone(g.Float32s())
	w.ZeroGrad()
	for range 3 {
		step()
		w.ZeroGrad()
	}
	if !slices.Equal(want, g.Float32s()) {
		t.Fatal("a gradient handed out by Grad was recycled by ZeroGrad")
	}
}

// Several goroutines train on separate graphs that share parameters while the buffer cache
// hands buffers between them: every gradient must equal the one computed alone.
func TestRecyclingConcurrentBackward(t *testing.T) {
	ManualSeed(8)
	w := Randn(256, 128).SetRequiresGrad(true)
	xs := make([]*Tensor, 4)
	for i := range xs {
		xs[i] = Randn(64, 256)
	}
	grad := func(x *Tensor) []float32 {
		g := Grad([]*Tensor{x.MatMul(w).Tanh().Square().Sum()}, []*Tensor{w}, GradOptions{})
		return g[0].Float32s()
	}
	want := make([][]float32, len(xs))
	for i, x := range xs {
		want[i] = grad(x)
	}
	errs := make(chan string, 64)
	var wg sync.WaitGroup
	for i, x := range xs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				// Backward recycles (Grad does not): a leaf per goroutine collects the gradient
				// of a private copy of w through a shared intermediate.
				wi := w.Detach().Clone().SetRequiresGrad(true)
				h := x.MatMul(wi).Tanh()
				h.Square().Sum().Backward()
				if !slices.Equal(wi.Grad().Float32s(), want[i]) {
					errs <- fmt.Sprintf("goroutine %d: gradient differs", i)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// A new gradient that views the borrowed old one keeps the buffer alive.
func TestSetGradViewOfBorrowedGradient(t *testing.T) {
	w := Randn(256, 256).SetRequiresGrad(true)
	w.Tanh().Sum().Backward()
	old := w.BorrowGrad()
	want := old.Float32s()
	w.SetGrad(old.Reshape(256, 256)) // a view of the same storage becomes the gradient
	Randn(256, 256).Exp()            // reuse whatever the cache holds
	if !slices.Equal(w.Grad().Float32s(), want) {
		t.Fatal("the gradient's buffer was recycled while the new gradient views it")
	}
}

// A node keeps its output's shape for messages, inline up to rank 4 and beside it above.
func TestNodeOutShape(t *testing.T) {
	for _, shape := range [][]int{{}, {3}, {2, 3, 4, 5}, {1, 2, 1, 2, 1, 2}} {
		x := Ones(shape...).SetRequiresGrad(true)
		y := x.MulScalar(2)
		if got := y.node.outShape(); !slices.Equal(got, shape) {
			t.Errorf("outShape = %v, want %v", got, shape)
		}
	}
}
