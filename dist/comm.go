package dist

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/eagerml/eager"
)

// Communicator is a group of processes (ranks 0 to Size()-1) that run the same collective
// operations in the same order. Every rank must call every collective: a collective returns
// on a rank once all ranks have entered it.
//
// The buffers are []float32, []float64 or []int64 slices, or contiguous or strided *eager.Tensor
// values of those dtypes (a tensor is updated in place, inside NoGrad, so parameters that
// require grad may be passed).
//
// Calls on one Communicator are serialized: calls made from several goroutines at once run
// one after the other in an unspecified order, so collectives whose order matters across
// ranks must be issued in a fixed order (DataParallel issues its own from one goroutine).
type Communicator interface {
	// Rank is this process's index in the group, from 0.
	Rank() int
	// Size is the number of processes in the group.
	Size() int
	// AllReduce replaces buf on every rank with the element-wise sum of buf over all ranks.
	AllReduce(buf any) error
	// Broadcast copies root's buf into buf on every other rank.
	Broadcast(buf any, root int) error
	// AllGather concatenates every rank's send, in rank order, into recv on every rank:
	// recv holds Size() times as many elements as send, of the same type.
	AllGather(send, recv any) error
	// Barrier returns once every rank has called it.
	Barrier() error
	// Close releases the communicator (for MPI, it finalizes MPI). Other ranks still
	// waiting in a collective then fail instead of waiting for this rank.
	Close() error
}

var (
	// ErrTimeout is returned (wrapped) by a collective that did not complete in time: a
	// peer hung, or took another path through the program.
	ErrTimeout = errors.New("dist: collective timed out")
	// ErrClosed is returned (wrapped) by a collective on a closed communicator, or one that
	// a peer left (closed, or failed) while this rank waited for it.
	ErrClosed = errors.New("dist: communicator closed")
	// ErrMismatch is returned (wrapped) when the ranks entered different collectives, or
	// the same collective with buffers of different types or lengths.
	ErrMismatch = errors.New("dist: ranks called mismatched collectives")
)

// DefaultTimeout bounds how long a collective waits for its peers before it fails (or, under
// MPI, aborts the job). The environment variable EAGER_DIST_TIMEOUT (a Go duration such as
// "90s") overrides it for Init; 0 waits forever.
const DefaultTimeout = 5 * time.Minute

// timeoutFromEnv returns EAGER_DIST_TIMEOUT, or DefaultTimeout when it is unset.
func timeoutFromEnv() (time.Duration, error) {
	s := os.Getenv("EAGER_DIST_TIMEOUT")
	if s == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("dist: EAGER_DIST_TIMEOUT=%q is not a non-negative duration such as 90s", s)
	}
	return d, nil
}

// launcherSize returns the number of processes that a launcher (mpirun, srun, hydra)
// started, read from its environment, and the variable it came from; 0 when none is set.
func launcherSize() (int, string) {
	for _, v := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"} {
		if s := os.Getenv(v); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n > 0 {
				return n, v
			}
		}
	}
	return 0, ""
}

// Init returns the communicator of this process: an MPI communicator over all the
// processes of the job when the program was built with the mpi tag (go build -tags mpi,
// which needs cgo and an MPI library) and started by mpirun, and otherwise a single-process
// communicator (size 1). Under a launcher that started several processes in a binary built
// without MPI it returns an error rather than letting every process train alone.
//
// Init may be called once per process (MPI cannot be initialized again after Close);
// collectives time out after EAGER_DIST_TIMEOUT (default DefaultTimeout).
func Init() (Communicator, error) {
	timeout, err := timeoutFromEnv()
	if err != nil {
		return nil, err
	}
	n, v := launcherSize()
	if n == 0 {
		return NewSingle(), nil
	}
	if mpiAvailable {
		return newMPI(timeout)
	}
	if n == 1 {
		return NewSingle(), nil
	}
	return nil, fmt.Errorf("dist: started by an MPI launcher with %d processes (%s=%d), but this binary was built without MPI support; rebuild it with -tags mpi (needs cgo and libopenmpi-dev)", n, v, n)
}

// Single is the communicator of a group of one process: every collective returns at once
// and leaves its buffer as it is (AllGather copies send into recv). It is the default when
// no MPI launcher started the program.
type Single struct{ closed bool }

// NewSingle returns a single-process communicator.
func NewSingle() *Single { return &Single{} }

// Rank returns 0.
func (s *Single) Rank() int { return 0 }

// Size returns 1.
func (s *Single) Size() int { return 1 }

// AllReduce checks buf and leaves it as it is: the sum over one rank.
func (s *Single) AllReduce(buf any) error {
	if s.closed {
		return fmt.Errorf("AllReduce: %w", ErrClosed)
	}
	_, err := bufferOf("AllReduce", buf, false)
	return err
}

