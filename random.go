package eager

import (
	"math"
	"math/rand/v2"
	"sync"
)

// Generator is a seeded source of random numbers for Rand, Randn, RandInt, Dropout and the
// data loader's shuffling. The same seed gives the same sequence on every run and machine.
// A Generator is safe for use by several goroutines; the order in which they draw decides
// who gets which numbers, so reproducible programs draw from one goroutine or give each
// goroutine its own Generator.
type Generator struct {
	mu  sync.Mutex
	pcg *rand.PCG
	rng *rand.Rand
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed uint64) *Generator {
	g := &Generator{}
	g.Seed(seed)
	return g
}

// Seed resets the generator to the start of seed's sequence.
func (g *Generator) Seed(seed uint64) {
	g.mu.Lock()
	g.pcg = rand.NewPCG(seed, 0x9e3779b97f4a7c15)
	g.rng = rand.New(g.pcg)
	g.mu.Unlock()
}

// State returns the generator's state, for checkpoints; Restore sets it back.
func (g *Generator) State() []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	b, _ := g.pcg.MarshalBinary()
	return b
}

// Restore sets the generator to a state returned by State.
func (g *Generator) Restore(state []byte) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pcg.UnmarshalBinary(state)
}

// Float64 returns a uniform number in [0, 1).
func (g *Generator) Float64() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.Float64()
}

// IntN returns a uniform integer in [0, n).
func (g *Generator) IntN(n int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.IntN(n)
}

// Perm returns a random permutation of [0, n).
func (g *Generator) Perm(n int) []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rng.Perm(n)
}

// fill calls f with the locked rand.Rand, for drawing many values at once.
func (g *Generator) fill(f func(r *rand.Rand)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(g.rng)
}

var defaultGen = NewGenerator(0)

// DefaultGenerator returns the global generator used by Rand, Randn, RandInt and Dropout.
func DefaultGenerator() *Generator { return defaultGen }

// ManualSeed seeds the global generator, making Rand, Randn, RandInt, Dropout and anything else
// drawing from it reproducible.
func ManualSeed(seed uint64) { defaultGen.Seed(seed) }

// Rand returns a float32 tensor of uniform samples in [0, 1).
func Rand(shape ...int) *Tensor { return RandOf(DefaultDType(), shape...) }

// RandOf is Rand with a dtype.
func RandOf(dt DType, shape ...int) *Tensor {
	checkShape("Rand", shape)
	t := newTensor(dt, shape)
	defaultGen.fill(func(r *rand.Rand) {
		switch dt {
		case Float32:
			for i := range t.st.f32() {
				t.st.f32()[i] = r.Float32()
			}
		case Float64:
			for i := range t.st.f64() {
				t.st.f64()[i] = r.Float64()
			}
		default:
			failf("Rand", "dtype %v is not a floating-point type", dt)
		}
	})
	randEvent(t, "uniform")
	return t
}

// Randn returns a float32 tensor of standard normal samples.
func Randn(shape ...int) *Tensor { return RandnOf(DefaultDType(), shape...) }

// RandnOf is Randn with a dtype.
func RandnOf(dt DType, shape ...int) *Tensor {
	checkShape("Randn", shape)
	t := newTensor(dt, shape)
	defaultGen.fill(func(r *rand.Rand) {
		switch dt {
		case Float32:
			for i := range t.st.f32() {
				t.st.f32()[i] = float32(r.NormFloat64())
			}
		case Float64:
			for i := range t.st.f64() {
				t.st.f64()[i] = r.NormFloat64()
			}
		default:
			failf("Randn", "dtype %v is not a floating-point type", dt)
		}
	})
	randEvent(t, "normal")
	return t
}

// RandInt returns an int64 tensor of uniform integers in [low, high).
func RandInt(low, high int64, shape ...int) *Tensor {
	checkShape("RandInt", shape)
	if high <= low {
		failf("RandInt", "empty range [%d, %d)", low, high)
	}
	t := newTensor(Int64, shape)
	defaultGen.fill(func(r *rand.Rand) {
		for i := range t.st.i64() {
			t.st.i64()[i] = low + r.Int64N(high-low)
		}
	})
	randEvent(t, "int", Attr{"low", low}, Attr{"high", high})
	return t
}

// RandLike returns Rand with x's shape and dtype.
func RandLike(x *Tensor) *Tensor { return RandOf(x.dtype, x.shape...) }

// RandnLike returns Randn with x's shape and dtype.
func RandnLike(x *Tensor) *Tensor { return RandnOf(x.dtype, x.shape...) }

// bernoulliMask returns a float tensor of x's dtype and shape holding scale with probability
// 1-p and 0 otherwise (the Dropout mask, pre-scaled).
func bernoulliMask(dt DType, shape []int, p float64) *Tensor {
	t := newTensor(dt, shape)
	scale := 1 / (1 - p)
	defer randEvent(t, "bernoulli", Attr{"p", p})
	if math.IsInf(scale, 0) {
		return t
	}
	defaultGen.fill(func(r *rand.Rand) {
		switch dt {
		case Float32:
			for i := range t.st.f32() {
				if r.Float64() >= p {
					t.st.f32()[i] = float32(scale)
				}
			}
		case Float64:
			for i := range t.st.f64() {
				if r.Float64() >= p {
					t.st.f64()[i] = scale
				}
			}
		}
	})
	return t
}
