//go:build amd64 && !purego

package kernels

import (
	"math/rand/v2"
	"testing"
)

// Each Adam assembly kernel alone (AVX-512 machines run the AVX2 one only on tails when
// dispatched) against the Go loop, bit for bit.
func TestAdamKernelsEachAgainstGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := AdamCoefficients[float32]{0.9, 0.1, 0.999, 0.001, 0.3, 1e-8, -2e-3}
	for _, k := range []struct {
		name  string
		ok    bool
		lanes int
		run   func(p, m, v, d *float32, n int, c *AdamCoefficients[float32])
	}{{"avx2", hasAVX2, 8, adamAVX2}, {"avx512", hasAVX512, 16, adamAVX512}} {
		if !k.ok {
			continue
		}
		for _, n := range []int{16, 32, 48, 1024, 4096 + 16} {
			mk := func(pos bool) []float32 {
				s := make([]float32, n)
				for i := range s {
					s[i] = float32(rng.NormFloat64())
					if pos && s[i] < 0 {
						s[i] = -s[i]
					}
				}
				return s
			}
			p, m, v, d := mk(false), mk(false), mk(true), mk(false)
			p2, m2, v2 := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
			k.run(&p[0], &m[0], &v[0], &d[0], n, &c)
			adamGo(p2, m2, v2, d, &c)
			for i := range p {
				if !sameBits(p[i], p2[i]) || !sameBits(m[i], m2[i]) || !sameBits(v[i], v2[i]) {
					t.Fatalf("%s n=%d [%d]: %v %v %v, Go %v %v %v", k.name, n, i, p[i], m[i], v[i], p2[i], m2[i], v2[i])
				}
			}
		}
	}
}
