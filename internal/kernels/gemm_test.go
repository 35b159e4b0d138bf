package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// guard fills the parts of c that Gemm must not write.
const guard = -12345.5

type gemmCase struct {
	transA, transB, acc bool
	m, n, k             int
	lda, ldb, ldc       int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,acc=%v,m=%d,n=%d,k=%d,ld=%d/%d/%d", tc.transA, tc.transB, tc.acc, tc.m, tc.n, tc.k, tc.lda, tc.ldb, tc.ldc)
}

// operands returns A and B cut to exactly the length the last row needs, and C with guard
// values in its row padding and after its end.
func operands[T Float](rng *rand.Rand, tc gemmCase) (a, b, c []T) {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	tight := func(rows, cols, ld int) []T {
		if rows == 0 || cols == 0 {
			return nil
		}
		s := make([]T, (rows-1)*ld+cols)
		for i := range s {
			s[i] = T(rng.Float64()*2 - 1)
		}
		return s
	}
	a, b = tight(ar, ac, tc.lda), tight(br, bc, tc.ldb)
	c = make([]T, tc.m*tc.ldc+7)
	for i := range c {
		c[i] = guard
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			c[i*tc.ldc+j] = T(rng.Float64()*2 - 1)
		}
	}
	return a, b, c
}

// gemmRef is the defining loop run in float64, with the magnitude Σ|A(i,p)·B(p,j)| (plus
// |C| when accumulating) that scales the tolerance.
func gemmRef[T Float](tc gemmCase, a, b, c0 []T) (want, mag []float64) {
	want, mag = make([]float64, tc.m*tc.n), make([]float64, tc.m*tc.n)
	sa, ta := tc.lda, 1
	if tc.transA {
		sa, ta = 1, tc.lda
	}
	sb, tb := 1, tc.ldb
	if tc.transB {
		sb, tb = tc.ldb, 1
	}
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var s, g float64
			for p := 0; p < tc.k; p++ {
				v := float64(a[i*sa+p*ta]) * float64(b[p*tb+j*sb])
				s += v
				g += math.Abs(v)
			}
			if tc.acc {
				s += float64(c0[i*tc.ldc+j])
				g += math.Abs(float64(c0[i*tc.ldc+j]))
			}
			want[i*tc.n+j], mag[i*tc.n+j] = s, g
		}
	}
	return want, mag
}

// checkGemm compares got against the reference and checks that guard values are intact.
func checkGemm[T Float](t *testing.T, name string, tc gemmCase, want, mag []float64, got []T) {
	t.Helper()
	eps := 1e-6
	if any(T(0)) == any(float64(0)) {
		eps = 1e-14
	}
	for i := range got {
		r, j := i/tc.ldc, i%tc.ldc
		if r >= tc.m || j >= tc.n {
			if got[i] != guard {
				t.Fatalf("%s %v: wrote outside C at %d (row %d col %d): %v", name, tc, i, r, j, got[i])
			}
			continue
		}
		w := want[r*tc.n+j]
		if d := math.Abs(float64(got[i]) - w); !(d <= eps*(mag[r*tc.n+j]+1)) {
			t.Fatalf("%s %v: C[%d,%d] = %v, want %v", name, tc, r, j, got[i], w)
		}
	}
}

var gemmDims = []int{0, 1, 2, 3, 5, 7, 8, 11, 12, 13, 17, 24, 31, 32, 33, 47, 65, 70}

