//go:build mpi && cgo

package dist

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/eagerml/eager"
	"github.com/eagerml/eager/nn"
	"github.com/eagerml/eager/serialize"
)

// These tests run under mpirun (see mpitest.sh): every process runs the same tests, and
// each test is a sequence of collectives over the processes.

var world Communicator

func TestMain(m *testing.M) {
	if n, _ := launcherSize(); n > 0 {
		c, err := Init()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		world = c
	}
	code := m.Run()
	if world != nil {
		if err := world.Close(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func needMPI(t *testing.T) Communicator {
	t.Helper()
	if world == nil {
		t.Skip("not started by mpirun: run dist/mpitest.sh")
	}
	if _, ok := world.(*MPI); !ok {
		t.Fatalf("Init returned %T under mpirun, want *MPI", world)
	}
	return world
}

func TestMPICollectives(t *testing.T) {
	c := needMPI(t)
	if err := collectiveChecks(c); err != nil {
		t.Fatalf("rank %d: %v", c.Rank(), err)
	}
	// A buffer of several MiB, as a gradient bucket is.
	big := make([]float32, 3<<20)
	for i := range big {
		big[i] = float32(c.Rank() + i%7)
	}
	if err := c.AllReduce(big); err != nil {
		t.Fatal(err)
	}
	n := c.Size()
	for i, v := range big {
		if want := float32(n*(n-1)/2 + n*(i%7)); v != want {
			t.Fatalf("big AllReduce: element %d = %v, want %v", i, v, want)
		}
	}
}

// TestMPIDataParallel trains K steps on every process, each on its slice of the global
// batch, and checks that all processes hold bit-identical parameters, equal within float
// tolerance to one process trained on the whole global batch (computed on every rank).
func TestMPIDataParallel(t *testing.T) {
	c := needMPI(t)
	for _, tc := range []struct {
		dtype eager.DType
		capMB float64
		opt   string
		tol   float64
	}{
		{eager.Float64, 0, "sgd", 1e-12},
		{eager.Float32, 1e-9, "adam", 1e-5},
	} {
		t.Run(fmt.Sprintf("%v %s", tc.dtype, tc.opt), func(t *testing.T) {
			defer eager.SetDefaultDType(eager.SetDefaultDType(tc.dtype))
			const steps, per = 5, 4
			r, n := c.Rank(), c.Size()
			eager.ManualSeed(3)
			ref := testMLP()
			xs, ys := globalBatches(steps, n*per, tc.dtype)
			eager.ManualSeed(uint64(100 + r)) // every rank starts from its own initialization
			m := testMLP()
			if r == 0 {
				copyParams(m, ref)
			}
			opt := newOpt(tc.opt, ref.Parameters())
			for k := range steps {
				nn.CrossEntropy(ref.Forward(xs[k]), ys[k]).Backward()
				opt.Step()
				opt.ZeroGrad()
			}

			ddp, err := NewDataParallel(m, c, DataParallelConfig{BucketCapMB: tc.capMB, FirstBucketCapMB: tc.capMB})
			if err != nil {
				t.Fatal(err)
			}
			defer ddp.Close()
			dopt := newOpt(tc.opt, ddp.Parameters())
			for k := range steps {
				loss := nn.CrossEntropy(ddp.Forward(xs[k].Narrow(0, r*per, per)), ys[k].Narrow(0, r*per, per))
				loss.Backward()
				if err := ddp.FinishGrads(); err != nil {
					t.Fatal(err)
				}
				dopt.Step()
				dopt.ZeroGrad()
			}
			if d := maxDiff(m.Parameters(), ref.Parameters()); d > tc.tol {
				t.Errorf("rank %d: parameters differ from single-process training by %g", r, d)
			}
			var mine []float64
			for _, p := range m.Parameters() {
				mine = append(mine, p.Float64s()...)
			}
			all := make([]float64, n*len(mine))
			if err := c.AllGather(mine, all); err != nil {
				t.Fatal(err)
			}
			for k := range all {
				if all[k] != mine[k%len(mine)] {
					t.Fatalf("rank %d: parameter element %d differs from rank %d's", r, k%len(mine), k/len(mine))
				}
			}
			if st := ddp.Stats(); r == 0 {
				t.Logf("%d ranks, %d buckets, %d of %d started during backward, comm %v, wait %v",
					n, st.Buckets, st.Early, st.Steps*st.Buckets, st.Comm, st.Wait)
			}
		})
	}
}

// TestMPIGoPanicsStillWork checks that MPI did not replace Go's signal handlers: a nil
// dereference must still be a recoverable panic.
func TestMPIGoPanicsStillWork(t *testing.T) {
	needMPI(t)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	var p *int
	_ = *p
}

// TestMPIRankDies is the failure drill of mpitest.sh (it runs only with
// EAGER_MPI_DEATH_TEST=<checkpoint path>): rank 0 checkpoints after every step while the
// last rank exits abruptly at step 3. mpirun must then end the whole job with an error,
// and the checkpoint must still load.
func TestMPIRankDies(t *testing.T) {
	path := os.Getenv("EAGER_MPI_DEATH_TEST")
	if path == "" {
		t.Skip("set EAGER_MPI_DEATH_TEST to a checkpoint path (mpitest.sh does)")
	}
	c := needMPI(t)
	m := testMLP()
	ddp, err := NewDataParallel(m, c, DataParallelConfig{})
	if err != nil {
		t.Fatal(err)
	}
	xs, ys := globalBatches(1, 4, eager.Float32)
	for step := 0; ; step++ {
		if c.Rank() == c.Size()-1 && step == 3 {
			fmt.Fprintf(os.Stderr, "rank %d: exiting abruptly at step %d (simulated crash)\n", c.Rank(), step)
			os.Exit(7)
		}
		nn.CrossEntropy(ddp.Forward(xs[0]), ys[0]).Backward()
		if err := ddp.FinishGrads(); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		if c.Rank() == 0 {
			ck := &serialize.Checkpoint{Model: ddp, Step: step + 1}
			if err := serialize.SaveCheckpoint(path, ck); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMPIRankHangs is the hang drill of mpitest.sh (it runs only with
// EAGER_MPI_HANG_TEST=1 and a short EAGER_DIST_TIMEOUT): the last rank stops taking part
// without exiting, and the timeout watchdog of the others must abort the job.
func TestMPIRankHangs(t *testing.T) {
	if os.Getenv("EAGER_MPI_HANG_TEST") == "" {
		t.Skip("set EAGER_MPI_HANG_TEST=1 (mpitest.sh does)")
	}
	c := needMPI(t)
	if c.Rank() == c.Size()-1 {
		fmt.Fprintf(os.Stderr, "rank %d: hanging (simulated deadlock)\n", c.Rank())
		time.Sleep(time.Hour)
	}
	err := c.AllReduce([]float32{1})
	t.Fatalf("AllReduce returned (%v) although a rank hangs", err)
}

// TestMPICheckpointIntact runs after the drill, in one plain process: the checkpoint that
// rank 0 was writing every step when the job was killed must load.
func TestMPICheckpointIntact(t *testing.T) {
	path := os.Getenv("EAGER_MPI_CHECK_CKPT")
	if path == "" {
		t.Skip("set EAGER_MPI_CHECK_CKPT (mpitest.sh does)")
	}
	ck := &serialize.Checkpoint{Model: testMLP()}
	if err := serialize.LoadCheckpoint(path, ck); err != nil {
		t.Fatal(err)
	}
	if ck.Step < 1 {
		t.Fatalf("checkpoint at step %d", ck.Step)
	}
	t.Logf("checkpoint of step %s loads", strconv.Itoa(ck.Step))
}

// TestMPIAllReduceTiming logs the median time of AllReduce calls of gradient-bucket sizes,
// with large buffers moved by the non-blocking MPI_Iallreduce (polled) and by a polled
// barrier then the blocking MPI_Allreduce (the default). Run with -test.v and
// EAGER_MPI_TIMING=1.
func TestMPIAllReduceTiming(t *testing.T) {
	if os.Getenv("EAGER_MPI_TIMING") == "" {
		t.Skip("set EAGER_MPI_TIMING=1")
	}
	c := needMPI(t)
	defer func(v int) { blockingMin = v }(blockingMin)
	for _, mode := range []string{"iallreduce", "barrier+allreduce"} {
		blockingMin = 1 << 30
		if mode == "barrier+allreduce" {
			blockingMin = 16384
		}
		for _, n := range []int{1, 1 << 10, 235146, 421642, 4 << 20} {
			buf := make([]float32, n)
			const iters = 31
			times := make([]time.Duration, iters)
			for k := range iters {
				if err := c.Barrier(); err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				if err := c.AllReduce(buf); err != nil {
					t.Fatal(err)
				}
				times[k] = time.Since(start)
			}
			slices.Sort(times)
			if c.Rank() == 0 {
				t.Logf("%-17s %8d float32 (%5.2f MB): median %v, min %v", mode, n, float64(4*n)/1e6, times[iters/2], times[0])
			}
		}
	}
}
