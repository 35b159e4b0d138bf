package eager

import (
	"runtime"
	"testing"
)

// TestSetNumThreads checks that capping the threads changes no result bit (products, sums,
// convolutions, softmax and their gradients) and that NumThreads reports the cap.
func TestSetNumThreads(t *testing.T) {
	// At least two Ps, so that the default run splits its ops and the comparison can fail.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	run := func() []*Tensor {
		ManualSeed(3)
		a := Randn(300, 200).SetRequiresGrad(true)
		b := Randn(200, 500)
		x := Randn(4, 3, 20, 20).SetRequiresGrad(true)
		w := Randn(8, 3, 3, 3)
		y := a.MatMul(b).Softmax(-1).Sum(0)
		c := Conv2d(x, w, nil, ConvOptions{Padding: []int{1, 1}})
		loss := y.Sum().Add(c.Square().Mean())
		loss.Backward()
		return []*Tensor{y, c, a.Grad(), x.Grad(), Randn(1 << 20).Sum()}
	}
	want := run()
	prev := SetNumThreads(1)
	defer SetNumThreads(0)
	if prev != runtime.GOMAXPROCS(0) {
		t.Fatalf("SetNumThreads returned %d, want GOMAXPROCS %d", prev, runtime.GOMAXPROCS(0))
	}
	if NumThreads() != 1 {
		t.Fatalf("NumThreads() = %d after SetNumThreads(1)", NumThreads())
	}
	got := run()
	for i := range want {
		a, b := want[i].Float64s(), got[i].Float64s()
		for j := range a {
			if a[j] != b[j] {
				t.Fatalf("result %d element %d: %v with all threads, %v with one", i, j, a[j], b[j])
			}
		}
	}
	if SetNumThreads(0) != 1 || NumThreads() != runtime.GOMAXPROCS(0) {
		t.Fatalf("SetNumThreads(0) did not restore GOMAXPROCS")
	}
}
