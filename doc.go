// Package eager is a deep-learning framework with eager execution: every tensor operation
// runs the moment it is called, as in PyTorch, so a model is ordinary Go code that can be
// stepped through, printed from and branched in. Gradients come from a define-by-run
// reverse-mode autograd tape. (Large elementwise ops that nothing records are checked at
// the call and computed when their result is first read; see Deferred fusion.)
//
// # Tensors
//
// A Tensor is a strided view (offset, shape, strides) onto flat typed storage of one DType:
// Float32 (the default), Float64, Int64 or Bool. Reshape, Transpose, Permute, Slice, Expand,
// Squeeze and Unsqueeze return views that share storage; Contiguous copies when needed.
// Binary ops broadcast as NumPy and PyTorch do. Names follow PyTorch's in Go case: x.Add(y),
// x.MatMul(w), x.Sum(1), x.Softmax(-1), and negative dims count from the end.
//
// # Autograd
//
// Mark leaves with SetRequiresGrad(true). An op whose inputs require grad records a node on
// the tape, holding its backward function; Backward walks the tape in reverse and
// accumulates into the leaves' Grad(). Every backward function is written with tensor ops,
// so with CreateGraph the gradients are themselves differentiable (Grad computes
// Hessian-vector products and gradient penalties). Ops that modify a tensor in place
// (AddInPlace, CopyFrom, ...) bump its version counter; Backward reports a saved tensor that
// was modified after it was saved. User-defined differentiable ops are written as Function
// values. GradCheck compares gradients with finite differences.
//
// # Errors
//
// Misuse (mismatched shapes, bad dims, wrong dtypes, a second backward through a freed
// graph) panics with an *Error naming the op, the shapes and the caller's file:line, as a
// programmer error; Try converts such a panic into an error.
//
// # Goroutines
//
// Grad mode is per goroutine: NoGrad(fn) turns recording off only on the goroutine that
// calls it. Ops only read their inputs, so any number of goroutines may run ops on shared
// tensors at once: a model can serve inference from many goroutines (wrap each in NoGrad to
// skip recording). Modifying a tensor in place while another goroutine reads it is a data
// race, as with a Go slice. Backward may run on separate graphs concurrently; gradient
// accumulation into a shared leaf is locked, but the order of accumulation (and hence the
// last bits of the sum) then depends on timing.
//
// # Determinism
//
// Random tensors come from a seeded generator (ManualSeed, or a Generator of one's own).
// Parallel kernels split work into fixed chunks, so the same seed gives bit-identical
// results run to run, on any number of cores.
//
// # Deferred fusion
//
// Large float32 elementwise ops that nothing records or observes (no input requires grad,
// no profiler, jit tracer or anomaly mode) check their arguments at the call, as every op
// does, and defer the computation: y := x.Mul(w).Add(b).ReLU() is an expression until its
// elements are read (by another op, Item, String, Float32s, StorageData, Realize), and then
// the whole chain runs as one pass over cache-sized tiles, with the same kernels and the
// same bits as op by op, but without writing the intermediates to memory. Writing into a
// tensor that a deferred op still reads gives that op a copy first, so results are those of
// the ops at their calls. SetDeferredFusion(false) makes every op compute at its call.
//
// # Memory
//
// Go frees tensors by garbage collection, so eager reuses large buffers where it knows
// their lifetime, the way PyTorch's caching allocator does with reference counts: gradients
// the backward pass computed and no longer needs, a leaf's gradient that ZeroGrad drops
// after the optimizer only borrowed it (BorrowGrad; a tensor from Grad stays valid), and
// kernels' scratch buffers go to a buffer cache that later allocations of the same size class
// take from (EmptyCache empties it, BufferCacheStats counts its activity). Layer stacks reuse
// a fresh output's buffer for the next op where PyTorch users would write inplace=True:
// ReLUReusing and AddReusing, which nn.Sequential and the transformer layers call. Every
// reuse keeps values, autograd and gradients unchanged.
//
// # The op table
//
// Every primitive op is registered in one table (Ops) that autograd, the jit tracer and the
// profiler share. Tools watch ops as they run: SetOpObserver (one slot, for the jit tracer)
// and AddOpObserver see each op's inputs, output and attributes; AddOpProbe also gets its
// start and end time, the goroutine, the bytes it allocated and whether it ran in backward
// (package profile is built on it). With nothing installed and anomaly mode off, all of this
// costs an op one atomic load when it starts and one when it ends.
//
// # Debugging
//
// DetectAnomaly reports the first op that produces a NaN or Inf, forward or backward, with
// the user's line that created it. GraphDOT draws the autograd graph behind a tensor.
// Summary gives a one-line statistical summary of a tensor for logs. MemoryStats reports the
// live and peak bytes of tensor storage once TrackMemory(true) (or the profiler) turned
// accounting on.
package eager
