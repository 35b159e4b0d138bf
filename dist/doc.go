// Package dist trains one model on several processes, on one machine or many: each process
// holds a replica, computes gradients on its shard of every batch, and the gradients are
// averaged before each optimizer step, as PyTorch's DistributedDataParallel does. The
// communication runs on MPI (Open MPI, launched with mpirun), the engine HPC clusters and
// Horovod rely on; no wire protocol of our own.
//
// # Communicators
//
// A Communicator is a group of ranks that run collectives (AllReduce, Broadcast,
// AllGather, Barrier) in the same order. There are three:
//
//   - Single, a group of one process: the default, and what tests and users without MPI get.
//   - MPI, over every process mpirun started. It needs cgo, an MPI library and the mpi build
//     tag (go build -tags mpi); without the tag the package is pure Go and the core builds
//     with CGO_ENABLED=0. Debian: apt-get install libopenmpi-dev openmpi-bin.
//   - Local (NewLocal, RunLocal), N goroutines as N ranks of one process, meeting over
//     channels: fast unit tests of distributed code, with no MPI.
//
// Init picks MPI when the binary has it and a launcher started the process
// (OMPI_COMM_WORLD_SIZE, PMI_SIZE, ...), Single otherwise.
//
// # Data parallelism
//
// NewDataParallel wraps an nn.Module: it copies rank 0's parameters and buffers to every
// rank, then a gradient hook on each parameter copies the parameter's gradient into a
// bucket as soon as backward has finished it (the root package finishes a leaf's gradient,
// hooks included, the moment its last consumer's backward has run, not at the end of the
// pass). Buckets are filled in reverse parameter order, the order backward produces
// gradients, up to 25 MiB each (1 MiB for the first, so that communication starts early);
// a full bucket's AllReduce starts on a communication goroutine while backward goes on with
// earlier layers. FinishGrads, called between Backward and the optimizer step, waits for
// the buckets and writes the averaged gradients back. NoSync accumulates gradients over
// micro-batches without communicating.
//
// ShardIndices, Shard and Sharded split each epoch's permutation of a dataset (drawn from a
// shared seed and the epoch number) into disjoint, equal shards, one per rank, as PyTorch's
// DistributedSampler: the k-th batches of all ranks together are the k-th global batch.
//
// # Running
//
// On one machine, with 4 processes:
//
//	go build -tags mpi -o eager ./cmd/eager
//	mpirun -np 4 ./eager train -model cnn
//
// On several machines, list them in a hostfile (one line per machine: "node1 slots=8"),
// put the binary and the data at the same path on each (or on a shared file system), and
// forward the environment variables the processes need:
//
//	mpirun --hostfile hosts -np 16 --map-by ppr:1:socket -x GOMAXPROCS=8 -x EAGER_DIST_TIMEOUT=10m ./eager train -model cnn
//
// Only rank 0 prints, evaluates and writes checkpoints; -batch is per process, so the
// global batch is np times larger (scale the learning rate accordingly).
//
// # Threading
//
// MPI is initialized with MPI_THREAD_FUNNELED and every MPI call runs on one goroutine
// locked to the OS thread that initialized it; calls from other goroutines (the bucket
// reductions started from gradient hooks during backward, collectives from the training
// loop) are handed to it and run one at a time in call order. Collectives are started
// non-blocking and polled with short sleeps, so that a rank waiting for a slower peer does
// not spin on a core its own backward pass, or a peer on the same machine, needs (blocking
// calls made 2-process MLP training on 2 cores 1.3-5 times slower). An AllReduce of 16K
// elements or more polls a barrier first and then moves the data with the blocking
// MPI_Allreduce, whose tuned algorithms are 4-6 times faster than MPI_Iallreduce on 1-16 MB
// buffers once every rank is there.
//
// # Failures
//
// A rank that dies (a panic, os.Exit, a signal, the OOM killer) ends the whole job: mpirun
// notices the process exit and terminates the others within a second or two, printing
// "mpirun detected that one or more processes exited with non-zero status" and the rank.
// A rank that hangs, or takes another path through the program (say, one more batch than
// its peers), leaves the others blocked in a collective: after EAGER_DIST_TIMEOUT (default
// DefaultTimeout, 5 minutes) they print which collective timed out and call MPI_Abort,
// which ends the job. Checkpoints are written atomically (serialize.SaveCheckpoint), so
// the last complete one survives a job killed mid-save. In the in-process group the same
// failures give errors instead: ErrClosed when a peer returned or panicked, ErrTimeout,
// and ErrMismatch when ranks called different collectives.
//
// # Scaling to many machines
//
// Each step moves the model's gradients through one AllReduce per bucket: Open MPI's ring
// and recursive-doubling algorithms send about twice the gradient bytes per process
// whatever the number of processes, so the communication time per step is roughly
// 2·bytes/bandwidth plus a latency term per bucket that grows with log(N) or N. The part
// that backward does not hide is what limits scaling: with overlap, the reduction of the
// last layers' buckets runs while earlier layers compute, and only the last bucket (the
// first layers') is fully exposed. Buckets trade these off: small buckets start earlier and
// hide more, large ones pay the per-call latency less often; PyTorch's 25 MiB suits
// networks of 1-10 Gbit/s and models of tens of MiB and more, and -bucket-mb tunes it. (The
// MNIST MLP, 0.9 MB, fits in the first bucket: one reduction after backward, no overlap.
// The MNIST CNN gets two: its fully connected layers, 1.6 MB, are reduced while the
// convolutions' backward runs.) What limits the design: every rank keeps a full replica and full
// optimizer state (no sharding as in ZeRO/FSDP), the global batch grows with the number of
// processes, gradients travel in float32 or float64 with no compression, a slow rank
// (straggler) holds back every step, the buckets follow registration order rather than
// the order observed in the first step, and Open MPI over TCP between machines needs
// open ports between all of them; one process per socket or machine, each using its
// cores through GOMAXPROCS, keeps the number of ranks, and so the latency terms, small.
package dist