func gemmCases(short bool) []gemmCase {
	dims := gemmDims
	if short {
		dims = []int{0, 1, 3, 12, 13, 33, 65}
	}
	var cs []gemmCase
	i := 0
	for _, m := range dims {
		for _, n := range dims {
			for _, k := range dims {
				i++
				for tr := 0; tr < 4; tr++ {
					tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, acc: i%2 == 0, m: m, n: n, k: k}
					pad := i % 3 // 0: tight strides, else padded
					tc.lda, tc.ldb, tc.ldc = k+pad*5, n+pad*3, n+pad*2
					if tc.transA {
						tc.lda = m + pad*5
					}
					if tc.transB {
						tc.ldb = k + pad*3
					}
					tc.lda, tc.ldb, tc.ldc = max(tc.lda, 1), max(tc.ldb, 1), max(tc.ldc, 1)
					cs = append(cs, tc)
				}
			}
		}
	}
	// Shapes that cross the kc, mc and nc blocks and take the parallel path.
	for _, s := range [][3]int{{130, 530, 300}, {1, 700, 300}, {300, 1, 270}, {257, 129, 513}, {2, 2000, 40}, {600, 3, 70}, {5, 3000, 100}, {20, 700, 300}, {70, 1100, 5}, {1, 5003, 20}, {4100, 1, 33}} {
		for tr := 0; tr < 4; tr++ {
			tc := gemmCase{transA: tr&1 != 0, transB: tr&2 != 0, acc: tr == 1, m: s[0], n: s[1], k: s[2]}
			tc.lda, tc.ldb, tc.ldc = s[2]+1, s[1]+2, s[1]+3
			if tc.transA {
				tc.lda = s[0] + 1
			}
			if tc.transB {
				tc.ldb = s[2] + 2
			}
			cs = append(cs, tc)
		}
	}
	// Row strides of 4 and 2 KiB (A read in place, B packed when it is 4 KiB).
	cs = append(cs, gemmCase{m: 40, n: 50, k: 30, lda: 1024, ldb: 50, ldc: 50},
		gemmCase{m: 40, n: 50, k: 30, lda: 512, ldb: 50, ldc: 50, acc: true},
		gemmCase{m: 40, n: 50, k: 30, lda: 1024, ldb: 1024, ldc: 50, transA: true},
		gemmCase{m: 40, n: 50, k: 300, lda: 2048, ldb: 1024, ldc: 50, transA: true, acc: true})
	return cs
}

type gemmRunner[T Float] struct {
	name string
	run  func(tc gemmCase, a, b, c []T)
}

func gemmRunners[T Float](variants []*gemmConfig[T]) []gemmRunner[T] {
	rs := []gemmRunner[T]{{"Gemm", func(tc gemmCase, a, b, c []T) {
		Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, c, tc.ldc, tc.acc)
	}}}
	for _, g := range variants {
		rs = append(rs, gemmRunner[T]{g.name, func(tc gemmCase, a, b, c []T) {
			gemm(g, tc.transA, tc.transB, tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, c, tc.ldc, tc.acc)
		}})
	}
	return rs
}

func testGemm[T Float](t *testing.T, runners []gemmRunner[T]) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range gemmCases(testing.Short()) {
		a, b, c0 := operands[T](rng, tc)
		want, mag := gemmRef(tc, a, b, c0)
		for _, r := range runners {
			c := append([]T(nil), c0...)
			r.run(tc, a, b, c)
			checkGemm(t, r.name, tc, want, mag, c)
		}
	}
}

// TestGemm checks Gemm and every micro-kernel variant this CPU runs against the defining
// loop, over all transpose and accumulate combinations, edge sizes and padded strides.
func TestGemm(t *testing.T) {
	s32, d64 := gemmVariants()
	t.Run("f32", func(t *testing.T) { testGemm(t, gemmRunners(s32)) })
	t.Run("f64", func(t *testing.T) { testGemm(t, gemmRunners(d64)) })
}

