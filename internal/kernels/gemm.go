package kernels

//go:generate go run asmgen.go asmgen_elementwise.go

import (
	"sync"
	"unsafe"

	"github.com/eagerml/eager/internal/parallel"
)

// Gemm computes C = A·B (or C += A·B when accumulate is set) for row-major matrices:
// A is m×k (or k×m when transA, read transposed), B is k×n (or n×k when transB), C is m×n;
// lda, ldb, ldc are the row strides. It is
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			var s T
//			for p := 0; p < k; p++ {
//				s += A(i, p) * B(p, j)
//			}
//			C[i*ldc+j] = s // or += when accumulate
//		}
//	}
//
// except that the sum over p runs in blocks of kc (each block summed in registers, then added
// to C) and may use fused multiply-adds, so results differ from this loop in the last bits.
//
// The structure is GotoBLAS/BLIS's: B is packed a kc×nc block at a time into nr-column
// panels, A a mc×kc block at a time into mr-row panels (transposed operands are read
// transposed while packing, so no separate transpose copy is made), and a register-blocked
// micro-kernel computes each mr×nr tile of C over the kc depth. Where packing would cost more
// than it saves, whole panels are read in place instead: A always (row-major by a kernel that
// broadcasts from mr row pointers, transposed by stepping lda per depth) unless transposed
// with a row stride that is a multiple of 4 KiB, and B when it is not transposed and C has
// few rows. Edge tiles run on zero-padded panels into a scratch tile, and only the valid part
// is written to C.
//
// Large products are split across cores along m (or n) only, never along k, so every element
// of C is computed by the same sequence of operations whatever GOMAXPROCS is: results are
// bit-identical run to run and across core counts. Products with one row or column take a
// matrix-vector path, and tiny products a plain loop, both chosen by shape alone.
func Gemm[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 {
		if !accumulate {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	if unsafe.Sizeof(T(0)) == 4 {
		gemm(gemmF32, transA, transB, m, n, k, asF32(a), lda, asF32(b), ldb, asF32(c), ldc, accumulate)
	} else {
		gemm(gemmF64, transA, transB, m, n, k, asF64(a), lda, asF64(b), ldb, asF64(c), ldc, accumulate)
	}
}

// GemmSerial is Gemm computed on the calling goroutine only (except for products with one
// row or column, which may still be split), for callers that already run one product per
// core. It gives the same bits as Gemm.
func GemmSerial[T Float](transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	if m <= 0 || n <= 0 {
		return
	}
	if k <= 0 {
		Gemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
		return
	}
	if unsafe.Sizeof(T(0)) == 4 {
		gemmSerial(gemmF32, transA, transB, m, n, k, asF32(a), lda, asF32(b), ldb, asF32(c), ldc, accumulate)
	} else {
		gemmSerial(gemmF64, transA, transB, m, n, k, asF64(a), lda, asF64(b), ldb, asF64(c), ldc, accumulate)
	}
}

func gemmSerial[T Float](g *gemmConfig[T], transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	if 2*m*n*k < parallelFlops || m == 1 || n == 1 {
		gemm(g, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
		return
	}
	g.run(transA, transB, 0, m, 0, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// GemmTile returns the register tile (rows × columns of C per micro-kernel call) that Gemm
// uses for T on this CPU, for callers choosing between equivalent product shapes: a product
// wastes the part of its edge tiles beyond m and n.
func GemmTile[T Float]() (mr, nr int) {
	if unsafe.Sizeof(T(0)) == 4 {
		return gemmF32.mr, gemmF32.nr
	}
	return gemmF64.mr, gemmF64.nr
}

func asF32[T any](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func asF64[T any](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// microKernel computes one mr×nr tile: c[i*ldc+j] (+)= Σp a[p*lda+i]·b[p*ldb+j] over k steps,
// adding to c when add != 0 and overwriting it otherwise (lda is mr for a packed A panel, ldb
// nr for a packed B panel).
type microKernel[T Float] func(k int, a *T, lda int, b *T, ldb int, c *T, ldc int, add int)

// gemmConfig is one element type's micro-kernel and blocking.
type gemmConfig[T Float] struct {
	name   string
	mr, nr int  // micro-tile
	kc     int  // depth of one packed block
	mc     int  // rows of A packed at a time (multiple of mr)
	nc     int  // columns of B packed at a time (multiple of nr)
	aInL1  bool // loop order: A micro-panel held in L1 while B panels stream (else B held)
	kern   microKernel[T]
	// kernDirect, where not nil, is kern reading A in place: A(i, p) at a[i*lda+p].
	kernDirect func(k int, a *T, lda int, b *T, ldb int, c *T, ldc int, add int)
	// directBRows is the most rows of C for which B (not transposed) is read in place.
	directBRows int
	packAll     bool                       // pack A and B whatever their layout (for tests)
	gemvN       func(y, x, a []T, lda int) // y[j] = Σp x[p]·a[p*lda+j]
	gemvT       func(y, x, a []T, lda int) // y[i] = Σp a[i*lda+p]·x[p]
	freeMu      sync.Mutex
	free        []*gemmBuffers[T] // packing buffers not in use
	vpool       sync.Pool         // *[]T, matrix-vector scratch
}

type gemmBuffers[T Float] struct {
	a, b, tile []T
}

// buffers returns a set of packing buffers from the free list, or a new one. The list keeps
// what goroutines returned (a few MiB at most, one set per concurrent product), unlike a
// sync.Pool, which the garbage collector empties: a training loop collects several times a
// second, and reallocating a 1 MiB packed-B buffer after each collection measured as a
// visible share of the MLP step.
func (g *gemmConfig[T]) buffers() *gemmBuffers[T] {
	g.freeMu.Lock()
	if n := len(g.free); n > 0 {
		buf := g.free[n-1]
		g.free = g.free[:n-1]
		g.freeMu.Unlock()
		return buf
	}
	g.freeMu.Unlock()
	return &gemmBuffers[T]{a: make([]T, g.mc*g.kc), tile: make([]T, g.mr*g.nr)}
}

// maxFreeBuffers bounds the free list of packing buffers.
const maxFreeBuffers = 16

// release returns buf to the free list.
func (g *gemmConfig[T]) release(buf *gemmBuffers[T]) {
	g.freeMu.Lock()
	if len(g.free) < maxFreeBuffers {
		g.free = append(g.free, buf)
	}
	g.freeMu.Unlock()
}

// packedB returns the buffer for one packed kc×nc block of B, made on first use.
func (buf *gemmBuffers[T]) packedB(g *gemmConfig[T]) []T {
	if buf.b == nil {
		buf.b = make([]T, g.kc*g.nc)
	}
	return buf.b
}

// parallelFlops is the work (2·m·n·k) below which a product stays on the calling goroutine:
// waking a second core and joining it costs several microseconds, 2^21 flops at ~150-200
// GFLOP/s per core (64³ measured slower on two cores than on one).
const parallelFlops = 1 << 21

// ParallelFlops is the work (2·m·n·k) below which Gemm runs on the calling goroutine; callers
// with many such products (a batch) may spread them across cores themselves.
const ParallelFlops = parallelFlops

// smallFlops is the work below which packing costs more than it saves.
const smallFlops = 2 * 8 * 8 * 8

func gemm[T Float](g *gemmConfig[T], transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	flops := 2 * m * n * k
	if flops <= smallFlops {
		gemmNaive(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
		return
	}
	if m == 1 || n == 1 {
		gemv(g, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
		return
	}
	if flops < parallelFlops {
		g.run(transA, transB, 0, m, 0, n, k, a, lda, b, ldb, c, ldc, accumulate)
		return
	}
	if w := parallel.Workers(); m <= columnSplitRows && n >= 2*w*g.nr && !(transA && m > n) {
		g.runColumns(w, transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
		return
	}
	g.runParallel(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate)
}

// columnSplitRows is the most rows of C for which runColumns splits the product by columns:
// short, wide products (a batch through a Linear layer and its gradients) are then one
// fork and join instead of a pack-then-compute barrier per depth block, and each task packs
// only its own columns of B. Each task reads all of A, though, which costs most when A is
// transposed (read in place a few elements per depth step, with a large stride): a
// transposed A with more rows than C has columns (a weight's gradient gᵀ·x for a layer
// narrowing its input, k = 2048) is split by rows instead. On the Zen 3 (two cores, medians
// of 21 interleaved runs), 512×128×2048 ran at 105 GFLOP/s split by rows against 87 by
// columns, 512×65×2048 at 72 against 44; with m ≤ n columns won or tied (128×512×2048: 98
// against 86).
const columnSplitRows = 512

// runColumns computes C on w goroutines, each running run over a fixed range of whole nr-wide
// column panels (two ranges per goroutine, so that a late core evens out). Each element is
// computed by run's operations whatever the split, so the result is the same as run's.
func (g *gemmConfig[T]) runColumns(w int, transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	panels := (n + g.nr - 1) / g.nr
	tasks := min(panels, 2*w)
	per := (panels + tasks - 1) / tasks * g.nr
	tasks = (n + per - 1) / per
	parallel.Tasks(tasks, func(t int) {
		j0 := t * per
		g.run(transA, transB, 0, m, j0, min(j0+per, n), k, a, lda, b, ldb, c, ldc, accumulate)
	})
}

// run computes the block C[i0:i1, j0:j1] on the calling goroutine.
func (g *gemmConfig[T]) run(transA, transB bool, i0, i1, j0, j1, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	buf := g.buffers()
	bb := bBlock[T]{packed: buf.packedB(g), b: b, ldb: ldb}
	directB := g.directB(transB, i1-i0, ldb)
	for jc := j0; jc < j1; jc += g.nc {
		nc := min(g.nc, j1-jc)
		for pc := 0; pc < k; pc += g.kc {
			kc := min(g.kc, k-pc)
			add := 0
			if accumulate || pc > 0 {
				add = 1
			}
			bb.jc, bb.pc = jc, pc
			if directB {
				bb.direct = nc / g.nr * g.nr
				if bb.direct < nc {
					packB(bb.packed[bb.direct*kc:], false, b, ldb, pc, kc, jc+bb.direct, nc-bb.direct, g.nr)
				}
			} else {
				packB(bb.packed, transB, b, ldb, pc, kc, jc, nc, g.nr)
			}
			g.block(buf, &bb, transA, a, lda, c, ldc, i0, i1, 0, nc, kc, add)
		}
	}
	g.release(buf)
}

// directB reports whether B is read in place rather than packed: only when B is not
// transposed, when each packed panel would be used by few row panels (rows ≤ directBRows),
// so that packing costs more than it saves, and when B's row stride is not a multiple of
// 4 KiB (whose rows share L1 sets).
func (g *gemmConfig[T]) directB(transB bool, rows, ldb int) bool {
	return !transB && !g.packAll && rows <= g.directBRows && ldb*int(unsafe.Sizeof(T(0)))%4096 != 0
}

// bBlock is where the micro-kernels read a kc×nc block of B (depths pc.., columns jc..):
// packed nr-column panels, except that whole panels of columns [0, direct) are read in place.
type bBlock[T Float] struct {
	packed []T
	b      []T
	ldb    int
	direct int
	pc, jc int
}

// panel returns the start of the panel of columns jr.. and its step from one depth to the next.
func (bb *bBlock[T]) panel(jr, kc, nr int) (*T, int) {
	if jr < bb.direct {
		o := bb.pc*bb.ldb + bb.jc + jr
		_ = bb.b[o+(kc-1)*bb.ldb+nr-1] // the kernel reads up to here
		return &bb.b[o], bb.ldb
	}
	return &bb.packed[jr*kc], nr
}

// runParallel computes C on all cores. For each kc×nc block of B it runs one set of tasks:
// first packing B's panels into a shared buffer (split in groups), then computing C's blocks
// of whole panels of rows (and of columns when there are few rows), each packing its own A.
// Tasks are claimed dynamically, but each C element is computed by the same operations
// whichever goroutine runs its task, so the result does not depend on the core count or on
// timing; and it is the same as run's.
func (g *gemmConfig[T]) runParallel(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, accumulate bool) {
	mr, nr := g.mr, g.nr
	w := parallel.Workers()
	shared := g.buffers()
	defer g.release(shared)
	bb := bBlock[T]{packed: shared.packedB(g), b: b, ldb: ldb}
	directB := g.directB(transB, m, ldb)
	mp := (m + mr - 1) / mr
	for jc := 0; jc < n; jc += g.nc {
		nc := min(g.nc, n-jc)
		np := (nc + nr - 1) / nr
		// About two tasks per core, so that a core that starts late or is shared evens out.
		mt := min(mp, 2*w)
		rowsPer := (mp + mt - 1) / mt * mr
		mt = (m + rowsPer - 1) / rowsPer
		nt := min(np, (2*w+mt-1)/mt)
		colsPer := (np + nt - 1) / nt * nr
		nt = (nc + colsPer - 1) / colsPer
		q0 := 0 // first panel to pack
		if directB {
			q0 = nc / nr
			bb.direct = q0 * nr
		}
		pt := min(np-q0, w) // B packing tasks
		panelsPer := 1
		if pt > 0 {
			panelsPer = (np - q0 + pt - 1) / pt
			pt = (np - q0 + panelsPer - 1) / panelsPer
		}
		for pc := 0; pc < k; pc += g.kc {
			kc := min(g.kc, k-pc)
			add := 0
			if accumulate || pc > 0 {
				add = 1
			}
			bb.jc, bb.pc = jc, pc
			var packed parallel.Countdown
			packed.Add(pt)
			parallel.Tasks(pt+mt*nt, func(t int) {
				if t < pt {
					q := q0 + t*panelsPer
					j0 := q * nr
					packB(bb.packed[q*nr*kc:], transB, b, ldb, pc, kc, jc+j0, min(j0+panelsPer*nr, nc)-j0, nr)
					packed.Done()
					return
				}
				packed.Wait()
				t -= pt
				i0, jlo := t/nt*rowsPer, t%nt*colsPer
				buf := g.buffers()
				g.block(buf, &bb, transA, a, lda, c, ldc, i0, min(i0+rowsPer, m), jlo, min(jlo+colsPer, nc), kc, add)
				g.release(buf)
			})
		}
	}
}

// block computes the rows [i0, i1) and columns jc+[jlo, jhi) of C from the B block bb
// (jlo a multiple of nr), A g.mc rows at a time: whole mr-row panels of A are read in place
// (with the row-major kernel, or, when A is transposed, with the p-major kernel stepping by
// lda) and only a last partial panel is packed, or all of A is packed (transposed A whose
// row stride is a multiple of 4 KiB: a panel's kc rows would all share one L1 set). The
// kernels do the same operations in the same order whatever they read from, so these choices
// change no bit. (Even with 4 KiB row strides, whose mr rows share L1 sets, reading A in
// place row-major measured faster than packing it: 180 against 170 GFLOP/s at 1024³.)
func (g *gemmConfig[T]) block(buf *gemmBuffers[T], bb *bBlock[T], transA bool, a []T, lda int, c []T, ldc int, i0, i1, jlo, jhi, kc, add int) {
	mr, nr := g.mr, g.nr
	pc := bb.pc
	mode := aPacked
	switch {
	case !transA && g.kernDirect != nil:
		mode = aRows
	case transA && lda*int(unsafe.Sizeof(T(0)))%4096 != 0:
		mode = aCols
	}
	if g.packAll {
		mode = aPacked
	}
	for ic := i0; ic < i1; ic += g.mc {
		mc := min(g.mc, i1-ic)
		full := 0 // panels [0, full) are read in place
		if mode != aPacked {
			full = mc / mr * mr
			if full < mc {
				packA(buf.a[full*kc:], transA, a, lda, ic+full, mc-full, pc, kc, mr)
			}
		} else {
			packA(buf.a, transA, a, lda, ic, mc, pc, kc, mr)
		}
		if g.aInL1 {
			for ir := 0; ir < mc; ir += mr {
				m := aPacked
				if ir < full {
					m = mode
				}
				for jr := jlo; jr < jhi; jr += nr {
					g.tile(buf, a, lda, m, bb, c, ldc, ic, ir, jr, mc, jhi, kc, add)
				}
			}
		} else {
			for jr := jlo; jr < jhi; jr += nr {
				if jr+nr > jhi {
					for ir := 0; ir < mc; ir += mr {
						m := aPacked
						if ir < full {
							m = mode
						}
						g.tile(buf, a, lda, m, bb, c, ldc, ic, ir, jr, mc, jhi, kc, add)
					}
					continue
				}
				// Whole tiles call the micro-kernel from here, as tile would but without a
				// call and B's panel lookup per tile (for the short depths of attention's
				// products and a batch's weight gradient, 5-10% of the product's time);
				// the last rows, when fewer than mr, go through tile.
				bp, bstep := bb.panel(jr, kc, nr)
				for ir := 0; ir < mc; ir += mr {
					if ir+mr > mc {
						g.tile(buf, a, lda, aPacked, bb, c, ldc, ic, ir, jr, mc, jhi, kc, add)
						continue
					}
					off := (ic+ir)*ldc + bb.jc + jr
					_ = c[off+(mr-1)*ldc+nr-1] // the kernel writes up to here
					switch {
					case ir >= full:
						g.kern(kc, &buf.a[ir*kc], mr, bp, bstep, &c[off], ldc, add)
					case mode == aRows:
						ao := (ic+ir)*lda + pc
						_ = a[ao+(mr-1)*lda+kc-1] // the kernel reads up to here
						g.kernDirect(kc, &a[ao], lda, bp, bstep, &c[off], ldc, add)
					default:
						ao := pc*lda + ic + ir
						_ = a[ao+(kc-1)*lda+mr-1] // the kernel reads up to here
						g.kern(kc, &a[ao], lda, bp, bstep, &c[off], ldc, add)
					}
				}
			}
		}
	}
}

// Where a tile's A panel is read from.
const (
	aPacked = iota // the packed block in buf.a
	aRows          // A in place, row-major: A(i, p) at a[i*lda+p]
	aCols          // A in place, transposed: A(i, p) at a[p*lda+i]
)

// tile runs the micro-kernel for the tile of C at rows ic+ir and columns bb.jc+jr: A's panel
// ir read as mode says, B's panel jr from bb; edge tiles go through a scratch tile of which
// only the valid part is written.
func (g *gemmConfig[T]) tile(buf *gemmBuffers[T], a []T, lda, mode int, bb *bBlock[T], c []T, ldc, ic, ir, jr, mc, nc, kc, add int) {
	mr, nr := g.mr, g.nr
	rows, cols := min(mr, mc-ir), min(nr, nc-jr)
	bp, bstep := bb.panel(jr, kc, nr)
	off := (ic+ir)*ldc + bb.jc + jr
	dst, ld, tileAdd := &buf.tile[0], nr, 0
	if rows == mr && cols == nr {
		_ = c[off+(mr-1)*ldc+nr-1] // the kernel writes up to here
		dst, ld, tileAdd = &c[off], ldc, add
	}
	switch mode {
	case aRows:
		ao := (ic+ir)*lda + bb.pc
		_ = a[ao+(mr-1)*lda+kc-1] // the kernel reads up to here
		g.kernDirect(kc, &a[ao], lda, bp, bstep, dst, ld, tileAdd)
	case aCols:
		ao := bb.pc*lda + ic + ir
		_ = a[ao+(kc-1)*lda+mr-1] // the kernel reads up to here
		g.kern(kc, &a[ao], lda, bp, bstep, dst, ld, tileAdd)
	default:
		g.kern(kc, &buf.a[ir*kc], mr, bp, bstep, dst, ld, tileAdd)
	}
	if dst != &buf.tile[0] {
		return
	}
	tile := buf.tile
	for r := 0; r < rows; r++ {
		d := c[off+r*ldc : off+r*ldc+cols]
		src := tile[r*nr : r*nr+cols]
		if add != 0 {
			for j, v := range src {
				d[j] += v
			}
		} else {
			copy(d, src)
		}
	}
}
