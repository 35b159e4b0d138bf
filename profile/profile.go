package profile

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/eagerml/eager"
)

// Event is one recorded op run, or one backward function run (a span enclosing the ops it
// ran).
type Event struct {
	Name        string  // op name ("Bmm"), or the gradient function for a span ("MmBackward")
	Backward    bool    // ran inside a backward pass
	Span        bool    // a backward function: its time includes the primitive ops it ran
	InputShapes [][]int // nil entries for absent optional inputs
	OutputShape []int
	DType       eager.DType   // of the output
	Start       time.Duration // since the profile started
	Dur         time.Duration // wall time, including nested ops
	Self        time.Duration // Dur minus the time of the events nested inside it
	FLOPs       int64         // estimated floating-point operations (see the package doc)
	Bytes       int64         // bytes of storage allocated for the output; 0 for views
	LiveBytes   int64         // tracked live tensor bytes right after the op
	Track       int           // 1, 2, ...: the goroutine that ran it, numbered as first seen
	Untimed     bool          // the op began before the profiler started: Dur is 0
}

// Report is what a profiling run recorded.
type Report struct {
	Events []Event // in the order the ops finished
	Wall   time.Duration
	// MemStart and MemEnd are eager.MemoryStats at Start and Stop. Memory is counted only for
	// storage allocated while tracking is on (see eager.TrackMemory), which Start turns on.
	MemStart, MemEnd eager.MemStats
	// PeakLiveBytes is the highest live tensor memory seen at the end of any op.
	PeakLiveBytes int64
	Tracks        int // number of goroutines that ran ops
}

// recorder collects events from the probe; every field is guarded by mu.
type recorder struct {
	mu      sync.Mutex
	start   int64
	chunks  [][]Event // filled in blocks of chunkLen, so that recording never copies old events
	tracks  map[uintptr]int
	peak    int64
	memPrev bool
	memAt   eager.MemStats
	remove  func()
	stopped bool // set by Stop: a probe call already under way records nothing
}

var (
	activeMu sync.Mutex
	active   *recorder
)

// Start begins recording every op that any goroutine runs, until Stop. It turns memory
// tracking on (restoring the previous setting at Stop). Only one profile records at a time:
// Start panics if one is running.
func Start() {
	activeMu.Lock()
	defer activeMu.Unlock()
	if active != nil {
		panic(&eager.Error{Op: "profile.Start", Msg: "a profile is already recording; call profile.Stop first", Where: eager.CallerLocation()})
	}
	r := &recorder{tracks: map[uintptr]int{}}
	r.memPrev = eager.TrackMemory(true)
	r.memAt = eager.MemoryStats()
	r.peak = r.memAt.LiveBytes
	r.start = eager.Nanotime()
	r.remove = eager.AddOpProbe(r.record)
	active = r
}

// Stop ends the recording that Start began and returns its report. It panics if no profile is
// recording.
func Stop() *Report {
	activeMu.Lock()
	r := active
	active = nil
	activeMu.Unlock()
	if r == nil {
		panic(&eager.Error{Op: "profile.Stop", Msg: "no profile is recording; call profile.Start first", Where: eager.CallerLocation()})
	}
	r.remove()
	end := eager.Nanotime()
	eager.TrackMemory(r.memPrev)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	n := 0
	for _, c := range r.chunks {
		n += len(c)
	}
	events := make([]Event, 0, n)
	for _, c := range r.chunks {
		events = append(events, c...)
	}
	r.chunks = nil
	rep := &Report{Events: events, Wall: time.Duration(end - r.start), MemStart: r.memAt, MemEnd: eager.MemoryStats(),
		PeakLiveBytes: r.peak, Tracks: len(r.tracks)}
	computeSelf(rep.Events)
	return rep
}

// Run profiles fn: Start, fn, Stop. The profile stops even if fn panics.
func Run(fn func()) (rep *Report) {
	Start()
	defer func() { rep = Stop() }()
	fn()
	return rep
}

