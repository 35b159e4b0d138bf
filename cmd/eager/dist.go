package main

import (
	"fmt"
	"io"

	"github.com/eagerml/eager/data"
	"github.com/eagerml/eager/dist"
	"github.com/eagerml/eager/nn"
)

// parallel is the data-parallel side of a training run. Under mpirun -np N (with a binary
// built with -tags mpi) every process trains a replica on its shard of each epoch and the
// gradients are averaged before each step; only rank 0 prints, evaluates and writes files.
// In a single process every method is a no-op, so the run is exactly the serial one.
type parallel struct {
	comm  dist.Communicator
	owned bool // created by startParallel, closed by close
	ddp   *dist.DataParallel
	shard *dist.Sharded

	lastComm, lastWait float64 // seconds, at the end of the previous epoch
}

// joinJob runs fn with c.comm set to this process's communicator (dist.Init: MPI under
// mpirun, else a single process) and closes it when fn succeeds. After a failure it does
// not finalize MPI: the process then exits with an error and mpirun ends the whole job at
// once, whereas MPI_Finalize would wait for peers that are blocked in a collective.
func joinJob(c *trainConfig, fn func() error) error {
	comm, err := dist.Init()
	if err != nil {
		return err
	}
	c.comm = comm
	if err := fn(); err != nil {
		return err
	}
	return comm.Close()
}

// startParallel joins the job that launched this process (c.comm, for tests, or dist.Init)
// and silences every process but rank 0.
func startParallel(c *trainConfig, out *io.Writer) (*parallel, error) {
	p := &parallel{comm: c.comm}
	if p.comm == nil {
		comm, err := dist.Init()
		if err != nil {
			return nil, err
		}
		p.comm, p.owned = comm, true
	}
	if p.comm.Rank() != 0 {
		*out = io.Discard
		c.quiet = true
	}
	return p, nil
}

func (p *parallel) distributed() bool { return p.comm.Size() > 1 }

// leader reports whether this process prints, evaluates and saves: rank 0.
func (p *parallel) leader() bool { return p.comm.Rank() == 0 }

// size is the number of processes.
func (p *parallel) size() int { return p.comm.Size() }

// dataset returns this process's shard of ds, reshuffled each epoch from seed.
func (p *parallel) dataset(ds data.Dataset, seed uint64) data.Dataset {
	if !p.distributed() {
		return ds
	}
	p.shard = dist.NewSharded(ds, p.comm.Rank(), p.comm.Size(), seed)
	return p.shard
}

// loaderOptions turns off the loader's own shuffling when the shard is already shuffled.
func (p *parallel) loaderOptions(o data.Options) data.Options {
	if p.shard != nil {
		o.Shuffle = false
	}
	return o
}

// wrap returns model wrapped for data-parallel training, after copying rank 0's weights
// to every process.
func (p *parallel) wrap(model nn.Module, bucketMB float64) (nn.Module, error) {
	if !p.distributed() {
		return model, nil
	}
	ddp, err := dist.NewDataParallel(model, p.comm, dist.DataParallelConfig{BucketCapMB: bucketMB, FirstBucketCapMB: min(bucketMB, 1)})
	if err != nil {
		return nil, err
	}
	p.ddp = ddp
	return ddp, nil
}

func (p *parallel) setEpoch(epoch int) {
	if p.shard != nil {
		p.shard.SetEpoch(epoch)
	}
}

// finishGrads leaves every process with the gradients averaged over all of them.
func (p *parallel) finishGrads() error {
	if p.ddp == nil {
		return nil
	}
	return p.ddp.FinishGrads()
}

// mean returns the average of v over the processes.
func (p *parallel) mean(v float64) (float64, error) {
	if !p.distributed() {
		return v, nil
	}
	buf := []float64{v}
	if err := p.comm.AllReduce(buf); err != nil {
		return 0, err
	}
	return buf[0] / float64(p.comm.Size()), nil
}

// report describes the communication of the epoch that took elapsed seconds.
func (p *parallel) report(elapsed float64) string {
	if p.ddp == nil {
		return ""
	}
	st := p.ddp.Stats()
	comm, wait := st.Comm.Seconds()-p.lastComm, st.Wait.Seconds()-p.lastWait
	p.lastComm, p.lastWait = st.Comm.Seconds(), st.Wait.Seconds()
	return fmt.Sprintf("; %d processes: allreduce %.1f%% of the time, %.1f%% not overlapped with backward (%d buckets)",
		p.comm.Size(), 100*comm/elapsed, 100*wait/elapsed, st.Buckets)
}

// close stops the data-parallel wrapper and leaves the job (MPI_Finalize waits for the
// other processes to get there too).
func (p *parallel) close() {
	if p.ddp != nil {
		p.ddp.Close()
	}
	if p.owned {
		p.comm.Close()
	}
}
