package eager

import "testing"

func BenchmarkTmpAttnBmm(b *testing.B) {
	q := Randn(32, 4, 64, 32)
	k := Randn(32, 4, 64, 32)
	p := Randn(32, 4, 64, 64)
	flops := 2.0 * 128 * 64 * 64 * 32
	for _, c := range []struct {
		name string
		f    func() *Tensor
	}{
		{"QKt", func() *Tensor { return q.MatMul(k.Transpose(-2, -1)) }},
		{"PV", func() *Tensor { return p.MatMul(k) }},
		{"PtG", func() *Tensor { return p.Transpose(-2, -1).MatMul(q) }},
		{"GK", func() *Tensor { return p.MatMul(k) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				c.f()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
	x := Randn(2048, 128)
	w := Randn(384, 128)
	b.Run("qkv-proj", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			x.MatMul(w.Transpose(0, 1))
		}
		b.ReportMetric(2*2048*128*384*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
