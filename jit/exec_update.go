package jit

import (
	"slices"
	"strings"
	"sync"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/internal/kernels"
	"github.com/eagerml/eager/internal/parallel"
)

// Update groups: the optimizer step of a training graph is a run of Adam updates, one per
// parameter, most of them fed by the weight-gradient product computed just before (the last
// nodes of the backward pass). Run one node after another, each splits itself across the
// cores and joins, and each weight gradient makes a round trip through memory between its
// product and its update.
//
// An update group runs such a run of nodes with one fork and join: the other nodes of the
// run (bias corrections, To conversions, views) run at their place, each update is prepared
// at its place (its tensors resolved, its scalars read), and the updates' loops then run as
// one set of independent tasks on the cores. Each parameter's update is split into chunks
// of elements; a weight gradient computed by a product (Gemm) that only the update reads is
// computed one block of rows at a time and consumed by the update of those rows while it is
// in cache: into a task's scratch buffer, or, when the gradient outlives the call (a
// SetGrad), into its new buffer. The tasks run largest first, so that the cores finish
// together.
//
// Bits: a block of rows of a product is computed by the same operations as in the whole
// product (kernels.Gemm splits along rows and columns itself; blocks start at multiples of
// the register tile and never take the matrix-vector or tiny-product paths that the whole
// product would not), and Adam's elements are independent. Deferring the loops to the end of
// the group is checked when the plan is made: no node of the group reads a value an update
// computes or a parameter it writes, or writes (through the memory plan's buffers, in-place
// outputs or parameters) what an update's loop reads, and no update reads what another
// writes. When a call's tensors do not fit (not dense), that update runs at its place with
// its ordinary kernels.

// updateChunk is the number of elements of one update task (a product's block has whole
// rows, at least one register tile of them): 128 KiB of float32, so that a block's gradient
// stays in L2 between its product and its update, and the two cores get several tasks each.
const updateChunk = 32 << 10

// updateUnit is one parameter's update: an Adam node, and the product computing its gradient
// when that is fused into it.
type updateUnit struct {
	node     int  // the Adam Fused node
	gemm     int  // the Gemm node computing the gradient, run block by block, or -1
	store    bool // the gradient is stored whole (else each block stays in scratch)
	adam     *adamMatch
	outNodes []int // the Fused node and its FusedOutputs, by output index
	outIdx   [3]int
	// prepare adds the unit's tasks and returns the tensors its tasks write (the parameter,
	// m and v, and the stored gradient or nil), or reports false when this call's tensors do
	// not fit.
	prepare func(c *execCtx, add func(cost int, f func())) ([4]*eager.Tensor, bool)
}

// updateGroup is a run of exec positions [start, end) holding update units.
type updateGroup struct {
	start, end int
	steps      []groupStep // in exec order (without the units' FusedOutputs)
	units      []*updateUnit
}

// groupStep is a node of a group run at its place, or a unit prepared at its place.
type groupStep struct {
	node int
	unit *updateUnit
}

// forceSerialUpdates makes update groups take their fallback (tests).
var forceSerialUpdates bool

// updateTask is one task of a group.
type updateTask struct {
	cost int
	f    func()
}

