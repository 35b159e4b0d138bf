package profile

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// OpStat aggregates the events of one op (and, when grouping by shapes, one combination of
// input shapes), as torch.profiler's key_averages does.
type OpStat struct {
	Name     string
	Backward bool   // the op ran inside backward passes (its forward runs are another row)
	Span     bool   // a backward function: Total includes the primitive ops it ran
	Shapes   string // the input shapes, when grouped by shapes; "" otherwise
	Calls    int
	Total    time.Duration // wall time including nested ops
	Self     time.Duration // Total minus nested ops: the op's own time
	FLOPs    int64
	Bytes    int64 // storage allocated for the outputs
}

// Mean returns the average wall time of one call.
func (s OpStat) Mean() time.Duration {
	if s.Calls == 0 {
		return 0
	}
	return s.Total / time.Duration(s.Calls)
}

// GFLOPS returns the op's throughput: its FLOPs over its self time, in 10⁹ per second.
func (s OpStat) GFLOPS() float64 {
	if s.Self <= 0 {
		return 0
	}
	return float64(s.FLOPs) / s.Self.Seconds() / 1e9
}

// DisplayName is the row's name: the op name, marked "(backward)" for primitive ops that ran
// inside backward passes.
func (s OpStat) DisplayName() string {
	if s.Backward && !s.Span {
		return s.Name + " (backward)"
	}
	return s.Name
}

// Stats groups the events by op name, whether they ran in backward, and with groupByShapes by
// their input shapes, sorted by total time (longest first; ties by name).
func (r *Report) Stats(groupByShapes bool) []OpStat {
	type key struct {
		name     string
		bw, span bool
		shapes   string
	}
	idx := map[key]int{}
	var out []OpStat
	for _, e := range r.Events {
		k := key{name: e.Name, bw: e.Backward, span: e.Span}
		if groupByShapes {
			k.shapes = shapesString(e.InputShapes)
		}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, OpStat{Name: e.Name, Backward: e.Backward, Span: e.Span, Shapes: k.shapes})
		}
		s := &out[i]
		s.Calls++
		s.Total += e.Dur
		s.Self += e.Self
		s.FLOPs += e.FLOPs
		s.Bytes += e.Bytes
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].DisplayName()+out[i].Shapes < out[j].DisplayName()+out[j].Shapes
	})
	return out
}

// TableOption configures Report.Table.
type TableOption func(*tableConfig)

type tableConfig struct {
	byShapes bool
	limit    int
}

// GroupByShapes makes Table give one row per op and combination of input shapes, as
// key_averages(group_by_input_shape=True) does.
func GroupByShapes() TableOption { return func(c *tableConfig) { c.byShapes = true } }

// Limit makes Table print only the first n rows (n <= 0: all).
func Limit(n int) TableOption { return func(c *tableConfig) { c.limit = n } }

// Table formats Stats as a text table sorted by total time, like PyTorch's
// prof.key_averages().table(sort_by="cpu_time_total"):
//
//	Name                Calls   Total    Self  Self %     Mean   FLOPs  GFLOP/s    Alloc
//	Bmm                     3  1.20ms  1.20ms  41.52%  400.1us  25.7M    21.42  170 KiB
//	...
//
// Total includes nested ops (a backward function's row includes the ops it ran); Self does
// not, and Self % is the share of the sum of all self times, so the column adds up to 100%.
// GFLOP/s is FLOPs over self time. Alloc is the storage allocated for the outputs. A footer
// gives the wall time and the tensor memory: live at start and stop and the peak observed.
func (r *Report) Table(opts ...TableOption) string {
	var c tableConfig
	for _, o := range opts {
		o(&c)
	}
	stats := r.Stats(c.byShapes)
	var selfSum time.Duration
	for _, s := range stats {
		selfSum += s.Self
	}
	header := []string{"Name", "Calls", "Total", "Self", "Self %", "Mean", "FLOPs", "GFLOP/s", "Alloc"}
	if c.byShapes {
		header = append(header, "Input shapes")
	}
	rows := [][]string{header}
	shown := stats
	if c.limit > 0 && len(shown) > c.limit {
		shown = shown[:c.limit]
	}
	for _, s := range shown {
		pct := 0.0
		if selfSum > 0 {
			pct = 100 * float64(s.Self) / float64(selfSum)
		}
		gf := "-"
		if s.FLOPs > 0 && s.Self > 0 {
			gf = fmt.Sprintf("%.2f", s.GFLOPS())
		}
		row := []string{s.DisplayName(), fmt.Sprint(s.Calls), fmtDur(s.Total), fmtDur(s.Self), fmt.Sprintf("%.2f%%", pct),
			fmtDur(s.Mean()), fmtCount(s.FLOPs), gf, fmtBytes(s.Bytes)}
		if c.byShapes {
			row = append(row, s.Shapes)
		}
		rows = append(rows, row)
	}
	var out strings.Builder
	writeColumns(&out, rows)
	if c.limit > 0 && len(stats) > c.limit {
		fmt.Fprintf(&out, "(%d more rows)\n", len(stats)-c.limit)
	}
	fmt.Fprintf(&out, "Self time total: %s in %d op calls on %d goroutine(s); wall time %s\n",
		fmtDur(selfSum), len(r.Events), r.Tracks, fmtDur(r.Wall))
	fmt.Fprintf(&out, "Tensor memory: live %s at start, %s at stop, peak %s (storage allocated while profiling, until garbage-collected)\n",
		fmtBytes(r.MemStart.LiveBytes), fmtBytes(r.MemEnd.LiveBytes), fmtBytes(r.PeakLiveBytes))
	return out.String()
}

// writeColumns writes rows as aligned columns two spaces apart, with a rule under the header
// and under the last row: the first column (names) and a tenth (shapes) aligned left, the
// numbers right.
func writeColumns(b *strings.Builder, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	total := 0
	for _, w := range widths {
		total += w + 2
	}
	rule := strings.Repeat("-", max(total-2, 0))
	for ri, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				line.WriteString("  ")
			}
			if i == 0 || i == 9 {
				line.WriteString(c + pad)
			} else {
				line.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
		if ri == 0 {
			b.WriteString(rule + "\n")
		}
	}
	b.WriteString(rule + "\n")
}

func shapesString(shapes [][]int) string {
	parts := make([]string, len(shapes))
	for i, s := range shapes {
		if s == nil {
			parts[i] = "-"
		} else {
			parts[i] = fmt.Sprint(s)
		}
	}
	return strings.Join(parts, " ")
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.3fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.3fms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.3fus", float64(d)/1e3)
	}
}

func fmtCount(n int64) string {
	f := float64(n)
	switch {
	case n == 0:
		return "-"
	case f >= 1e12:
		return fmt.Sprintf("%.2fT", f/1e12)
	case f >= 1e9:
		return fmt.Sprintf("%.2fG", f/1e9)
	case f >= 1e6:
		return fmt.Sprintf("%.2fM", f/1e6)
	case f >= 1e3:
		return fmt.Sprintf("%.2fK", f/1e3)
	}
	return fmt.Sprint(n)
}

func fmtBytes(n int64) string {
	f := float64(n)
	switch {
	case n == 0:
		return "0 B"
	case f >= 1<<30:
		return fmt.Sprintf("%.2f GiB", f/(1<<30))
	case f >= 1<<20:
		return fmt.Sprintf("%.2f MiB", f/(1<<20))
	case f >= 1<<10:
		return fmt.Sprintf("%.2f KiB", f/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
