package eager

import "testing"

// BenchmarkObservability measures one op (Add of one-element tensors that require grad, so
// that the time is dispatch, allocation and tape recording) in the states a program goes
// through: never observed; after anomaly mode ended; after a profiler's probe was removed;
// and, for contrast, with anomaly mode or a probe on. The three "off" cases must match: the
// hooks cost one atomic load at the op's start and one at its end when nothing is installed.
// Compare with benchstat, e.g.
//
//	go test -run '^$' -bench Observability -count 10 . | benchstat -col /state -
func BenchmarkObservability(b *testing.B) {
	x, y := Full(1, 1).SetRequiresGrad(true), Full(2, 1).SetRequiresGrad(true)
	run := func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = x.Add(y)
		}
	}
	b.Run("state=off-never-enabled", run)
	b.Run("state=off-after-anomaly", func(b *testing.B) {
		DetectAnomaly(func() { x.Add(y) })
		run(b)
	})
	b.Run("state=off-after-probe", func(b *testing.B) {
		AddOpProbe(func(*OpEvent) {})()
		run(b)
	})
	b.Run("state=on-anomaly", func(b *testing.B) { DetectAnomaly(func() { run(b) }) })
	b.Run("state=on-probe", func(b *testing.B) {
		defer AddOpProbe(func(*OpEvent) {})()
		run(b)
	})
}