// planUpdateGroups finds the update groups of the plan's exec order (root: storageRoots).
func (p *plan) planUpdateGroups(root []int) {
	g := p.g
	p.groupAt = make([]*updateGroup, len(p.exec))
	users := g.users()
	esc := g.escapes()
	fusedOuts := make([][]int, len(g.Nodes))
	for j, n := range g.Nodes {
		if n.Op == "FusedOutput" {
			fusedOuts[n.Args[0]] = append(fusedOuts[n.Args[0]], j)
		}
	}
	// Keys of what a node reads or writes: a storage root (a value, or a parameter), or a
	// memory-plan slot (-1-slot).
	slotKey := func(s int) int { return -1 - s }
	var readKeys func(v int) []int
	readKeys = func(v int) []int { // the memory value v is read from
		r := root[v]
		ks := []int{r}
		if s := p.buf[r]; s >= 0 {
			ks = append(ks, slotKey(s))
		}
		if n := g.Nodes[r]; n.Reuse >= 0 { // computed in place of a dead value
			ks = append(ks, readKeys(n.Reuse)...)
		} else if n.Into >= 0 {
			ks = append(ks, root[n.Into])
		}
		return ks
	}
	writeKeys := func(v int) []int { // what native kernel output v is written into
		n := g.Nodes[v]
		var ks []int
		if p.buf[v] >= 0 {
			ks = append(ks, slotKey(p.buf[v]))
		}
		for _, t := range [2]int{n.Into, n.Reuse} {
			if t >= 0 {
				ks = append(ks, root[t])
			}
		}
		return ks
	}
	nativeOuts := func(v int) []int { // v and its FusedOutputs
		return append([]int{v}, fusedOuts[v]...)
	}
	unitAt := func(pos int) (*updateUnit, int) {
		i := p.exec[pos]
		if u := p.adamUnit(i, fusedOuts[i]); u != nil {
			return u, 1
		}
		n := g.Nodes[i]
		if n.Op != "Gemm" || pos+1 >= len(p.exec) || attrOf(n.Attrs, "bias") == true {
			return nil, 0
		}
		if act, _ := attrOf(n.Attrs, "act").(string); act != "" {
			return nil, 0
		}
		a := p.exec[pos+1]
		u := p.adamUnit(a, fusedOuts[a])
		if u == nil || p.g.Nodes[a].Args[u.adam.d] != i || len(users[i]) != 1 || users[i][0] != a {
			return nil, 0
		}
		// A gradient that outlives the call (a SetGrad) is stored whole, into the new
		// buffer of each call that the leaf takes; any other stays in the tasks' scratch.
		if esc[i] && (p.buf[i] >= 0 || n.Into >= 0 || n.Reuse >= 0) {
			return nil, 0
		}
		u.store = esc[i]
		if n.DType != g.Nodes[a].DType || numel(n.Shape) != numel(g.Nodes[a].Fused.Shape) || len(n.Shape) < 2 ||
			n.Shape[len(n.Shape)-1] != g.Nodes[a].Fused.Shape[len(g.Nodes[a].Fused.Shape)-1] {
			return nil, 0
		}
		u.gemm = i
		return u, 2
	}
	has := func(set map[int]bool, ks []int) bool {
		for _, k := range ks {
			if set[k] {
				return true
			}
		}
		return false
	}
	for pos := 0; pos < len(p.exec); {
		if u, _ := unitAt(pos); u == nil {
			pos++
			continue
		}
		gr := &updateGroup{start: pos}
		unitVals := map[int]bool{}  // values the units compute
		params := map[int]bool{}    // roots the units' tasks write
		taskReads := map[int]bool{} // keys the units' tasks read
		var steps []groupStep
		end := pos
		for q := pos; q < len(p.exec); {
			j := p.exec[q]
			if u, k := unitAt(q); u != nil {
				// The scalars are read when the unit is prepared, at its place; its tasks
				// read the rest at the end of the group.
				var reads, roots, pw []int
				ok := true
				an := g.Nodes[u.node]
				for x, a := range an.Args {
					if a == u.gemm {
						continue
					}
					ok = ok && !unitVals[a]
					roots = append(roots, root[a])
					if x != u.adam.b && x != u.adam.s {
						reads = append(reads, readKeys(a)...)
					}
				}
				if u.gemm >= 0 {
					for _, a := range g.Nodes[u.gemm].Args {
						ok = ok && !unitVals[a]
						roots = append(roots, root[a])
						reads = append(reads, readKeys(a)...)
					}
				}
				for _, o := range u.outNodes {
					pw = append(pw, root[g.Nodes[o].Into])
				}
				// What the unit's kernels write when it falls back, at its place, must not
				// be read by the tasks of the units before it.
				fw := slices.Clone(pw)
				for _, v := range append([]int{u.gemm}, u.outNodes...) {
					if v >= 0 {
						fw = append(fw, writeKeys(v)...)
					}
				}
				if !ok || has(params, roots) || has(params, pw) || has(taskReads, fw) {
					break
				}
				gr.units = append(gr.units, u)
				steps = append(steps, groupStep{node: -1, unit: u})
				for _, v := range append([]int{u.node, u.gemm}, u.outNodes...) {
					unitVals[v] = true
				}
				for _, k := range reads {
					taskReads[k] = true
				}
				for _, k := range pw {
					params[k] = true
				}
				q += k
				end = q
				continue
			}
			n := g.Nodes[j]
			if n.Op == "FusedOutput" && unitVals[n.Args[0]] {
				q++
				end = q
				continue
			}
			// Any other node runs at its place; it must not read what the units compute
			// or write, nor write what their tasks read.
			ok := true
			for _, a := range n.Args {
				if unitVals[a] || has(params, readKeys(a)) {
					ok = false
				}
			}
			if _, native := nativeKernels[n.Op]; native && n.Op != "FusedOutput" {
				for _, o := range nativeOuts(j) {
					if has(taskReads, writeKeys(o)) || has(params, writeKeys(o)) {
						ok = false
					}
				}
			} else if !native && !isView(n.Op) && !replayPure(n.Op) {
				ok = false
			}
			if !ok {
				break
			}
			steps = append(steps, groupStep{node: j})
			q++
		}
		// Nodes after the last unit are not part of the group.
		gr.end = end
		for len(steps) > 0 && steps[len(steps)-1].unit == nil {
			steps = steps[:len(steps)-1]
		}
		gr.steps = steps
		if len(gr.units) > 1 || gr.units[0].gemm >= 0 {
			p.groupAt[pos] = gr
		}
		pos = end
	}
}

