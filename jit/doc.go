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
// fn must run its tensor ops on the calling goroutine. A compiled function called while
// another is being traced on the same goroutine runs eagerly, so that the outer trace sees it.
//
// # Passes and executor
//
// See DefaultPasses. Each pass returns a new graph; Graphs returns all of them, and Graph's
// String and DOT print them. The executor replays eager ops through the replay table (the
// same kernels, so the same bits) and runs jit's own nodes — fused elementwise loops, n-ary
// sums, GEMMs with epilogues — with native kernels.
package jit
