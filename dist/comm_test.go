package dist

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eagerml/eager"
)

// collectiveChecks runs every collective on c and checks the results, for a group of any
// size. It is shared by the in-process tests and the MPI test.
func collectiveChecks(c Communicator) error {
	r, n := c.Rank(), c.Size()
	sum := func(f func(k int) float64) float64 {
		s := 0.0
		for k := range n {
			s += f(k)
		}
		return s
	}

	f32 := []float32{float32(r), 1, float32(10 * r)}
	if err := c.AllReduce(f32); err != nil {
		return err
	}
	want32 := []float32{float32(sum(func(k int) float64 { return float64(k) })), float32(n), float32(sum(func(k int) float64 { return float64(10 * k) }))}
	if !slices.Equal(f32, want32) {
		return fmt.Errorf("AllReduce []float32 = %v, want %v", f32, want32)
	}
	i64 := []int64{int64(r + 1)}
	if err := c.AllReduce(i64); err != nil {
		return err
	}
	if i64[0] != int64(n*(n+1)/2) {
		return fmt.Errorf("AllReduce []int64 = %v", i64)
	}
	// A strided float64 tensor that requires grad, updated in place.
	t := eager.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3).Transpose(0, 1).Contiguous().Transpose(0, 1)
	t = t.Detach().SetRequiresGrad(true)
	if err := c.AllReduce(t); err != nil {
		return err
	}
	if got, want := t.Float64s(), []float64{1, 2, 3, 4, 5, 6}; !slices.Equal(got, scale(want, float64(n))) {
		return fmt.Errorf("AllReduce tensor = %v, want %v", got, scale(want, float64(n)))
	}

	root := n - 1
	b := []float64{float64(r), float64(-r)}
	if err := c.Broadcast(b, root); err != nil {
		return err
	}
	if !slices.Equal(b, []float64{float64(root), float64(-root)}) {
		return fmt.Errorf("Broadcast = %v", b)
	}
	bt := eager.Full(float64(r), 2, 2)
	if err := c.Broadcast(bt, 0); err != nil {
		return err
	}
	if got := bt.Float32s(); !slices.Equal(got, []float32{0, 0, 0, 0}) {
		return fmt.Errorf("Broadcast tensor = %v", got)
	}

	send := []int64{int64(r), int64(r * r)}
	recv := make([]int64, 2*n)
	if err := c.AllGather(send, recv); err != nil {
		return err
	}
	for k := range n {
		if recv[2*k] != int64(k) || recv[2*k+1] != int64(k*k) {
			return fmt.Errorf("AllGather = %v", recv)
		}
	}
	rt := eager.Zeros(n, 3)
	if err := c.AllGather(eager.Full(float64(r), 3), rt); err != nil {
		return err
	}
	for k, v := range rt.Float32s() {
		if v != float32(k/3) {
			return fmt.Errorf("AllGather tensor = %v", rt.Float32s())
		}
	}
	return c.Barrier()
}

func scale(s []float64, f float64) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = v * f
	}
	return out
}

func TestCollectives(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		if err := collectiveChecks(NewSingle()); err != nil {
			t.Fatal(err)
		}
	})
	for _, n := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("local/%d", n), func(t *testing.T) {
			if err := RunLocal(n, 10*time.Second, collectiveChecks); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCollectiveArgumentErrors(t *testing.T) {
	for _, c := range []Communicator{NewSingle(), NewLocal(1, time.Second)[0]} {
		name := fmt.Sprintf("%T", c)
		cases := []struct {
			call func() error
			want string
		}{
			{func() error { return c.AllReduce([]int32{1}) }, "unsupported buffer type []int32"},
			{func() error { return c.AllReduce(eager.FromSlice([]bool{true})) }, "dtype bool"},
			{func() error { return c.AllReduce((*eager.Tensor)(nil)) }, "nil tensor"},
			{func() error { return c.Broadcast([]float32{1}, 1) }, "root 1 out of range for 1 ranks"},
			{func() error { return c.AllGather([]float32{1}, []float64{0}) }, "the types differ"},
			{func() error { return c.AllGather([]float32{1}, []float32{0, 0}) }, "want 1 ranks x 1"},
		}
		for i, tc := range cases {
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s case %d: got %v, want an error containing %q", name, i, err, tc.want)
			}
		}
		c.Close()
		if err := c.Barrier(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s: Barrier after Close: %v", name, err)
		}
	}
}

// TestLocalFailures checks that a rank that leaves, hangs or diverges makes its peers fail
// with a clear error in bounded time, instead of waiting forever.
func TestLocalFailures(t *testing.T) {
	t.Run("rank returns early", func(t *testing.T) {
		start := time.Now()
		err := RunLocal(3, time.Minute, func(c Communicator) error {
			for step := range 10 {
				if c.Rank() == 1 && step == 4 {
					return errors.New("out of memory (simulated)")
				}
				if err := c.AllReduce([]float32{1}); err != nil {
					return err
				}
			}
			return nil
		})
		if time.Since(start) > 10*time.Second {
			t.Fatalf("took %v", time.Since(start))
		}
		if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "rank 1 left the group") ||
			!strings.Contains(err.Error(), "rank 1: out of memory (simulated)") || !strings.Contains(err.Error(), "rank 0: dist: AllReduce #4 on rank 0") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("rank panics", func(t *testing.T) {
		err := RunLocal(2, time.Minute, func(c Communicator) error {
			if c.Rank() == 0 {
				panic("boom")
			}
			return c.Barrier()
		})
		if !errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "rank 0: panic: boom") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("rank hangs", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		start := time.Now()
		comms := NewLocal(2, 200*time.Millisecond)
		go func() { <-release; comms[1].Close() }() // rank 1 never calls the collective
		err := comms[0].AllReduce([]float64{1})
		if el := time.Since(start); el < 200*time.Millisecond || el > 5*time.Second {
			t.Fatalf("failed after %v", el)
		}
		if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "still waits for ranks [1]") {
			t.Fatalf("got %v", err)
		}
		if err := comms[0].Barrier(); !errors.Is(err, ErrTimeout) {
			t.Fatalf("the group should stay failed, got %v", err)
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		err := RunLocal(2, time.Minute, func(c Communicator) error {
			if c.Rank() == 0 {
				return c.AllReduce(make([]float32, 3))
			}
			return c.Broadcast(make([]float32, 4), 0)
		})
		if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "rank 0 called AllReduce(3 float32), rank 1 called Broadcast(4 float32, root 0)") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestInitWithoutLauncher(t *testing.T) {
	for _, v := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"} {
		t.Setenv(v, "")
	}
	c, err := Init()
	if err != nil {
		t.Fatal(err)
	}
	if c.Rank() != 0 || c.Size() != 1 {
		t.Fatalf("rank %d size %d", c.Rank(), c.Size())
	}
	c.Close()
	t.Setenv("EAGER_DIST_TIMEOUT", "soon")
	if _, err := Init(); err == nil || !strings.Contains(err.Error(), "EAGER_DIST_TIMEOUT") {
		t.Fatalf("got %v", err)
	}
	if !mpiAvailable {
		t.Setenv("EAGER_DIST_TIMEOUT", "")
		t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
		if _, err := Init(); err == nil || !strings.Contains(err.Error(), "rebuild it with -tags mpi") {
			t.Fatalf("got %v", err)
		}
	}
}