// record is the probe. It copies what the report needs from ev; the tensors themselves are
// not kept.
func (r *recorder) record(ev *eager.OpEvent) {
	e := Event{Name: ev.Name, Backward: ev.Backward, Span: ev.Span, Bytes: ev.OutputBytes, FLOPs: ev.FLOPs}
	// All shapes share one allocation.
	dims := 0
	for _, in := range ev.Inputs {
		if in != nil {
			dims += in.Dim()
		}
	}
	if ev.Output != nil {
		dims += ev.Output.Dim()
	}
	buf := make([]int, 0, dims)
	take := func(t *eager.Tensor) []int {
		at := len(buf)
		for d := 0; d < t.Dim(); d++ {
			buf = append(buf, t.Size(d))
		}
		return buf[at:len(buf):len(buf)]
	}
	if len(ev.Inputs) > 0 {
		e.InputShapes = make([][]int, len(ev.Inputs))
		for i, in := range ev.Inputs {
			if in != nil {
				e.InputShapes[i] = take(in)
			}
		}
	}
	if ev.Output != nil {
		e.OutputShape = take(ev.Output)
		e.DType = ev.Output.DType()
	}
	if e.FLOPs <= 0 && !ev.Span {
		e.FLOPs = estimateFLOPs(ev.Name, e.InputShapes, e.OutputShape, ev.Attrs)
	}
	live := eager.MemoryStats().LiveBytes
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	start := ev.Start
	if start == 0 || start < r.start {
		start, e.Untimed = ev.End, true
	}
	if start < r.start {
		start = r.start
	}
	e.Start = time.Duration(start - r.start)
	e.Dur = time.Duration(ev.End - start)
	t, ok := r.tracks[ev.Goroutine]
	if !ok {
		t = len(r.tracks) + 1
		r.tracks[ev.Goroutine] = t
	}
	e.Track = t
	e.LiveBytes = live
	r.peak = max(r.peak, live)
	if k := len(r.chunks); k == 0 || len(r.chunks[k-1]) == cap(r.chunks[k-1]) {
		r.chunks = append(r.chunks, make([]Event, 0, chunkLen))
	}
	k := len(r.chunks) - 1
	r.chunks[k] = append(r.chunks[k], e)
}

// chunkLen is the number of events per block of the recorder.
const chunkLen = 1024

// computeSelf sets each event's Self time: its duration minus that of the events directly
// nested in it. Events of one goroutine either nest or do not overlap, because an op that
// calls another op (a dtype conversion, the ops of a backward function) starts before it and
// finishes after it.
func computeSelf(events []Event) {
	idx := make([]int, len(events))
	for i := range idx {
		idx[i] = i
		events[i].Self = events[i].Dur
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ea, eb := &events[idx[a]], &events[idx[b]]
		if ea.Track != eb.Track {
			return ea.Track < eb.Track
		}
		if ea.Start != eb.Start {
			return ea.Start < eb.Start
		}
		return ea.Start+ea.Dur > eb.Start+eb.Dur // the enclosing event first
	})
	var stack []int
	track := -1
	for _, i := range idx {
		e := &events[i]
		if e.Track != track {
			stack, track = stack[:0], e.Track
		}
		for len(stack) > 0 {
			top := &events[stack[len(stack)-1]]
			if e.Start+e.Dur <= top.Start+top.Dur {
				break
			}
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 {
			events[stack[len(stack)-1]].Self -= e.Dur
		}
		stack = append(stack, i)
	}
}

// String returns the event as "Name [shapes] dur".
func (e Event) String() string {
	return fmt.Sprintf("%s %s %v", e.displayName(), shapesString(e.InputShapes), e.Dur)
}

func (e Event) displayName() string {
	if e.Backward && !e.Span {
		return e.Name + " (backward)"
	}
	return e.Name
}
