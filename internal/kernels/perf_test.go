package kernels

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGemmPerf prints best-of-many GFLOP/s for tuning on a shared machine; it runs only
// with EAGER_PERF=1. EAGER_VARIANT (e.g. f64/avx2) picks one kernel, EAGER_SIZES a list of
// sizes, EAGER_KC, EAGER_MC, EAGER_NC override the blocking, EAGER_BUDGET the time per size.
func TestGemmPerf(t *testing.T) {
	if os.Getenv("EAGER_PERF") == "" {
		t.Skip("set EAGER_PERF=1")
	}
	env := func(k string, v *int) {
		if s := os.Getenv(k); s != "" {
			*v, _ = strconv.Atoi(s)
		}
	}
	sizes := []int{64, 128, 256, 512, 1024}
	if s := os.Getenv("EAGER_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			v, _ := strconv.Atoi(f)
			sizes = append(sizes, v)
		}
	}
	s32, d64 := gemmVariants()
	for _, g := range s32 {
		perfGemm(g, "f32", sizes, env)
	}
	for _, g := range d64 {
		perfGemm(g, "f64", sizes, env)
	}
}

func perfGemm[T Float](g0 *gemmConfig[T], dt string, sizes []int, env func(string, *int)) {
	if v := os.Getenv("EAGER_VARIANT"); v != "" && v != dt+"/"+g0.name {
		return
	}
	g := cloneConfig(g0)
	if os.Getenv("EAGER_PACKED") != "" {
		g.kernDirect = nil
	}
	env("EAGER_DIRECTB", &g.directBRows)
	env("EAGER_KC", &g.kc)
	env("EAGER_MC", &g.mc)
	env("EAGER_NC", &g.nc)
	g.aInL1 = g0.aInL1
	if o := os.Getenv("EAGER_ORDER"); o != "" {
		g.aInL1 = o == "a"
	}
	for _, n := range sizes {
		a, b, c := make([]T, n*n), make([]T, n*n), make([]T, n*n)
		for i := range a {
			a[i], b[i] = T(i%7)*0.1, T(i%5)*0.1
		}
		best := time.Hour
		budget := time.Now().Add(perfBudget())
		for time.Now().Before(budget) {
			reps := max(1, (1<<26)/(n*n*n))
			t0 := time.Now()
			for range reps {
				gemm(g, false, false, n, n, n, a, n, b, n, c, n, false)
			}
			best = min(best, time.Since(t0)/time.Duration(reps))
		}
		fmt.Printf("%s %s aInL1=%v kc=%d mc=%d nc=%d n=%d: %.1f GFLOP/s\n", dt, g.name, g.aInL1, g.kc, g.mc, g.nc, n, 2*float64(n*n*n)/best.Seconds()/1e9)
	}
}

func perfBudget() time.Duration {
	if s := os.Getenv("EAGER_BUDGET"); s != "" {
		d, _ := time.ParseDuration(s)
		return d
	}
	return 2 * time.Second
}

// TestGemmShapePerf prints best-of GFLOP/s of Gemm for EAGER_SHAPES="m,n,k,tA,tB;..." (tA, tB
// 0 or 1), with EAGER_PERF=1.
func TestGemmShapePerf(t *testing.T) {
	if os.Getenv("EAGER_PERF") == "" || os.Getenv("EAGER_SHAPES") == "" {
		t.Skip("set EAGER_PERF=1 and EAGER_SHAPES")
	}
	gemmF32.packAll = os.Getenv("EAGER_PACKALL") != ""
	defer func() { gemmF32.packAll = false }()
	for _, sh := range strings.Split(os.Getenv("EAGER_SHAPES"), ";") {
		var v [5]int
		for i, f := range strings.Split(sh, ",") {
			v[i], _ = strconv.Atoi(f)
		}
		m, n, k, tA, tB := v[0], v[1], v[2], v[3] == 1, v[4] == 1
		a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
		lda, ldb := k, n
		if tA {
			lda = m
		}
		if tB {
			ldb = k
		}
		best := time.Hour
		budget := time.Now().Add(perfBudget())
		for time.Now().Before(budget) {
			reps := max(1, (1<<26)/(m*n*k))
			t0 := time.Now()
			for range reps {
				Gemm(tA, tB, m, n, k, a, lda, b, ldb, c, n, false)
			}
			best = min(best, time.Since(t0)/time.Duration(reps))
		}
		fmt.Printf("f32 %s: %.1f GFLOP/s\n", sh, 2*float64(m*n*k)/best.Seconds()/1e9)
	}
}
