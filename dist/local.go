package dist

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// NewLocal returns the communicators of a group of n ranks inside this process, one per
// goroutine that plays a rank: collectives meet over channels, with no MPI. It is meant for
// tests of distributed code (DataParallel, sharding) that run in a fraction of a second.
//
// Sums are taken in rank order, so every rank gets bit-identical results. A collective that
// has not completed after timeout (0: wait forever) fails on every rank with ErrTimeout; a
// rank that calls Close (or, under RunLocal, returns or panics) makes the collectives its
// peers wait in, or enter later, fail with ErrClosed; ranks that enter different
// collectives get ErrMismatch. After any such failure the whole group is failed, as an MPI
// job would be aborted.
func NewLocal(n int, timeout time.Duration) []Communicator {
	if n < 1 {
		panic(fmt.Sprintf("dist.NewLocal: need at least one rank, got %d", n))
	}
	g := &localGroup{n: n, timeout: timeout, rounds: map[uint64]*round{}, failed: make(chan struct{}), next: make([]uint64, n)}
	out := make([]Communicator, n)
	for r := range out {
		out[r] = &Local{g: g, rank: r}
	}
	return out
}

// RunLocal runs fn on n goroutines, one per rank of a NewLocal group, and returns when all
// have returned. A rank that returns (with or without an error) or panics closes its
// communicator, so that its peers fail fast rather than wait for it. The result joins the
// ranks' errors, each prefixed with its rank; a panic becomes an error.
func RunLocal(n int, timeout time.Duration, fn func(c Communicator) error) error {
	comms := NewLocal(n, timeout)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r, c := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			defer func() {
				if p := recover(); p != nil {
					errs[r] = fmt.Errorf("rank %d: panic: %v", r, p)
				}
			}()
			if err := fn(c); err != nil {
				errs[r] = fmt.Errorf("rank %d: %w", r, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Local is one rank of an in-process group made by NewLocal.
type Local struct {
	g      *localGroup
	rank   int
	mu     sync.Mutex // serializes this rank's collectives
	closed bool
}

// localGroup is the meeting point of a NewLocal group. The k-th collective of every rank
// meets in rounds[k]; the last rank to arrive computes the result.
type localGroup struct {
	n       int
	timeout time.Duration

	mu     sync.Mutex
	next   []uint64 // per rank: the number of its next collective
	rounds map[uint64]*round
	failed chan struct{} // closed when the group fails
	err    error         // why it failed
}

type round struct {
	op      string
	desc    []string // per rank: what it called, for mismatch messages
	in      []buffer // per rank: its contribution (a private copy)
	root    int
	arrived int
	unread  int
	done    chan struct{}
	out     any   // the result every rank copies (AllReduce, Broadcast, AllGather)
	err     error // a mismatch
}

// Rank returns this rank's index.
func (c *Local) Rank() int { return c.rank }

// Size returns the number of ranks in the group.
func (c *Local) Size() int { return c.g.n }

// AllReduce sums buf over the ranks, in rank order, into buf on every rank.
func (c *Local) AllReduce(buf any) error { return c.collective("AllReduce", buf, nil, 0) }

// Broadcast copies root's buf into buf on every rank.
func (c *Local) Broadcast(buf any, root int) error {
	if err := checkRoot("Broadcast", root, c.g.n); err != nil {
		return err
	}
	return c.collective("Broadcast", buf, nil, root)
}

// AllGather concatenates every rank's send into recv, in rank order.
func (c *Local) AllGather(send, recv any) error {
	return c.collective("AllGather", send, recv, 0)
}

// Barrier waits for every rank.
func (c *Local) Barrier() error { return c.collective("Barrier", []float32(nil), nil, 0) }

// Close leaves the group. Peers that wait for this rank in a collective, or enter one
// later, fail with ErrClosed. Closing twice is a no-op.
func (c *Local) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	g := c.g
	g.mu.Lock()
	g.failLocked(fmt.Errorf("%w: rank %d left the group (it returned, failed or closed its communicator) after %d collectives", ErrClosed, c.rank, g.next[c.rank]))
	g.mu.Unlock()
	return nil
}

// failLocked fails the group with err, unless it has failed already.
func (g *localGroup) failLocked(err error) {
	if g.err == nil {
		g.err = err
		close(g.failed)
	}
}

func (c *Local) collective(op string, send, recv any, root int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("dist: %s on rank %d: %w", op, c.rank, ErrClosed)
	}
	var sb, rb buffer
	var err error
	if op == "AllGather" {
		sb, rb, err = gatherBuffers(send, recv, c.g.n)
	} else {
		sb, err = bufferOf(op, send, true)
		rb = sb
	}
	if err != nil {
		return err
	}
	mine := buffer{data: cloneSlice(sb.data)}
	desc := fmt.Sprintf("%s(%s", op, sb.kind())
	if op == "Broadcast" {
		desc += fmt.Sprintf(", root %d", root)
	}
	desc += ")"

	g := c.g
	g.mu.Lock()
	if g.err != nil {
		err, k := g.err, g.next[c.rank]
		g.mu.Unlock()
		return fmt.Errorf("dist: %s #%d on rank %d: %w", op, k, c.rank, err)
	}
	k := g.next[c.rank]
	g.next[c.rank]++
	rd := g.rounds[k]
	if rd == nil {
		rd = &round{op: op, root: root, desc: make([]string, g.n), in: make([]buffer, g.n), unread: g.n, done: make(chan struct{})}
		g.rounds[k] = rd
	}
	rd.desc[c.rank] = desc
	rd.in[c.rank] = mine
	rd.arrived++
	if rd.arrived == g.n {
		rd.finish()
		close(rd.done)
	}
	g.mu.Unlock()

	var timer <-chan time.Time
	if g.timeout > 0 {
		t := time.NewTimer(g.timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-rd.done:
	case <-g.failed:
		select {
		case <-rd.done: // completed before the group failed: the result stands
		default:
			g.mu.Lock()
			err := g.err
			g.mu.Unlock()
			return fmt.Errorf("dist: %s #%d on rank %d: %w", op, k, c.rank, err)
		}
	case <-timer:
		g.mu.Lock()
		var missing []int
		for r := range g.n {
			if rd.desc[r] == "" {
				missing = append(missing, r)
			}
		}
		err := fmt.Errorf("%w after %v: %s #%d on rank %d still waits for ranks %v", ErrTimeout, g.timeout, op, k, c.rank, missing)
		g.failLocked(err)
		g.mu.Unlock()
		return fmt.Errorf("dist: %w", err)
	}
	g.mu.Lock()
	if rd.unread--; rd.unread == 0 {
		delete(g.rounds, k)
	}
	g.mu.Unlock()
	if rd.err != nil {
		return fmt.Errorf("dist: %s #%d on rank %d: %w", op, k, c.rank, rd.err)
	}
	if rd.out != nil {
		copySlice(rb.data, rd.out)
		rb.writeBack()
	}
	return nil
}

// finish computes the round's result once every rank has arrived, or records a mismatch.
func (rd *round) finish() {
	for r := 1; r < len(rd.desc); r++ {
		if rd.desc[r] != rd.desc[0] {
			rd.err = fmt.Errorf("%w: rank 0 called %s, rank %d called %s", ErrMismatch, rd.desc[0], r, rd.desc[r])
			return
		}
	}
	switch rd.op {
	case "AllReduce":
		sum := cloneSlice(rd.in[0].data)
		for _, b := range rd.in[1:] {
			addSlice(sum, b.data)
		}
		rd.out = sum
	case "Broadcast":
		rd.out = rd.in[rd.root].data
	case "AllGather":
		rd.out = concatSlices(rd.in)
	}
}

func cloneSlice(s any) any {
	switch d := s.(type) {
	case []float32:
		return append([]float32(nil), d...)
	case []float64:
		return append([]float64(nil), d...)
	case []int64:
		return append([]int64(nil), d...)
	}
	return nil
}

func addSlice(dst, src any) {
	switch d := dst.(type) {
	case []float32:
		for i, v := range src.([]float32) {
			d[i] += v
		}
	case []float64:
		for i, v := range src.([]float64) {
			d[i] += v
		}
	case []int64:
		for i, v := range src.([]int64) {
			d[i] += v
		}
	}
}

func concatSlices(bs []buffer) any {
	switch bs[0].data.(type) {
	case []float32:
		var out []float32
		for _, b := range bs {
			out = append(out, b.data.([]float32)...)
		}
		return out
	case []float64:
		var out []float64
		for _, b := range bs {
			out = append(out, b.data.([]float64)...)
		}
		return out
	case []int64:
		var out []int64
		for _, b := range bs {
			out = append(out, b.data.([]int64)...)
		}
		return out
	}
	return nil
}
