//go:build ignore

// gelu32_fit derives the float32 tables of gelu32.go (geluM32, geluG32, geluE32) and prints
// them as Go declarations. Run: `go run gelu32_fit.go` in this directory.
//
// With s = |x|, the 16 intervals of s described at intervals below each get a polynomial of
// degree 6 (or the degree given as the argument) in d = s - c, c the interval's center (for
// GELU' on [½, 1) the float32 nearest the zero s0 = 0.75179... of G), that approximates
//
//	M(s) = Q(s)·e^(s²/2)         (GELU,  Q(s) = erfc(s/√2)/2 = Φ(-s))
//	G(s) = M(s) - s/√(2π)        (GELU': Φ(-s) - s·φ(s) = e^(-s²/2)·G(s), scaled: see table)
//
// The fit minimizes the largest relative error against float64 math (math.Erfc, which is
// accurate to a few 1e-16 here) on Chebyshev-spaced points, by a weighted least-squares fit
// whose weights move toward the points of largest error (Lawson's iteration toward the
// minimax fit). The coefficients of degree 1 and up are rounded to float32 one at a time,
// lowest first, the others refitted after each rounding; the constant term stays in float64
// and is stored as a float32 pair hi + lo. e^r - 1 = r + r²·P(r) on |r| ≤ ln2/2 is fitted
// the same way (degree 5, its absolute error relative to e^r).
package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

var deg = 6

const debug = false // print each interval's error

func mFn(s float64) float64 { return 0.5 * math.Erfc(s/math.Sqrt2) * math.Exp(s*s/2) }
func gFn(s float64) float64 { return mFn(s) - s/math.Sqrt(2*math.Pi) }

// lsq solves min ||a·c - b|| by Householder QR.
func lsq(a [][]float64, b []float64) []float64 {
	m, n := len(a), len(a[0])
	A := make([][]float64, m)
	for i := range a {
		A[i] = append(append([]float64{}, a[i]...), b[i])
	}
	for k := 0; k < n; k++ {
		var norm float64
		for i := k; i < m; i++ {
			norm += A[i][k] * A[i][k]
		}
		norm = math.Sqrt(norm)
		if A[k][k] > 0 {
			norm = -norm
		}
		v := make([]float64, m)
		v[k] = A[k][k] - norm
		for i := k + 1; i < m; i++ {
			v[i] = A[i][k]
		}
		var vv float64
		for i := k; i < m; i++ {
			vv += v[i] * v[i]
		}
		if vv == 0 {
			continue
		}
		for j := k; j <= n; j++ {
			var dot float64
			for i := k; i < m; i++ {
				dot += v[i] * A[i][j]
			}
			f := 2 * dot / vv
			for i := k; i < m; i++ {
				A[i][j] -= f * v[i]
			}
		}
	}
	c := make([]float64, n)
	for k := n - 1; k >= 0; k-- {
		s := A[k][n]
		for j := k + 1; j < n; j++ {
			s -= A[k][j] * c[j]
		}
		c[k] = s / A[k][k]
	}
	return c
}

func poly(c []float64, d float64) float64 {
	p := 0.0
	for k := len(c) - 1; k >= 0; k-- {
		p = p*d + c[k]
	}
	return p
}

// fit returns the coefficients of degree n that minimize max |P(d) - f|/|f|·wt(d) over the
// points, with the coefficients in fixed held at their values.
func fit(ds, f, wt []float64, n int, fixed map[int]float64) ([]float64, float64) {
	w := make([]float64, len(ds))
	for i := range w {
		w[i] = 1
	}
	var free []int
	for k := 0; k <= n; k++ {
		if _, ok := fixed[k]; !ok {
			free = append(free, k)
		}
	}
	full := func(cf []float64) []float64 {
		c := make([]float64, n+1)
		for k, v := range fixed {
			c[k] = v
		}
		for i, k := range free {
			c[k] = cf[i]
		}
		return c
	}
	var best []float64
	bestE := math.Inf(1)
	errs := make([]float64, len(ds))
	for range 200 {
		a := make([][]float64, len(ds))
		b := make([]float64, len(ds))
		for i, d := range ds {
			sc := w[i] * wt[i] / math.Abs(f[i])
			rest := f[i]
			for k := range n + 1 { // in order, so that the output is reproducible
				if v, ok := fixed[k]; ok {
					rest -= v * math.Pow(d, float64(k))
				}
			}
			row := make([]float64, len(free))
			for j, k := range free {
				row[j] = math.Pow(d, float64(k)) * sc
			}
			a[i], b[i] = row, rest*sc
		}
		c := full(lsq(a, b))
		m := 0.0
		for i, d := range ds {
			errs[i] = math.Abs(poly(c, d)-f[i]) / math.Abs(f[i]) * wt[i]
			m = math.Max(m, errs[i])
		}
		if m < bestE {
			best, bestE = c, m
		}
		for i := range w {
			w[i] = w[i]*math.Pow(errs[i]/m, 0.3) + 1e-14
		}
	}
	return best, bestE
}

// fitRounded fits, rounding the coefficients of degree 1 and up to float32 one at a time.
func fitRounded(ds, f, wt []float64, n int) ([]float64, float64) {
	fixed := map[int]float64{}
	for k := 1; k <= n; k++ {
		c, _ := fit(ds, f, wt, n, fixed)
		fixed[k] = float64(float32(c[k]))
	}
	return fit(ds, f, wt, n, fixed)
}

