package jit

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/eagerml/eager"
)

// The executor runs a graph node by node. Nodes of eager ops call the op again through the
// replay table (the same kernels, so the same results); jit's own nodes (Fused, SumN, Gemm)
// run native kernels that write into buffers the memory plan assigns. Values are dropped
// after their last use so that the garbage collector can reclaim them early.

// execCtx is the state of one call.
type execCtx struct {
	vals []*eager.Tensor
	xs   []*eager.Tensor
	args []*eager.Tensor // scratch for gathering a node's arguments
	bufs *arena          // memory-plan buffers, or nil
	memo map[int]any     // per-node state kernels keep across calls (the context is pooled)
	// keepBuffers is set when a replayed op returned a view of one of its arguments'
	// storage (see noteAliasing): the call then releases no more buffers.
	keepBuffers bool
}

// kernel computes the value of one node.
type kernel func(c *execCtx) *eager.Tensor

// nativeKernels builds kernels for jit's own ops.
var nativeKernels = map[string]func(p *plan, i int) kernel{}

type plan struct {
	g       *Graph
	cfg     *config
	kern    []kernel
	free    [][]int // per node: values whose last use it is
	outCopy []bool  // per output: copy it (it views a Const, which must not escape)
	maxArgs int
	sibs    map[int][]int // the nodes of one call of a several-output op (see multiOps)
	arena   *arena        // the buffers of the memory plan, kept across calls
	busy    atomic.Bool   // arena is in use by a call
	arenas  sync.Pool     // *arena for calls that run while arena is busy
	ctxs    sync.Pool     // *execCtx, reused across calls
	slots   []slot        // memory plan
	buf     []int         // per node: its memory-plan slot (Node.Buf, or a static output's)
	exec    []int         // nodes whose kernels run, in order (not inputs, constants, captures)
	inputs  [][2]int      // (node, argument index) of the Input nodes
	fixed   []fixedVal
	give    []bool         // per effect: a SetGrad whose value is a new buffer nothing else holds
	groupAt []*updateGroup // per exec position: the update group starting there, or nil
	// replayed: per node, its kernel replays an eager op; release: per node, the values
	// whose buffers die with it and go back to eager's cache (see planReleases).
	replayed []bool
	release  [][]int
	// recording: 0 until the first call, then 1 when replayed ops may record autograd
	// history (the calls run under NoGrad), 2 when they cannot (see mayRecord)
	recording atomic.Int32
}

// fixedVal is a node whose value is the same tensor at every call (a constant, a captured
// tensor).
type fixedVal struct {
	node int
	t    *eager.Tensor
}

func newPlan(g *Graph, cfg *config) *plan {
	p := &plan{g: g, cfg: cfg, kern: make([]kernel, len(g.Nodes)), free: make([][]int, len(g.Nodes)),
		replayed: make([]bool, len(g.Nodes))}
	root := storageRoots(g)
	p.sibs = siblings(g)
	for i, n := range g.Nodes {
		p.maxArgs = max(p.maxArgs, len(n.Args))
		p.kern[i] = p.kernelFor(i)
	}
	esc := g.escapes()
	users := g.users()
	last := make([]int, len(g.Nodes))
	for i := range last {
		last[i] = -1
	}
	for i, n := range g.Nodes {
		for _, a := range n.Args {
			last[a] = i
		}
	}
	for i, n := range g.Nodes {
		switch {
		case n.Op == "Input":
			// Inputs only n-ary sums read are read from the arguments directly (a sum of
			// 10,000 one-element tensors need not copy 10,000 pointers first).
			needed := esc[i]
			for _, u := range users[i] {
				needed = needed || g.Nodes[u].Op != "SumN"
			}
			if needed {
				p.inputs = append(p.inputs, [2]int{i, n.Index})
			}
		case n.Op == "Const":
			p.fixed = append(p.fixed, fixedVal{i, n.Const})
		case n.Op == "Capture" && g.Captures[n.Index].Tensor != nil:
			p.fixed = append(p.fixed, fixedVal{i, g.Captures[n.Index].Tensor})
		default:
			p.exec = append(p.exec, i)
			continue
		}
		last[i] = -1 // never freed: the caller or the graph holds them anyway
	}
	released := p.planReleases(root)
	for v, l := range last {
		if l >= 0 && !esc[v] && !released[v] {
			p.free[l] = append(p.free[l], v)
		}
	}
	for _, o := range g.Outputs {
		p.outCopy = append(p.outCopy, g.Nodes[root[o]].Op == "Const")
	}
	p.slots = planSlots(g)
	p.buf = make([]int, len(g.Nodes))
	for i, n := range g.Nodes {
		p.buf[i] = n.Buf
	}
	if cfg.staticOutputs {
		p.planStaticOutputs()
	}
	p.planGivenGrads(root)
	if !cfg.noUpdateGroups {
		p.planUpdateGroups(root)
	}
	return p
}

