package profile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// traceEvent is one entry of the Chrome trace event format (the JSON that chrome://tracing
// and Perfetto's ui.perfetto.dev open): "X" complete events with ts and dur in microseconds,
// "C" counters and "M" metadata.
type traceEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`
	Dur  *float64       `json:"dur,omitempty"`
	Pid  int            `json:"pid"`
	Tid  int            `json:"tid"`
	Args map[string]any `json:"args,omitempty"`
}

// WriteChromeTrace writes the events as a Chrome trace JSON object that Perfetto
// (ui.perfetto.dev) and chrome://tracing open: one track per goroutine that ran ops, one
// complete event per op (nested ops, such as the ops a backward function runs, appear inside
// it), with the input shapes, FLOPs and allocated bytes as arguments, and a counter track of
// live tensor memory.
func (r *Report) WriteChromeTrace(w io.Writer) error {
	const pid = 1
	us := func(d time.Duration) float64 { return float64(d) / 1e3 }
	evs := []traceEvent{{Name: "process_name", Ph: "M", Pid: pid, Args: map[string]any{"name": "eager"}}}
	for t := 1; t <= r.Tracks; t++ {
		evs = append(evs,
			traceEvent{Name: "thread_name", Ph: "M", Pid: pid, Tid: t, Args: map[string]any{"name": fmt.Sprintf("goroutine #%d", t)}},
			traceEvent{Name: "thread_sort_index", Ph: "M", Pid: pid, Tid: t, Args: map[string]any{"sort_index": t}})
	}
	order := make([]int, len(r.Events))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ea, eb := &r.Events[order[a]], &r.Events[order[b]]
		if ea.Start != eb.Start {
			return ea.Start < eb.Start
		}
		return ea.Dur > eb.Dur
	})
	lastLive := int64(-1)
	for _, i := range order {
		e := &r.Events[i]
		cat := "op"
		switch {
		case e.Span:
			cat = "backward function"
		case e.Backward:
			cat = "backward op"
		}
		dur := us(e.Dur)
		args := map[string]any{"self_us": us(e.Self)}
		if e.InputShapes != nil {
			args["input_shapes"] = shapesString(e.InputShapes)
		}
		if e.OutputShape != nil {
			args["output_shape"] = fmt.Sprint(e.OutputShape)
			args["dtype"] = e.DType.String()
		}
		if e.FLOPs > 0 {
			args["flops"] = e.FLOPs
		}
		if e.Bytes > 0 {
			args["bytes"] = e.Bytes
		}
		if e.Untimed {
			args["untimed"] = true
		}
		evs = append(evs, traceEvent{Name: e.Name, Cat: cat, Ph: "X", Ts: us(e.Start), Dur: &dur, Pid: pid, Tid: e.Track, Args: args})
	}
	// The memory counter, in the order the ops finished.
	byEnd := append([]int(nil), order...)
	sort.SliceStable(byEnd, func(a, b int) bool {
		ea, eb := &r.Events[byEnd[a]], &r.Events[byEnd[b]]
		return ea.Start+ea.Dur < eb.Start+eb.Dur
	})
	for _, i := range byEnd {
		e := &r.Events[i]
		if e.LiveBytes != lastLive {
			lastLive = e.LiveBytes
			evs = append(evs, traceEvent{Name: "tensor memory", Ph: "C", Ts: us(e.Start + e.Dur), Pid: pid,
				Args: map[string]any{"live bytes": e.LiveBytes}})
		}
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n"); err != nil {
		return err
	}
	enc := json.NewEncoder(bw)
	for i := range evs {
		if i > 0 {
			if _, err := bw.WriteString(","); err != nil {
				return err
			}
		}
		if err := enc.Encode(&evs[i]); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("]}\n"); err != nil {
		return err
	}
	return bw.Flush()
}
