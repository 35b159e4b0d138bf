//go:build mpi && cgo

package dist

/*
#cgo pkg-config: ompi
#include <mpi.h>

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

static int eager_init(int *provided, MPI_Comm *comm, int *rank, int *size) {
	int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, provided);
	if (rc != MPI_SUCCESS) return rc;
	if (*provided < MPI_THREAD_FUNNELED) return MPI_ERR_OTHER;
	rc = MPI_Comm_dup(MPI_COMM_WORLD, comm);
	if (rc != MPI_SUCCESS) return rc;
	// Errors on our communicator come back as return codes. A peer that dies is handled by
	// mpirun, which terminates the whole job.
	MPI_Comm_set_errhandler(*comm, MPI_ERRORS_RETURN);
	MPI_Comm_rank(*comm, rank);
	return MPI_Comm_size(*comm, size);
}

static int eager_allreduce(MPI_Comm comm, void *buf, int n, int code) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, eager_type(code), MPI_SUM, comm);
}

static int eager_iallreduce(MPI_Comm comm, void *buf, int n, int code, MPI_Request *req) {
	return MPI_Iallreduce(MPI_IN_PLACE, buf, n, eager_type(code), MPI_SUM, comm, req);
}

static int eager_ibcast(MPI_Comm comm, void *buf, int n, int code, int root, MPI_Request *req) {
	return MPI_Ibcast(buf, n, eager_type(code), root, comm, req);
}

static int eager_iallgather(MPI_Comm comm, void *send, void *recv, int n, int code, MPI_Request *req) {
	return MPI_Iallgather(send, n, eager_type(code), recv, n, eager_type(code), comm, req);
}

static int eager_ibarrier(MPI_Comm comm, MPI_Request *req) { return MPI_Ibarrier(comm, req); }

static int eager_test(MPI_Request *req, int *done) { return MPI_Test(req, done, MPI_STATUS_IGNORE); }

static int eager_finalize(MPI_Comm *comm) {
	MPI_Comm_free(comm);
	return MPI_Finalize();
}

static void eager_abort(MPI_Comm comm, int code) { MPI_Abort(comm, code); }

static void eager_error_string(int rc, char *buf, int *n) { MPI_Error_string(rc, buf, n); }
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

// Polling of a pending collective: MPI_Test in a tight loop for firstSpin, then, after
// each sleep, for spinFor; the sleeps double from minPause up to maxPause. A blocking MPI
// call would busy-wait on its core for the whole time a peer is still computing, taking
// that core from this process's own backward pass (which the reduction is meant to
// overlap) and, on a shared machine, from the peer itself; sleeping gives it back. On 2
// cores with 2 ranks, blocking calls made data-parallel MNIST MLP training 1.3-5 times
// slower than this polling. A collective of several rounds needs a test per round, hence
// the spin after each wake-up.
const (
	firstSpin = 100 * time.Microsecond
	spinFor   = 10 * time.Microsecond
	minPause  = 10 * time.Microsecond
	maxPause  = 250 * time.Microsecond
)

// blockingMin is the element count from which AllReduce waits for its peers with a polled
// barrier and then calls the blocking MPI_Allreduce (a variable for TestMPIAllReduceTiming).
var blockingMin = 16384

// MPI is the communicator of an MPI job: every process that mpirun started. Init creates it.
//
// Threading: MPI is initialized with MPI_THREAD_FUNNELED, and every MPI call runs on one
// goroutine locked to the OS thread that initialized MPI. Calls from other goroutines (such
// as DataParallel's bucket reductions during backward) are handed to it and run one at a
// time, in the order they were made. Each collective is started non-blocking and polled
// (see firstSpin) so that waiting for a peer does not occupy a core; a large AllReduce
// polls a barrier and then moves the data with the blocking MPI_Allreduce. A collective
// that exceeds the timeout aborts the job with MPI_Abort, from the same thread.
type MPI struct {
	rank, size int
	timeout    time.Duration
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
	if rc := C.eager_init(&provided, &m.comm, &rank, &size); rc != C.MPI_SUCCESS {
		ready <- fmt.Errorf("dist: initializing MPI (thread level %d provided, MPI_THREAD_FUNNELED needed): %s", int(provided), mpiError(rc))
		return
	}
	m.rank, m.size = int(rank), int(size)
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

// do runs start on the MPI thread, then polls the request it started until it completes.
func (m *MPI) do(op string, start func(req *C.MPI_Request) C.int) error {
	return m.doThen(op, start, nil)
}

// doThen is do followed, once the polled request has completed, by the blocking call then
// (when not nil), on the MPI thread.
func (m *MPI) doThen(op string, start func(req *C.MPI_Request) C.int, then func() C.int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("dist: %s on rank %d: %w", op, m.rank, ErrClosed)
	}
	done := make(chan C.int)
	m.calls <- func() {
		var req C.MPI_Request
		if rc := start(&req); rc != C.MPI_SUCCESS {
			done <- rc
			return
		}
		rc := m.wait(op, &req)
		if rc == C.MPI_SUCCESS && then != nil {
			rc = then()
		}
		done <- rc
	}
	if rc := <-done; rc != C.MPI_SUCCESS {
		return fmt.Errorf("dist: MPI %s on rank %d: %s", op, m.rank, mpiError(rc))
	}
	return nil
}

// wait polls req until it completes. Past the timeout it aborts the job: MPI cannot cancel
// a collective, and the alternative is a job that hangs forever.
func (m *MPI) wait(op string, req *C.MPI_Request) C.int {
	begin := time.Now()
	pause := time.Duration(0)
	spin := firstSpin
	for {
		wake := time.Now()
		for {
			var flag C.int
			if rc := C.eager_test(req, &flag); rc != C.MPI_SUCCESS || flag != 0 {
				return rc
			}
			if time.Since(wake) > spin {
				break
			}
		}
		spin = spinFor
		waited := time.Since(begin)
		if m.timeout > 0 && waited > m.timeout {
			fmt.Fprintf(os.Stderr, "dist: rank %d: MPI %s has not completed after %v: a peer process hung, died without mpirun noticing, or took another path through the program (EAGER_DIST_TIMEOUT sets this limit); aborting the job\n", m.rank, op, waited.Round(time.Second))
			C.eager_abort(m.comm, 3)
		}
		pause = min(max(2*pause, minPause), maxPause)
		time.Sleep(pause)
	}
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

func byteSize(code C.int) uintptr {
	if code == C.EAGER_F32 {
		return 4
	}
	return 8
}

// chunks calls f for consecutive pieces of the n-element buffer at p of at most maxCount
// elements each.
func chunks(code C.int, p unsafe.Pointer, n int, f func(q unsafe.Pointer, count C.int) error) error {
	for off := 0; off < n; off += maxCount {
		if err := f(unsafe.Add(p, uintptr(off)*byteSize(code)), C.int(min(maxCount, n-off))); err != nil {
			return err
		}
	}
	return nil
}

// AllReduce sums buf over all processes, in place (MPI_Iallreduce with MPI_IN_PLACE).
func (m *MPI) AllReduce(buf any) error {
	b, err := bufferOf("AllReduce", buf, true)
	if err != nil {
		return err
	}
	code, p, n := typeCode(b.data)
	err = chunks(code, p, n, func(q unsafe.Pointer, count C.int) error {
		if int(count) < blockingMin {
			return m.do("AllReduce", func(req *C.MPI_Request) C.int {
				return C.eager_iallreduce(m.comm, q, count, code, req)
			})
		}
		// Wait for every rank without spinning (a polled barrier), then move the data with
		// the blocking MPI_Allreduce, whose tuned algorithms are 4-6 times faster
		// than the non-blocking one's on 1-16 MB (TestMPIAllReduceTiming) and spin only as long as the
		// transfer takes, since every rank is there.
		return m.doThen("AllReduce", func(req *C.MPI_Request) C.int {
			return C.eager_ibarrier(m.comm, req)
		}, func() C.int {
			return C.eager_allreduce(m.comm, q, count, code)
		})
	})
	if err != nil {
		return err
	}
	b.writeBack()
	return nil
}

// Broadcast copies root's buf to every process (MPI_Ibcast).
func (m *MPI) Broadcast(buf any, root int) error {
	if err := checkRoot("Broadcast", root, m.size); err != nil {
		return err
	}
	b, err := bufferOf("Broadcast", buf, true)
	if err != nil {
		return err
	}
	code, p, n := typeCode(b.data)
	err = chunks(code, p, n, func(q unsafe.Pointer, count C.int) error {
		return m.do("Broadcast", func(req *C.MPI_Request) C.int {
			return C.eager_ibcast(m.comm, q, count, code, C.int(root), req)
		})
	})
	if err != nil {
		return err
	}
	b.writeBack()
	return nil
}

// AllGather concatenates every process's send into recv, in rank order (MPI_Iallgather).
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
	err = m.do("AllGather", func(req *C.MPI_Request) C.int {
		return C.eager_iallgather(m.comm, sp, rp, C.int(n), code, req)
	})
	if err != nil {
		return err
	}
	rb.writeBack()
	return nil
}

// Barrier returns once every process has called it (MPI_Ibarrier).
func (m *MPI) Barrier() error {
	return m.do("Barrier", func(req *C.MPI_Request) C.int { return C.eager_ibarrier(m.comm, req) })
}

// Close frees the communicator and finalizes MPI (which waits for every process to get
// there). MPI cannot be initialized again in this process. Closing twice is a no-op.
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