// storageRoots returns, for each value, the value whose storage it views (itself unless it
// is made by a view op).
func storageRoots(g *Graph) []int {
	root := make([]int, len(g.Nodes))
	for i, n := range g.Nodes {
		root[i] = i
		if isView(n.Op) {
			root[i] = root[n.Args[0]]
		}
	}
	return root
}

func (p *plan) kernelFor(i int) kernel {
	n := p.g.Nodes[i]
	switch n.Op {
	case "Input":
		k := n.Index
		return func(c *execCtx) *eager.Tensor { return c.xs[k] }
	case "Capture":
		cp := p.g.Captures[n.Index]
		if cp.Tensor != nil {
			t := cp.Tensor
			return func(*execCtx) *eager.Tensor { return t }
		}
		leaf := cp.GradOf
		return func(c *execCtx) *eager.Tensor {
			l := leaf.Tensor
			if l == nil {
				l = c.xs[leaf.Input]
			}
			g := l.Grad()
			if g == nil {
				panic(fmt.Sprintf("jit: internal error: gradient of %v is nil (guard missed)", leaf))
			}
			return g
		}
	case "Const":
		t := n.Const
		return func(*execCtx) *eager.Tensor { return t }
	}
	if mk, ok := nativeKernels[n.Op]; ok {
		return mk(p, i)
	}
	p.replayed[i] = true
	if s, ok := p.sibs[i]; ok {
		return siblingKernel(p.g, i, s)
	}
	f := lookupOp(n.Op)
	if f == nil {
		panic(fmt.Sprintf("jit: internal error: no kernel for %s", n.Op))
	}
	args, attrs := n.Args, n.Attrs
	view := isView(n.Op)
	return func(c *execCtx) *eager.Tensor {
		in := c.args[:len(args)]
		for k, a := range args {
			in[k] = c.vals[a]
		}
		out := f(in, attrs)
		if !view {
			noteAliasing(c, out, in)
		}
		return out
	}
}

// planReleases decides which values' buffers the executor hands back to eager's buffer
// cache, and after which node: a value whose buffer is a new eager allocation of this call
// (the result of a replayed eager op, or a native output written over such a buffer,
// Node.Reuse) that no output or effect holds, after the last node that reads it or a view
// of it. The next allocations of that size (the next conv, the next call's forward) then
// reuse it while it is warm, where otherwise every call would take fresh buffers from the
// Go heap, fault their pages in, and leave the old ones to the collector: eager's own
// backward pass recycles its gradients the same way (from reference counts). It returns the
// released values, which the ordinary frees skip.
func (p *plan) planReleases(root []int) []bool {
	g := p.g
	n := len(g.Nodes)
	lastRead, escRoot := rootLiveness(g, root)
	fresh := make([]bool, n) // the value's buffer is a new eager allocation nothing else holds
	taken := make([]bool, n) // a native output overwrites the value's buffer
	for i, nd := range g.Nodes {
		switch {
		case root[i] != i:
		case p.replayed[i]:
			fresh[i] = true
		case native(g, i) && nd.Reuse >= 0 && nd.Buf < 0 && nd.Into < 0:
			r := root[nd.Reuse]
			fresh[i], taken[r] = fresh[r], true
		}
	}
	p.release = make([][]int, n)
	released := make([]bool, n)
	for r := range g.Nodes {
		if fresh[r] && !taken[r] && !escRoot[r] {
			at := max(r, lastRead[r]) // a value nothing reads dies where it is made
			p.release[at] = append(p.release[at], r)
			released[r] = true
		}
	}
	return released
}