// TestGemmDeterministic checks that the split across cores does not change any bit.
func TestGemmDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []gemmCase{
		{m: 300, n: 200, k: 600, lda: 600, ldb: 200, ldc: 200},
		{m: 20, n: 900, k: 300, lda: 300, ldb: 900, ldc: 900, transB: true},
		{m: 1, n: 900, k: 300, lda: 300, ldb: 900, ldc: 900},
		{m: 513, n: 1, k: 300, lda: 513, ldb: 1, ldc: 1, transA: true},
		// The MLP's first layer (split by columns) and a tall product (split by rows).
		{m: 64, n: 256, k: 784, lda: 784, ldb: 784, ldc: 256, transB: true},
		{m: 256, n: 784, k: 64, lda: 256, ldb: 784, ldc: 784, transA: true},
		{m: 64, n: 784, k: 256, lda: 256, ldb: 784, ldc: 784},
		{m: 700, n: 300, k: 90, lda: 90, ldb: 300, ldc: 300},
		// A transposed weight gradient with more rows than columns (split by rows).
		{m: 512, n: 65, k: 2048, lda: 512, ldb: 65, ldc: 65, transA: true},
	} {
		if tc.transB {
			tc.ldb = tc.k
		}
		a, b, c := operands[float32](rng, tc)
		a64, b64, c64 := operands[float64](rng, tc)
		var want32 []float32
		var want64 []float64
		for _, procs := range []int{1, 2, 3, 1} {
			runtime.GOMAXPROCS(procs)
			got32 := append([]float32(nil), c...)
			got64 := append([]float64(nil), c64...)
			Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, got32, tc.ldc, true)
			Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, a64, tc.lda, b64, tc.ldb, got64, tc.ldc, true)
			if want32 == nil {
				want32, want64 = got32, got64
				continue
			}
			for i := range got32 {
				if math.Float32bits(got32[i]) != math.Float32bits(want32[i]) {
					t.Fatalf("%v: f32 C[%d] differs with GOMAXPROCS=%d: %v vs %v", tc, i, procs, got32[i], want32[i])
				}
			}
			for i := range got64 {
				if math.Float64bits(got64[i]) != math.Float64bits(want64[i]) {
					t.Fatalf("%v: f64 C[%d] differs with GOMAXPROCS=%d: %v vs %v", tc, i, procs, got64[i], want64[i])
				}
			}
		}
	}
}

// TestGemmInPlaceSameBits checks that reading A and B in place gives the same bits as packing
// them.
func TestGemmInPlaceSameBits(t *testing.T) {
	s32, d64 := gemmVariants()
	for _, transA := range []bool{false, true} {
		tc := gemmCase{m: 77, n: 90, k: 300, lda: 301, ldb: 90, ldc: 91, transA: transA, acc: true}
		if transA {
			tc.lda = 79
		}
		for _, g := range s32 {
			sameBitsVaried(t, g, tc, "packed", func(c *gemmConfig[float32]) { c.packAll = true })
		}
		for _, g := range d64 {
			sameBitsVaried(t, g, tc, "packed", func(c *gemmConfig[float64]) { c.packAll = true })
		}
	}
}

// TestGemmLoopOrderSameBits checks that the two loop orders over a block's tiles (A's panel
// held in L1 while B's panels stream, every tile through tile; or B's panel held, whole
// tiles calling the micro-kernel from the loop) give the same bits: with A read in place
// by rows or transposed, packed (a transposed A whose rows are 4 KiB apart), edge tiles in
// both dims, several depth blocks, and accumulation.
func TestGemmLoopOrderSameBits(t *testing.T) {
	s32, d64 := gemmVariants()
	for _, tc := range []gemmCase{
		{m: 77, n: 90, k: 300, lda: 301, ldb: 90, ldc: 91, acc: true},
		{m: 77, n: 90, k: 300, lda: 79, ldb: 90, ldc: 90, transA: true},
		{m: 40, n: 33, k: 700, lda: 1024, ldb: 700, ldc: 33, transA: true, transB: true, acc: true},
		{m: 6, n: 16, k: 9, lda: 9, ldb: 16, ldc: 16},
		{m: 13, n: 70, k: 5, lda: 5, ldb: 5, ldc: 70, transB: true},
	} {
		for _, g := range s32 {
			sameBitsVaried(t, g, tc, "in the other loop order", func(c *gemmConfig[float32]) { c.aInL1 = !c.aInL1 })
		}
		for _, g := range d64 {
			sameBitsVaried(t, g, tc, "in the other loop order", func(c *gemmConfig[float64]) { c.aInL1 = !c.aInL1 })
		}
	}
}

