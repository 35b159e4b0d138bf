//go:build !(mpi && cgo)

package dist

import (
	"errors"
	"time"
)

// mpiAvailable reports whether this binary was built with MPI support (the mpi build tag
// and cgo).
const mpiAvailable = false

func newMPI(time.Duration) (Communicator, error) {
	return nil, errors.New("dist: built without MPI support (build with -tags mpi and cgo)")
}