// replayPure reports whether an eager op replayed by the executor only allocates its result
// (it writes into none of its inputs), so that it may run earlier than traced.
func replayPure(op string) bool {
	return op != "CopyFrom" && op != "Copy" && !strings.Contains(op, "InPlace")
}

// adamUnit returns the update unit of node i when it is an Adam update whose three new
// values are written into the tensors they update, or nil.
func (p *plan) adamUnit(i int, fos []int) *updateUnit {
	n := p.g.Nodes[i]
	if n.Op != "Fused" || n.Fused == nil {
		return nil
	}
	a := matchAdam(n.Fused)
	if a == nil || len(n.Fused.Outs) != 3 {
		return nil
	}
	u := &updateUnit{node: i, gemm: -1, adam: a, outNodes: make([]int, 3)}
	u.outNodes[0] = i
	for _, f := range fos {
		u.outNodes[attrInt(p.g.Nodes[f].Attrs, "index")] = f
	}
	for k, o := range u.outNodes {
		if o < 0 || (k > 0 && o == i) || p.g.Nodes[o].Into < 0 {
			return nil
		}
	}
	for k, o := range n.Fused.Outs {
		switch o.Reg {
		case a.pOut:
			u.outIdx[0] = k
		case a.mOut:
			u.outIdx[1] = k
		case a.vOut:
			u.outIdx[2] = k
		}
	}
	if n.Fused.T == eager.Float64 {
		bindUnit[float64](p, u)
	} else {
		bindUnit[float32](p, u)
	}
	return u
}

// bindUnit makes u's prepare and finish functions for element type T.
func bindUnit[T float](p *plan, u *updateUnit) {
	n := p.g.Nodes[u.node]
	a := u.adam
	dt := n.Fused.T
	total := numel(n.Fused.Shape)
	var scratch sync.Pool // *[]T, a task's block of the gradient
	dense := func(t *eager.Tensor) ([]T, bool) {
		if t == nil || t.DType() != dt || t.Numel() != total || !t.IsContiguous() {
			return nil, false
		}
		d, off := eager.StorageData[T](t)
		return d[off : off+total], true
	}
	scalar := func(t *eager.Tensor) (T, bool) {
		if t == nil || t.DType() != dt || t.Numel() != 1 {
			return 0, false
		}
		d, off := eager.StorageData[T](t)
		return d[off], true
	}
	u.prepare = func(c *execCtx, add func(cost int, f func())) (outs [4]*eager.Tensor, ok bool) {
		args := n.Args
		var pmv [3][]T
		for k, in := range [3]int{a.p, a.m, a.v} {
			t := c.vals[args[in]]
			d, ok1 := dense(t)
			o := c.outputTensor(p, u.outNodes[u.outIdx[k]])
			od, ok2 := dense(o)
			if !ok1 || !ok2 || &d[0] != &od[0] {
				return outs, false
			}
			pmv[k] = d
			outs[k] = o
		}
		b, ok1 := scalar(c.vals[args[a.b]])
		s, ok2 := scalar(c.vals[args[a.s]])
		if !ok1 || !ok2 {
			return outs, false
		}
		coef := kernels.AdamCoefficients[T]{Beta1: T(a.beta1), OneMinusBeta1: T(a.alpha1), Beta2: T(a.beta2),
			OneMinusBeta2: T(a.value), BiasCorrection2Sqrt: b, Eps: T(a.eps), NegStepSize: s}
		pd, md, vd := pmv[0], pmv[1], pmv[2]
		if u.gemm < 0 {
			d, ok := dense(c.vals[args[a.d]])
			if !ok {
				return outs, false
			}
			for lo := 0; lo < total; lo += updateChunk {
				hi := min(lo+updateChunk, total)
				add(hi-lo, func() { kernels.Adam(pd[lo:hi], md[lo:hi], vd[lo:hi], d[lo:hi], coef) })
			}
			return outs, true
		}
		gn := p.g.Nodes[u.gemm]
		x, y := c.vals[gn.Args[0]], c.vals[gn.Args[1]]
		if x == nil || y == nil || x.Dim() != 3 || y.Dim() != 3 || x.Size(0) != 1 || y.Size(0) != 1 ||
			x.DType() != dt || y.DType() != dt {
			return outs, false
		}
		M, K, N := x.Size(1), x.Size(2), y.Size(2)
		if M*N != total {
			return outs, false
		}
		_, ta, lda, ad, aoff := gemmOperandData[T](x)
		_, tb, ldb, bd, boff := gemmOperandData[T](y)
		var gd []T
		if u.store {
			outs[3] = c.outputFor(p, u.gemm, true)
			if gd, ok = dense(outs[3]); !ok {
				return outs, false
			}
		}
		for _, bl := range gemmRowBlocks[T](M, N, K) {
			r0, r1 := bl[0], bl[1]
			ao := aoff + r0*lda
			if ta {
				ao = aoff + r0
			}
			add((r1-r0)*N*max(K/8, 1), func() {
				lo, hi := r0*N, r1*N
				var buf *[]T
				var g []T
				if gd != nil {
					g = gd[lo:hi]
				} else {
					buf, _ = scratch.Get().(*[]T)
					if buf == nil || len(*buf) < hi-lo {
						s := make([]T, hi-lo)
						buf = &s
					}
					g = (*buf)[:hi-lo]
				}
				kernels.GemmSerial(ta, tb, r1-r0, N, K, ad[ao:], lda, bd[boff:], ldb, g, N, false)
				kernels.Adam(pd[lo:hi], md[lo:hi], vd[lo:hi], g, coef)
				if buf != nil {
					scratch.Put(buf)
				}
			})
		}
		return outs, true
	}
}