// replayAliasing counts replayed ops that returned a view of an argument's storage, which
// planReleases assumes no op but a view op does (jit's tests check it stays 0).
var replayAliasing atomic.Int64

// noteAliasing stops the call's releases when out shares storage with an argument: the plan
// took out for a buffer of its own.
func noteAliasing(c *execCtx, out *eager.Tensor, in []*eager.Tensor) {
	for _, t := range in {
		if t != nil && out != nil && eager.SharesStorage(out, t) {
			c.keepBuffers = true
			replayAliasing.Add(1)
			return
		}
	}
}

// afterNode releases the buffers that die with node i (planReleases) and drops the values
// it read last.
func (p *plan) afterNode(c *execCtx, i int) {
	for _, r := range p.release[i] {
		if t := c.vals[r]; t != nil && !c.keepBuffers {
			eager.ReleaseBuffer(t)
		}
		c.vals[r] = nil
	}
	for _, d := range p.free[i] {
		c.vals[d] = nil
	}
}

// run executes the graph on xs: nodes, then effects; it returns the outputs.
func (p *plan) run(xs []*eager.Tensor) []*eager.Tensor {
	c, _ := p.ctxs.Get().(*execCtx)
	if c == nil {
		c = &execCtx{vals: make([]*eager.Tensor, len(p.g.Nodes)), args: make([]*eager.Tensor, p.maxArgs)}
		for _, f := range p.fixed { // kept in the pooled context across calls
			c.vals[f.node] = f.t
		}
	}
	c.xs = xs
	defer func() {
		for _, in := range p.inputs {
			c.vals[in[0]] = nil
		}
		for _, i := range p.exec {
			c.vals[i] = nil
		}
		clear(c.args)
		c.xs, c.bufs, c.keepBuffers = nil, nil, false
		p.ctxs.Put(c)
	}()
	if len(p.slots) > 0 {
		if p.busy.CompareAndSwap(false, true) {
			// The plan's own arena: sequential calls always get the same buffers (the
			// garbage collector does not drop them, as it would from a pool), so static
			// outputs are overwritten by the next call.
			if p.arena == nil {
				p.arena = newArena(p.slots)
			}
			c.bufs = p.arena
			defer p.busy.Store(false)
		} else {
			a, _ := p.arenas.Get().(*arena)
			if a == nil {
				a = newArena(p.slots)
			}
			c.bufs = a
			defer p.arenas.Put(a)
		}
	}
	outs := make([]*eager.Tensor, len(p.g.Outputs))
	profiling := eager.ProbesInstalled()
	body := func() {
		for _, in := range p.inputs {
			c.vals[in[0]] = xs[in[1]]
		}
		for pos := 0; pos < len(p.exec); pos++ {
			if p.groupAt != nil && p.groupAt[pos] != nil && !profiling {
				gr := p.groupAt[pos]
				p.runGroup(c, gr)
				pos = gr.end - 1
				continue
			}
			i := p.exec[pos]
			k := p.kern[i]
			if profiling && p.reportsOwn(i) {
				t0 := eager.Nanotime()
				c.vals[i] = k(c)
				p.emit(i, t0, c.vals[i])
			} else {
				c.vals[i] = k(c)
			}
			p.afterNode(c, i)
		}
		for k, e := range p.g.Effects {
			switch e.Kind {
			case WriteBack:
				if dst, src := c.vals[e.Target], c.vals[e.Value]; dst == src {
					eager.BumpVersion(dst) // the kernel wrote into it (Node.Into)
				} else {
					dst.CopyFrom(src)
				}
			case SetGrad:
				l := e.Leaf.Tensor
				if l == nil {
					l = xs[e.Leaf.Input]
				}
				switch {
				case e.Value < 0:
					l.SetGrad(nil)
				case p.give[k]:
					l.GiveGrad(c.vals[e.Value])
				default:
					l.SetGrad(c.vals[e.Value])
				}
			}
		}
		for k, o := range p.g.Outputs {
			t := c.vals[o]
			if p.outCopy[k] {
				t = t.Clone()
			} else if t.RequiresGrad() {
				t = t.Detach()
			}
			outs[k] = t
		}
	}
	// Replayed eager ops record autograd history only for inputs that require grad; when
	// none does (nothing the call reads requires grad), grad mode cannot matter, and
	// NoGrad's per-goroutine mode switch was a third of a one-op call.
	if p.mayRecord(xs) {
		eager.NoGrad(body)
	} else {
		body()
	}
	return outs
}

