package eager

import (
	"fmt"
	"math"
	"strings"
)

// Summary returns a one-line description of x for logging: shape, dtype, min, max, mean,
// standard deviation and the number of NaN and Inf elements, e.g.
//
//	shape=[64 10] dtype=float32 min=-3.217 max=4.05 mean=0.01234 std=1.002 nan=0 inf=0
//
// The statistics are over the finite elements only, so that one NaN does not hide the rest;
// std is the sample standard deviation (divisor n-1, as Tensor.Std), 0 for one element. A
// tensor with no finite element prints "no finite values" instead of the statistics. Summary
// reads the values directly: it records no autograd history and is invisible to observers
// and the profiler.
func (x *Tensor) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shape=%v dtype=%v", x.shape, x.dtype)
	if x.Numel() == 0 {
		b.WriteString(" empty")
		return b.String()
	}
	c := x.contig()
	var s stats
	switch x.dtype {
	case Float32:
		s = summarize(c.f32(), func(v float32) float64 { return float64(v) })
	case Float64:
		s = summarize(c.f64(), func(v float64) float64 { return v })
	case Int64:
		s = summarize(c.i64(), func(v int64) float64 { return float64(v) })
	case Bool:
		s = summarize(c.bools(), func(v bool) float64 {
			if v {
				return 1
			}
			return 0
		})
	}
	if s.n == 0 {
		b.WriteString(" no finite values")
	} else {
		std := 0.0
		if s.n > 1 {
			std = math.Sqrt(s.m2 / float64(s.n-1))
		}
		fmt.Fprintf(&b, " min=%.4g max=%.4g mean=%.4g std=%.4g", s.min, s.max, s.mean, std)
	}
	fmt.Fprintf(&b, " nan=%d inf=%d", s.nan, s.inf)
	if x.node != nil {
		fmt.Fprintf(&b, " grad_fn=%s", x.node.name())
	}
	return b.String()
}

// stats accumulates min, max, mean and the sum of squared deviations (Welford's method, which
// stays accurate for large means) over finite values, and counts NaN and Inf.
type stats struct {
	n, nan, inf int
	min, max    float64
	mean, m2    float64
}

func summarize[T elem](vals []T, f func(T) float64) stats {
	s := stats{min: math.Inf(1), max: math.Inf(-1)}
	for _, x := range vals {
		v := f(x)
		switch {
		case math.IsNaN(v):
			s.nan++
			continue
		case math.IsInf(v, 0):
			s.inf++
			continue
		}
		s.n++
		s.min = math.Min(s.min, v)
		s.max = math.Max(s.max, v)
		d := v - s.mean
		s.mean += d / float64(s.n)
		s.m2 += d * (v - s.mean)
	}
	return s
}
