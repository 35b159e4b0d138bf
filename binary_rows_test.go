package eager

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestWalkRowRange checks that walking any range of rows visits exactly the rows, in order
// and with the offsets, that walkRows visits over the whole space.
func TestWalkRowRange(t *testing.T) {
	for _, c := range []struct {
		shape   []int
		strides [][]int
		base    []int
	}{
		{[]int{7}, [][]int{{1}, {0}}, []int{0, 3}},
		{[]int{1, 1}, [][]int{{1, 1}, nil}, []int{2, 0}},
		{[]int{5, 3}, [][]int{{3, 1}, {0, 1}}, []int{0, 4}},
		{[]int{2, 3, 4, 5}, [][]int{{60, 20, 5, 1}, {0, 5, 0, 1}, nil}, []int{0, 1, 9}},
		{[]int{3, 1, 4, 2}, [][]int{{8, 8, 2, 1}, {1, 0, 3, 0}}, []int{5, 0}},
	} {
		type visit struct{ row, o0, o1 int }
		var all []visit
		walkRows(c.shape, c.strides, c.base, func(row int, offs []int) { all = append(all, visit{row, offs[0], offs[1]}) })
		if want := numel(c.shape[:len(c.shape)-1]); len(all) != want {
			t.Fatalf("%v: walkRows visited %d rows, want %d", c.shape, len(all), want)
		}
		for lo := 0; lo <= len(all); lo++ {
			for hi := lo; hi <= len(all); hi++ {
				var got []visit
				walkRowRange(c.shape, c.strides, c.base, lo, hi, func(row int, offs []int) { got = append(got, visit{row, offs[0], offs[1]}) })
				if len(got) != hi-lo {
					t.Fatalf("%v rows [%d, %d): visited %d rows", c.shape, lo, hi, len(got))
				}
				for i, v := range got {
					if v != all[lo+i] {
						t.Fatalf("%v rows [%d, %d): visit %d is %+v, walkRows gives %+v", c.shape, lo, hi, i, v, all[lo+i])
					}
				}
			}
		}
	}
}

// TestBroadcastBinaryRows checks the broadcasting path of the binary ops, whose rows are split
// across cores, against an element-by-element reference, bit for bit, with one and with two
// threads: shapes broadcast either way, odd sizes, size 0 and 1, non-contiguous operands, and
// the in-place forms (AddReusing).
func TestBroadcastBinaryRows(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))
	rng := rand.New(rand.NewPCG(7, 8))
	shapes := [][2][]int{
		{{2048, 129}, {129}},
		{{4099, 67}, {4099, 1}},
		{{3, 4, 64, 64}, {64, 64}},
		{{1, 1}, {1}},
		{{0, 5}, {5}},
		{{5, 0}, {1}},
		{{1}, {3001, 1}},
		{{17, 1, 4000}, {1, 9, 1}},
		{{2, 3000, 7}, {3000, 1}},
		{{65537, 2}, {2}},
	}
	ops := []struct {
		name string
		fn   func(x, y *Tensor) *Tensor
		ref  func(a, b float32) float32
	}{
		{"Add", (*Tensor).Add, func(a, b float32) float32 { return a + b }},
		{"Sub", (*Tensor).Sub, func(a, b float32) float32 { return a - b }},
		{"Mul", (*Tensor).Mul, func(a, b float32) float32 { return a * b }},
		{"Div", (*Tensor).Div, func(a, b float32) float32 { return a / b }},
		{"AddReusing", func(x, y *Tensor) *Tensor { return AddReusing(x.Clone(), y) }, func(a, b float32) float32 { return a + b }},
	}
	fill := func(shape []int) *Tensor {
		v := make([]float32, numel(shape))
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return FromSlice(v, shape...)
	}
	for _, s := range shapes {
		for _, transposed := range []bool{false, true} {
			x, y := fill(s[0]), fill(s[1])
			if transposed && len(s[0]) >= 2 { // a non-contiguous first operand of the same shape
				r := len(s[0])
				ts := append([]int(nil), s[0]...)
				ts[r-2], ts[r-1] = ts[r-1], ts[r-2]
				x = fill(ts).Transpose(-2, -1)
			}
			out := broadcastShapes("test", x.Shape(), y.Shape())
			xe, ye := x.Expand(out...).Float32s(), y.Expand(out...).Float32s()
			for _, op := range ops {
				if op.name == "AddReusing" && !sameShape(x.Shape(), out) {
					continue // AddReusing does not broadcast its first operand
				}
				for _, threads := range []int{1, 2} {
					t.Run(fmt.Sprintf("%s/%v%v/T%v/threads=%d", op.name, s[0], s[1], transposed, threads), func(t *testing.T) {
						SetNumThreads(threads)
						defer SetNumThreads(0)
						got := op.fn(x, y)
						if !sameShape(got.Shape(), out) {
							t.Fatalf("shape %v, want %v", got.Shape(), out)
						}
						for i, g := range got.Float32s() {
							if want := op.ref(xe[i], ye[i]); g != want {
								t.Fatalf("element %d: %v, want %v", i, g, want)
							}
						}
					})
				}
			}
		}
	}
}
