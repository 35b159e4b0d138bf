//go:build mpi && cgo

package dist

/*
#cgo pkg-config: ompi
#include <mpi.h>
#include <stdlib.h>

// Open MPI's predefined handles are macros over global symbols, which cgo cannot name:
// these helpers take a small type code instead.
enum { EAGER_F32 = 0, EAGER_F64 = 1, EAGER_I64 = 2 };

static MPI_Datatype eager_type(int code) {
	switch (code) {
	case EAGER_F32: return MPI_FLOAT;
	case EAGER_F64: return MPI_DOUBLE;
	default: return MPI_INT64_T;
	}
}

static int eager_init(int want, int *provided, MPI_Comm *comm, int *rank, int *size) {
	int rc = MPI_Init_thread(NULL, NULL, want, provided);
	if (rc != MPI_SUCCESS) return rc;
	rc = MPI_Comm_dup(MPI_COMM_WORLD, comm);
	if (rc != MPI_SUCCESS) return rc;
	// Report errors on our communicator as return codes; a peer's death is handled by
	// mpirun, which terminates the whole job.
	MPI_Comm_set_errhandler(*comm, MPI_ERRORS_RETURN);
	MPI_Comm_rank(*comm, rank);
	return MPI_Comm_size(*comm, size);
}

static int eager_allreduce(MPI_Comm comm, void *buf, int n, int code) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, eager_type(code), MPI_SUM, comm);
}

static int eager_bcast(MPI_Comm comm, void *buf, int n, int code, int root) {
	return MPI_Bcast(buf, n, eager_type(code), root, comm);
}

static int eager_allgather(MPI_Comm comm, void *send, void *recv, int n, int code) {
	return MPI_Allgather(send, n, eager_type(code), recv, n, eager_type(code), comm);
}

static int eager_barrier(MPI_Comm comm) { return MPI_Barrier(comm); }

static int eager_finalize(MPI_Comm *comm) {
	MPI_Comm_free(comm);
	return MPI_Finalize();
}

static void eager_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

static void eager_error_string(int rc, char *buf, int *n) { MPI_Error_string(rc, buf, n); }

static int eager_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }
static int eager_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

const mpiAvailable = true

// maxCount is the largest element count passed to one MPI call (MPI counts are C ints);
// longer buffers are sent in chunks.
const maxCount = 1 << 30

// MPI is the communicator of an MPI job: every process that mpirun started. It is created
// by Init.
//
// Threading: every MPI call runs on one goroutine locked to the OS thread that initialized
// MPI, so the program needs only MPI_THREAD_FUNNELED; calls from other goroutines (such as
// DataParallel's reduction of gradient buckets during backward) are handed to it and wait
// for their turn. MPI is initialized with MPI_THREAD_MULTIPLE when the library offers it,
// which lets the timeout watchdog call MPI_Abort while a collective is blocked.
type MPI struct {
	rank, size int
	timeout    time.Duration
	multiple   bool
	comm       C.MPI_Comm
	calls      chan func()
	mu         sync.Mutex // serializes calls: one collective at a time, in call order
	closed     bool
}

var mpiOnce struct {
	sync.Mutex
	used bool
}

func newMPI(timeout time.Duration) (Communicator, error) {
	mpiOnce.Lock()
	defer mpiOnce.Unlock()
	if mpiOnce.used {
		return nil, fmt.Errorf("dist: Init: MPI was already initialized in this process (call Init once)")
	}
	mpiOnce.used = true
	// Open MPI's own SIGSEGV/SIGBUS handlers are installed only where no handler exists, so
	// Go's stay in place and a nil dereference is still a panic (TestMPIGoPanicsStillWork).
	m := &MPI{timeout: timeout, calls: make(chan func())}
	ready := make(chan error)
	go m.serve(ready)
	if err := <-ready; err != nil {
		return nil, err
	}
	return m, nil
}

// serve initializes MPI and then runs the calls handed to it, all on one OS thread.
func (m *MPI) serve(ready chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
	var provided, rank, size C.int
	var comm C.MPI_Comm
	if rc := C.eager_init(C.eager_thread_multiple(), &provided, &comm, &rank, &size); rc != C.MPI_SUCCESS {
		ready <- fmt.Errorf("dist: MPI_Init_thread: %s", mpiError(rc))
		return
	}
	if provided < C.eager_thread_funneled() {
		ready <- fmt.Errorf("dist: the MPI library provides thread level %d, need at least MPI_THREAD_FUNNELED", int(provided))
		return
	}
	m.rank, m.size = int(rank), int(size)
	m.multiple = provided >= C.eager_thread_multiple()
	m.comm = comm
	ready <- nil
	for f := range m.calls {
		f()
	}
}

func mpiError(rc C.int) string {
	var buf [C.MPI_MAX_ERROR_STRING]C.char
	var n C.int
	C.eager_error_string(rc, &buf[0], &n)
	return C.GoStringN(&buf[0], n)
}

// do runs f on the MPI thread and returns its error. A call that has not returned after
// the timeout aborts the job: MPI offers no way to cancel a blocked collective, and the
// alternative is a job that hangs forever.
func (m *MPI) do(op string, f func() C.int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("dist: %s on rank %d: %w", op, m.rank, ErrClosed)
	}
	if m.timeout > 0 {
		start := time.Now()
		w := time.AfterFunc(m.timeout, func() { m.stuck(op, start) })
		defer w.Stop()
	}
	done := make(chan C.int)
	m.calls <- func() { done <- f() }
	if rc := <-done; rc != C.MPI_SUCCESS {
		return fmt.Errorf("dist: MPI %s on rank %d: %s", op, m.rank, mpiError(rc))
	}
	return nil
}

// stuck reports a collective that exceeded the timeout and aborts the job, which makes
// mpirun end every process.
func (m *MPI) stuck(op string, start time.Time) {
	fmt.Fprintf(os.Stderr, "dist: rank %d: MPI %s has not completed after %v: a peer process hung, died without mpirun noticing, or took another path through the program (EAGER_DIST_TIMEOUT sets this limit); aborting the job\n", m.rank, op, time.Since(start).Round(time.Second))
	if m.multiple {
		C.eager_abort(3)
	}
	// Without MPI_THREAD_MULTIPLE, MPI_Abort may not be called while the MPI thread is
	// blocked; the message above is all that can be done.
}

// Rank returns this process's rank in the job.
func (m *MPI) Rank() int { return m.rank }

// Size returns the number of processes in the job.
func (m *MPI) Size() int { return m.size }

// typeCode returns the helper's type code, a pointer to the first element and the length
// of a []float32, []float64 or []int64 slice.
func typeCode(s any) (C.int, unsafe.Pointer, int) {
	switch d := s.(type) {
	case []float32:
		if len(d) == 0 {
			return C.EAGER_F32, nil, 0
		}
		return C.EAGER_F32, unsafe.Pointer(&d[0]), len(d)
	case []float64:
		if len(d) == 0 {
			return C.EAGER_F64, nil, 0
		}
		return C.EAGER_F64, unsafe.Pointer(&d[0]), len(d)
	case []int64:
		if len(d) == 0 {
			return C.EAGER_I64, nil, 0
		}
		return C.EAGER_I64, unsafe.Pointer(&d[0]), len(d)
	}
	return 0, nil, 0
}

// chunks calls f for consecutive pieces of n elements of at most maxCount each, given the
// element offset and count of each piece.
func chunks(n int, f func(off, count int) error) error {
	for off := 0; off < n; off += maxCount {
		if err := f(off, min(maxCount, n-off)); err != nil {
			return err
		}
	}
	return nil
}

func byteSize(code C.int) uintptr {
	if code == C.EAGER_F32 {
		return 4
	}
	return 8
}

// AllReduce sums buf over all processes, in place (MPI_Allreduce with MPI_IN_PLACE).
func (m *MPI) AllReduce(buf any) error {
	b, err := bufferOf("AllReduce", buf, true)
	if err != nil {
		return err
	}
	code, p, n := typeCode(b.data)
	err = chunks(n, func(off, count int) error {
		q := unsafe.Add(p, uintptr(off)*byteSize(code))
		return m.do("AllReduce", func() C.int { return C.eager_allreduce(m.comm, q, C.int(count), code) })
	})
	if err != nil {
		return err
	}
	b.writeBack()
	return nil
}

// Broadcast copies root's buf to every process (MPI_Bcast).
func (m *MPI) Broadcast(buf any, root int) error {
	if err := checkRoot("Broadcast", root, m.size); err != nil {
		return err
	}
	b, err := bufferOf("Broadcast", buf, true)
	if err != nil {
		return err
	}
	code, p, n := typeCode(b.data)
	err = chunks(n, func(off, count int) error {
		q := unsafe.Add(p, uintptr(off)*byteSize(code))
		return m.do("Broadcast", func() C.int { return C.eager_bcast(m.comm, q, C.int(count), code, C.int(root)) })
	})
	if err != nil {
		return err
	}
	b.writeBack()
	return nil
}

// AllGather concatenates every process's send into recv, in rank order (MPI_Allgather).
func (m *MPI) AllGather(send, recv any) error {
	sb, rb, err := gatherBuffers(send, recv, m.size)
	if err != nil {
		return err
	}
	code, sp, n := typeCode(sb.data)
	_, rp, _ := typeCode(rb.data)
	if n == 0 {
		return nil
	}
	if n > maxCount {
		return fmt.Errorf("dist: AllGather: %d elements per rank is more than MPI's limit of %d", n, maxCount)
	}
	if err := m.do("AllGather", func() C.int { return C.eager_allgather(m.comm, sp, rp, C.int(n), code) }); err != nil {
		return err
	}
	rb.writeBack()
	return nil
}

// Barrier returns once every process has called it (MPI_Barrier).
func (m *MPI) Barrier() error {
	return m.do("Barrier", func() C.int { return C.eager_barrier(m.comm) })
}

// Close frees the communicator and finalizes MPI. MPI cannot be initialized again in this
// process. Closing twice is a no-op.
func (m *MPI) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	done := make(chan C.int)
	m.calls <- func() { done <- C.eager_finalize(&m.comm) }
	rc := <-done
	close(m.calls)
	if rc != C.MPI_SUCCESS {
		return fmt.Errorf("dist: MPI_Finalize on rank %d: %s", m.rank, mpiError(rc))
	}
	return nil
}