// gemmRowBlocks splits the rows of an m×n×k product into blocks that kernels.Gemm computes
// with the same operations as the whole product: each block starts at a multiple of the
// register tile's rows and has at least two rows, so that neither it nor the whole product
// takes the matrix-vector or tiny-product path (a product that does is one block).
func gemmRowBlocks[T float](m, n, k int) [][2]int {
	mr, _ := kernels.GemmTile[T]()
	rows := mr * max(1, updateChunk/(n*mr))
	if m < 2 || n < 2 || !kernels.GemmBlocked(2, n, k) || rows >= m {
		return [][2]int{{0, m}}
	}
	var bl [][2]int
	for r := 0; r < m; r += rows {
		bl = append(bl, [2]int{r, min(r+rows, m)})
	}
	if last := bl[len(bl)-1]; last[1]-last[0] < 2 {
		bl = bl[:len(bl)-1]
		bl[len(bl)-1][1] = m
	}
	return bl
}

// runGroup runs an update group: its nodes in order, each unit prepared at its place (its
// scalars read then), then the units' tasks on the cores, then the frees of every node of
// the group. A unit whose tensors do not fit runs at its place with its ordinary kernels.
func (p *plan) runGroup(c *execCtx, gr *updateGroup) {
	var tasks []updateTask
	add := func(cost int, f func()) { tasks = append(tasks, updateTask{cost, f}) }
	type done struct {
		u    *updateUnit
		outs [4]*eager.Tensor
	}
	var prepared []done
	for _, st := range gr.steps {
		u := st.unit
		if u == nil {
			c.vals[st.node] = p.kern[st.node](c)
			continue
		}
		if !forceSerialUpdates {
			n := len(tasks)
			if outs, ok := u.prepare(c, add); ok {
				prepared = append(prepared, done{u, outs})
				continue
			}
			tasks = tasks[:n]
		}
		if u.gemm >= 0 {
			c.vals[u.gemm] = p.kern[u.gemm](c)
		}
		c.vals[u.node] = p.kern[u.node](c)
	}
	// Largest first, so that the last tasks to be claimed are short.
	slices.SortStableFunc(tasks, func(x, y updateTask) int { return y.cost - x.cost })
	parallel.Tasks(len(tasks), func(i int) { tasks[i].f() })
	for _, d := range prepared {
		for j, t := range d.outs[:3] {
			c.vals[d.u.outNodes[d.u.outIdx[j]]] = t
		}
		if d.u.gemm >= 0 {
			c.vals[d.u.gemm] = d.outs[3]
		}
	}
	for pos := gr.start; pos < gr.end; pos++ {
		p.afterNode(c, p.exec[pos])
	}
}
