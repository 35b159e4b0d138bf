// Package jit compiles eager functions into graphs: Compile traces a Go function of tensors
// once per input signature, optimizes the recorded graph, and replays it on later calls.
//
// # Tracing
//
// The first call runs fn eagerly on the real arguments (its results are the real results)
// while an op observer records every primitive op into an SSA Graph. Arguments become Input
// nodes; constants fn makes from Go values (Full, FromSlice, the scalars of MulScalar) become
// Const nodes; any other tensor fn reads was made outside fn — a model parameter, a buffer —
// and becomes a Capture node that reads the same *Tensor at every call, so parameter updates
// are seen. Random draws (Rand, Randn, RandInt) become Rand nodes that draw fresh values from
// the default generator at every call, in the same order as eager, so a seeded run gives the
// same numbers compiled and eager. Dropout masks are refused for now.
//
// Compiled graphs are cached per signature: grad mode and each argument's dtype, shape and
// requires-grad flag; the cache keeps the 8 most recently used graphs (WithCacheSize). A call
// with a new signature traces again; Stats counts the traces and says why each happened.
//
// # Honest tracing
//
// A graph cannot branch on data. Reading the values of a traced tensor inside fn (Item,
// Float32s, Float64s, Int64s, Bools, String, and so any Go if on them) fails with an *Error
// wrapping ErrDataDependent that names the user's file:line; so does reading a tensor from
// outside fn, whose values may change between calls. Constants made inside fn may be read.
// Argument checks in eager's own packages (nn validating class indices) are allowed and noted
// in the graph: they run only while tracing. Go values fn reads from closures (a learning
// rate in a float64) are baked in as constants when traced, as in every tracing compiler.
// Ops with no replay function (see RegisterOp) fail with ErrUnsupported naming the op.
//
// # Training steps
//
// fn may call Backward and update parameters in place (an optimizer step): the ops autograd
// runs are recorded like any others; gradient accumulation into leaves, SetGrad and ZeroGrad
// become SetGrad effects; in-place updates become ops that define the new value, and updates
// of tensors that outlive the call (parameters, optimizer state, arguments) become write-back
// effects applied after the graph has run. Whether each leaf had a gradient when the call
// started is guarded (autograd accumulates differently), as is each captured tensor's
// requires-grad flag. Outputs of a compiled function never carry autograd history: compute
// the loss and call Backward inside fn. Using a tensor after its storage was modified in
// place through a different view fails with ErrAliasing instead of giving stale values.
//
// Code whose ops depend on Go state that changes between calls calls
// eager.MarkGoStateDependent: optim's Adam without Capturable (its bias correction is
// computed in Go from the step count) on every step; SGD with momentum, RMSprop and Adam
// with Capturable on the step that creates their state. Such a call runs eagerly and keeps
// no graph (Stats.EagerCalls), so compiled results never silently replay stale Go values;
// SGD, RMSprop and capturable Adam (optim.AdamConfig.Capturable: the step count is a tensor,
// the results are the default Adam's bits) run compiled from their second step on.
//
// fn must run its tensor ops on the calling goroutine. A compiled function called while
// another is being traced on the same goroutine runs eagerly, so that the outer trace sees it.
//
// # Passes and executor
//
// DefaultPasses runs, in order: DCE (dead code), Simplify (x*1, x/1, x-0, x+0, double
// negation, double transpose, reshape of reshape, views to the same shape, needless
// copies), Fold (constant folding), CSE (common subexpressions), SumChains (chains of
// additions into one n-ary SumN), FuseGemm (matrix products with their bias and
// activation, or, for a gradient flowing back through a ReLU, with the ReLU's mask; every
// other product too, so that it writes into a planned buffer; a transposed product (A·B)ᵀ
// computed as Bᵀ·Aᵀ; a batched product read only permuted, as attention's heads merged back
// into [N, L, E], computed straight into the permuted layout, without the copy),
// FuseElementwise (chains of elementwise ops
// and in-place updates, with reduction epilogues, into Fused nodes: an Adam update is one
// loop) and PlanMemory (liveness-based buffer reuse, outputs computed in place of dead
// inputs, optimizer updates written straight into the parameters). Each pass is an exported
// function from Graph to Graph; Graphs returns the graph as traced and after every pass, and
// Graph's String and DOT print them (WithDump prints them at each compilation; the eager
// command's "graph -jit" prints a training step's).
//
// The executor replays eager ops through the replay table (RegisterOp): the same kernels,
// so the same bits. jit's own nodes run native kernels: a Fused node runs its program one
// tile of 2048 elements or more (whole rows when it reduces; large loops take tiles up to
// what half of a 1 MiB L2 holds) at a time, in parallel over tiles with a fixed partition
// (split sooner when the program is expensive), so that intermediates stay in cache and
// only its inputs and outputs touch memory. Each instruction
// runs over the whole tile with eager's vector kernels (internal/kernels, and eager's own
// unary kernels through eager.UnaryKernels); values computed per row (a layer norm's mean
// and variance) are computed once per row. Intermediate buffers are kept across calls; the
// results of replayed eager ops go back to eager's buffer cache after their last reader
// (eager.ReleaseBuffer), so that the next op of that size reuses them while warm;
// outputs are new tensors at every call, as in eager, unless WithStaticOutputs makes them
// buffers the Func owns. A call with the same argument tensors as the previous one skips
// encoding the signature (the Func keeps references to the last call's arguments).
//
// The optimizer step of a training graph runs as an update group: its Adam updates (and
// the nodes between them that they do not depend on, such as bias corrections) run as one
// set of tasks on the cores instead of one fork and join per parameter, each update split
// into chunks; a weight gradient that its product computes just before and that only the
// update reads is computed a block of rows at a time, and each block is consumed by the
// update of those rows while it is in cache (it is stored whole only when it outlives the
// call as the parameter's gradient). The plan checks that deferring the updates' loops to
// the end of the group changes no value anything reads; the bits are those of the ordinary
// kernels. While a profiler is installed, the nodes run one by one, each reported.
//
// # Numerics
//
// Compiled results are bit-identical to eager's, with one documented exception. Every pass
// keeps the per-element sequence of operations: fused float32 ops compute in float32 as
// eager's kernels do, unary math uses eager's own element functions and slice kernels
// (eager.UnaryKernels), n-ary sums add in the original order, fused reductions call eager's
// reduction kernel on the same rows, GEMM epilogues run the same GEMM kernel and then y+b
// and the activation, and a transposed product relies on the GEMM kernel computing each
// element identically with its operands swapped (tested in internal/kernels). No pass
// reorders a reduction, so there is no tolerance to state. The exception is Simplify's
// x+0 -> x: eager computes -0 + 0 = +0, the simplified graph keeps -0 (equal as numbers,
// different in the sign bit). Floating-point contraction (FMA) is not used on amd64; on
// platforms where the Go compiler contracts a*b+c, fused and eager code may round
// differently.
//
// # Limitations
//
// Dropout masks (Bernoulli draws) are refused until eager exports a way to replay them.
// Tensor hooks (RegisterHook) run only while tracing. Anomaly detection checks the ops that
// are replayed, not fused kernels. Writes straight into parameters bump their version
// counters once per call rather than once per in-place op. Compiled outputs may alias each
// other where eager's would not (CSE may merge two identical computations).
package jit