// mayRecord reports whether a replayed op of a call could record autograd history: an
// argument or a captured tensor requires grad, or the graph reads a gradient (which may).
// Both are fixed for a plan (arguments' requires-grad flags are part of the signature, and
// captured tensors' are guarded), so the first call works it out for all.
func (p *plan) mayRecord(xs []*eager.Tensor) bool {
	switch p.recording.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	may := false
	for _, x := range xs {
		may = may || x.RequiresGrad()
	}
	for _, cp := range p.g.Captures {
		may = may || cp.Tensor == nil || cp.RequiresGrad
	}
	if may {
		p.recording.Store(1)
	} else {
		p.recording.Store(2)
	}
	return may
}

// reportsOwn reports whether node i runs jit's own kernel (a fused loop, an n-ary sum, a
// GEMM epilogue) rather than replaying an eager op, which reports itself to the profiler.
func (p *plan) reportsOwn(i int) bool {
	switch p.g.Nodes[i].Op {
	case "Fused", "SumN", "Gemm":
		return true
	}
	return false
}

// emit reports node i's kernel run to the profiler, as one op named after the node.
func (p *plan) emit(i int, t0 int64, out *eager.Tensor) {
	n := p.g.Nodes[i]
	ev := &eager.OpEvent{Name: "jit." + n.Op, Start: t0, End: eager.Nanotime(), Output: out}
	if out != nil {
		ev.OutputBytes = int64(out.Numel() * out.DType().Size())
		ev.FLOPs = int64(out.Numel())
		switch {
		case n.Fused != nil:
			ev.FLOPs *= int64(max(1, len(n.Fused.Insts)))
		case n.Op == "Gemm": // a multiply-add per element of the [B, M, K] by [B, K, N] product, then the epilogue
			a := p.g.Nodes[n.Args[0]].Shape
			ev.FLOPs *= 2*int64(a[len(a)-1]) + 1
		}
	}
	eager.EmitOpEvent(ev)
}

// planGivenGrads marks the SetGrad effects whose value a native kernel computes into a new
// buffer at each call that no output, other effect or other value shares: the leaf may own
// that buffer (eager's GiveGrad), so that when the next call replaces the gradient, eager
// hands the buffer to its cache and the next call's kernel takes it from there, as an eager
// training step reuses its gradients' buffers.
func (p *plan) planGivenGrads(root []int) {
	g := p.g
	p.give = make([]bool, len(g.Effects))
	uses := map[int]int{} // storage root -> outputs and effects that hold it
	for _, o := range g.Outputs {
		uses[root[o]]++
	}
	for _, e := range g.Effects {
		if e.Value >= 0 {
			uses[root[e.Value]]++
		}
		if e.Kind == WriteBack {
			uses[root[e.Target]]++
		}
	}
	for k, e := range g.Effects {
		v := e.Value
		if e.Kind != SetGrad || v < 0 {
			continue
		}
		n := g.Nodes[v]
		if _, ok := nativeKernels[n.Op]; !ok || n.Op == "FusedOutput" || root[v] != v || uses[v] != 1 {
			continue
		}
		if p.buf[v] >= 0 || n.Into >= 0 || n.Reuse >= 0 {
			continue
		}
		p.give[k] = true
	}
}

// planStaticOutputs gives every output that a native kernel computes into a new buffer at
// each call (WithStaticOutputs) a slot of its own, kept across calls.
func (p *plan) planStaticOutputs() {
	g := p.g
	effect := map[int]bool{}
	for _, e := range g.Effects {
		effect[e.Value] = true
	}
	for _, o := range g.Outputs {
		n := g.Nodes[o]
		if _, ok := nativeKernels[n.Op]; !ok {
			continue
		}
		if p.buf[o] >= 0 || n.Into >= 0 || n.Reuse >= 0 || effect[o] {
			continue
		}
		p.buf[o] = len(p.slots)
		p.slots = append(p.slots, slot{DType: n.DType, N: numel(n.Shape)})
	}
}