// Broadcast checks buf and root (which must be 0) and leaves buf as it is.
func (s *Single) Broadcast(buf any, root int) error {
	if s.closed {
		return fmt.Errorf("Broadcast: %w", ErrClosed)
	}
	if err := checkRoot("Broadcast", root, 1); err != nil {
		return err
	}
	_, err := bufferOf("Broadcast", buf, false)
	return err
}

// AllGather copies send into recv, which must have the same length and type.
func (s *Single) AllGather(send, recv any) error {
	if s.closed {
		return fmt.Errorf("AllGather: %w", ErrClosed)
	}
	sb, rb, err := gatherBuffers(send, recv, 1)
	if err != nil {
		return err
	}
	copySlice(rb.data, sb.data)
	rb.writeBack()
	return nil
}

// Barrier returns at once.
func (s *Single) Barrier() error {
	if s.closed {
		return fmt.Errorf("Barrier: %w", ErrClosed)
	}
	return nil
}

// Close marks the communicator closed; later collectives return ErrClosed.
func (s *Single) Close() error {
	s.closed = true
	return nil
}

func checkRoot(op string, root, size int) error {
	if root < 0 || root >= size {
		return fmt.Errorf("dist: %s: root %d out of range for %d ranks", op, root, size)
	}
	return nil
}

// buffer is a collective's view of a user buffer: data is a []float32, []float64 or
// []int64 slice that the transport reads and writes; writeBack copies data into the user's
// tensor when the buffer was a tensor (a no-op for slices, which are used in place).
type buffer struct {
	data      any
	tensor    *eager.Tensor
	writeBack func()
}

// kind names the element type and length of b, for mismatch messages.
func (b buffer) kind() string {
	switch d := b.data.(type) {
	case []float32:
		return fmt.Sprintf("%d float32", len(d))
	case []float64:
		return fmt.Sprintf("%d float64", len(d))
	case []int64:
		return fmt.Sprintf("%d int64", len(d))
	}
	return "?"
}

func (b buffer) len() int { return sliceLen(b.data) }

func sliceLen(s any) int {
	switch d := s.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	case []int64:
		return len(d)
	}
	return 0
}

// bufferOf checks buf and returns its buffer. For a tensor, data is a copy of its elements;
// with out set, writeBack copies the result into the tensor.
func bufferOf(op string, buf any, out bool) (buffer, error) {
	b := buffer{data: buf, writeBack: func() {}}
	switch v := buf.(type) {
	case []float32, []float64, []int64:
		return b, nil
	case *eager.Tensor:
		if v == nil {
			return b, fmt.Errorf("dist: %s: nil tensor", op)
		}
		b.tensor = v
		switch v.DType() {
		case eager.Float32:
			b.data = v.Float32s()
		case eager.Float64:
			b.data = v.Float64s()
		case eager.Int64:
			b.data = v.Int64s()
		default:
			return b, fmt.Errorf("dist: %s: tensors of dtype %v are not supported (want float32, float64 or int64)", op, v.DType())
		}
		if out {
			b.writeBack = func() { copyIntoTensor(v, b.data) }
		}
		return b, nil
	}
	return b, fmt.Errorf("dist: %s: unsupported buffer type %T (want []float32, []float64, []int64 or *eager.Tensor)", op, buf)
}

// copyIntoTensor writes the row-major elements of data into t, in place.
func copyIntoTensor(t *eager.Tensor, data any) {
	var src *eager.Tensor
	switch d := data.(type) {
	case []float32:
		src = eager.FromSlice(d)
	case []float64:
		src = eager.FromSlice(d)
	case []int64:
		src = eager.FromSlice(d)
	}
	eager.NoGrad(func() { t.CopyFrom(src.Reshape(t.Shape()...)) })
}

// gatherBuffers checks AllGather's arguments for a group of size ranks.
func gatherBuffers(send, recv any, size int) (sb, rb buffer, err error) {
	if sb, err = bufferOf("AllGather", send, false); err != nil {
		return
	}
	if rb, err = bufferOf("AllGather", recv, true); err != nil {
		return
	}
	if fmt.Sprintf("%T", sb.data) != fmt.Sprintf("%T", rb.data) {
		err = fmt.Errorf("dist: AllGather: send holds %s elements, recv %s: the types differ", sb.kind(), rb.kind())
		return
	}
	if rb.len() != size*sb.len() {
		err = fmt.Errorf("dist: AllGather: recv holds %d elements, want %d ranks x %d", rb.len(), size, sb.len())
	}
	return
}

// copySlice copies src into dst, slices of one element type.
func copySlice(dst, src any) {
	switch d := dst.(type) {
	case []float32:
		copy(d, src.([]float32))
	case []float64:
		copy(d, src.([]float64))
	case []int64:
		copy(d, src.([]int64))
	}
}