func cheb(lo, hi float64, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = lo + (hi-lo)*(1-math.Cos(math.Pi*float64(i)/float64(n-1)))/2
	}
	return xs
}

// intervals returns interval j's bounds and center, and the slot of the tables that holds
// it: s + 1 in [1, 16) split by its exponent and two leading mantissa bits (bits 21-24 of
// its float32 encoding, the slot), so that widths are ¼ on [0, 1), ½ to 3, 1 to 7 and 2 to
// 15; the last interval, [13, 15), is fitted on [13, 20] (the kernels clamp s + 1 to 15.5
// for the slot and s to 20). Centers are midpoints: d = s - c is exact for s ≥ c/2 and
// within 2^-27 below (the first interval's center is ⅛).
func intervals(j int) (lo, hi, c float64, slot int) {
	e, m := j/4, j%4
	w := math.Ldexp(1, e-2)
	lo = math.Ldexp(1, e) + float64(m)*w - 1
	hi, c = lo+w, lo+w/2
	if j == 15 {
		hi, c = 20, 14
	}
	return lo, hi, c, int(math.Float32bits(float32(lo+1))>>21) & 15
}

// table fits fn on the 16 intervals and returns rows c0hi, c0lo, c1..c6 and the centers;
// with scaled, the function divided by 2^m on each interval, m ≥ 0 the least such that
// 1.42·|fn/2^m| ≤ 1 there, and a last row of the m (so that a·fn/2^m·(1 + r + q) cannot
// overflow for a finite a, while m = 0 where fn is small keeps the products of a tiny a
// as precise as the result).
func table(name string, fn func(float64) float64, root, last float64, scaled bool) (rows [][16]float32) {
	rows = make([][16]float32, deg+3)
	if scaled {
		rows = append(rows, [16]float32{})
	}
	worst := 0.0
	for j := range 16 {
		lo, hi, c, slot := intervals(j)
		if j == 15 {
			hi = last
		}
		lo, hi = lo-1e-4*(hi-lo), hi+1e-4*(hi-lo) // s + 1 rounds s to the next interval
		lo = math.Max(lo, 0)
		ds := cheb(lo-c, hi-c, 400)
		if root > lo-0.01 && root < hi+0.01 {
			c = float64(float32(root))
			ds = cheb(lo-c, hi-c, 400)
			for e := -7.0; e <= -2; e += 0.25 { // near the zero, where relative error is hard
				ds = append(ds, root-c+math.Pow(10, e), root-c-math.Pow(10, e))
			}
		}
		rows[deg+2][slot] = float32(c)
		f := make([]float64, len(ds))
		wt := make([]float64, len(ds))
		for i, d := range ds {
			f[i], wt[i] = fn(c+d), 1
		}
		if scaled {
			m := 0
			for _, v := range f {
				for 1.42*math.Abs(v) > math.Ldexp(1, m) {
					m++
				}
			}
			for i := range f {
				f[i] = math.Ldexp(f[i], -m)
			}
			rows[deg+3][slot] = float32(m)
		}
		cf, e := fitRounded(ds, f, wt, deg)
		if debug {
			_, e0 := fit(ds, f, wt, deg, nil)
			fmt.Printf("// %s %d [%g, %g] c %g: %.3g (unrounded %.3g)\n", name, j, lo, hi, c, e, e0)
		}
		worst = math.Max(worst, e)
		hi32 := float32(cf[0])
		rows[0][slot], rows[1][slot] = hi32, float32(cf[0]-float64(hi32))
		for k := 1; k <= deg; k++ {
			rows[k+1][slot] = float32(cf[k])
		}
	}
	fmt.Printf("// %s: largest relative error %.3g\n", name, worst)
	return rows
}

func show(name string, rows [][16]float32) {
	fmt.Printf("var %s = [%d][16]float32{\n", name, len(rows))
	for _, r := range rows {
		var s []string
		for _, v := range r {
			s = append(s, fmt.Sprint(v))
		}
		fmt.Printf("\t{%s},\n", strings.Join(s, ", "))
	}
	fmt.Println("}")
}

func main() {
	if len(os.Args) > 1 { // another degree, to compare (gelu32.go needs 6)
		deg, _ = strconv.Atoi(os.Args[1])
	}
	s0 := 0.75 // the zero of G, by Newton's method
	for range 50 {
		const h = 1e-7
		s0 -= gFn(s0) / ((gFn(s0+h) - gFn(s0-h)) / (2 * h))
	}
	show("geluM32", table("geluM32", mFn, -1, 15.5, false))
	show("geluG32", table("geluG32", gFn, s0, 20, true))

	// e^r - 1 = r + r²·P(r): fit P to (expm1(r) - r)/r², with weights r²/e^r so that the
	// error is measured relative to e^r.
	var ds, f, wt []float64
	for _, r := range cheb(-0.35, 0.35, 401) {
		if math.Abs(r) > 1e-3 {
			ds, f = append(ds, r), append(f, (math.Expm1(r)-r)/(r*r))
			wt = append(wt, r*r/math.Exp(r))
		}
	}
	p, e := fitRounded(ds, f, wt, 5)
	fmt.Printf("// geluE32: largest error relative to e^r %.3g\nvar geluE32 = [6]float32{", e)
	for k, v := range p {
		if k > 0 {
			fmt.Print(", ")
		}
		fmt.Print(float32(v))
	}
	fmt.Println("}")
}