// sameBitsVaried checks that g computes tc with the same bits as a copy of g changed by vary
// (described by what).
func sameBitsVaried[T Float](t *testing.T, g *gemmConfig[T], tc gemmCase, what string, vary func(*gemmConfig[T])) {
	t.Helper()
	a, b, c0 := operands[T](rand.New(rand.NewPCG(5, 6)), tc)
	other := cloneConfig(g)
	vary(other)
	got, want := append([]T(nil), c0...), append([]T(nil), c0...)
	gemm(g, tc.transA, tc.transB, tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, got, tc.ldc, tc.acc)
	gemm(other, tc.transA, tc.transB, tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, want, tc.ldc, tc.acc)
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s %v: C[%d] = %v, %v %s", g.name, tc, i, got[i], want[i], what)
		}
	}
}

// cloneConfig copies a configuration's kernels and blocking (not its pools).
func cloneConfig[T Float](g *gemmConfig[T]) *gemmConfig[T] {
	return &gemmConfig[T]{name: g.name, mr: g.mr, nr: g.nr, kc: g.kc, mc: g.mc, nc: g.nc, aInL1: g.aInL1,
		kern: g.kern, kernDirect: g.kernDirect, directBRows: g.directBRows, gemvN: g.gemvN, gemvT: g.gemvT}
}

// TestGemmSerialSameBits checks that GemmSerial gives Gemm's bits, on products large enough
// for Gemm to split across cores, small ones, and matrix-vector shapes.
func TestGemmSerialSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []gemmCase{
		{m: 300, n: 200, k: 600, lda: 600, ldb: 200, ldc: 200},
		{m: 64, n: 196, k: 288, lda: 288, ldb: 196, ldc: 196},
		{m: 288, n: 64, k: 196, lda: 288, ldb: 196, ldc: 64, transA: true, transB: true},
		{m: 20, n: 900, k: 300, lda: 300, ldb: 300, ldc: 900, transB: true},
		{m: 5, n: 7, k: 3, lda: 3, ldb: 7, ldc: 7},
		{m: 1, n: 900, k: 300, lda: 300, ldb: 900, ldc: 900},
		{m: 0, n: 9, k: 3, lda: 3, ldb: 9, ldc: 9},
		{m: 4, n: 9, k: 0, lda: 1, ldb: 9, ldc: 9},
	} {
		for _, acc := range []bool{false, true} {
			a, b, c := operands[float32](rng, tc)
			a64, b64, c64 := operands[float64](rng, tc)
			got32, want32 := append([]float32(nil), c...), append([]float32(nil), c...)
			got64, want64 := append([]float64(nil), c64...), append([]float64(nil), c64...)
			GemmSerial(tc.transA, tc.transB, tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, got32, tc.ldc, acc)
			Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, a, tc.lda, b, tc.ldb, want32, tc.ldc, acc)
			GemmSerial(tc.transA, tc.transB, tc.m, tc.n, tc.k, a64, tc.lda, b64, tc.ldb, got64, tc.ldc, acc)
			Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, a64, tc.lda, b64, tc.ldb, want64, tc.ldc, acc)
			for i := range got32 {
				if math.Float32bits(got32[i]) != math.Float32bits(want32[i]) {
					t.Fatalf("%v acc=%v: f32 C[%d] = %v serial, %v", tc, acc, i, got32[i], want32[i])
				}
			}
			for i := range got64 {
				if math.Float64bits(got64[i]) != math.Float64bits(want64[i]) {
					t.Fatalf("%v acc=%v: f64 C[%d] = %v serial, %v", tc, acc, i, got64[i], want64[i])
				}
			}
		}
	}
}
