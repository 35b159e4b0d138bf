// Package profile records what every eager op costs: its name, input shapes, wall time,
// estimated FLOPs and the bytes it allocated, in the forward pass and in backward, and prints
// them as a table sorted by total time (like torch.profiler's key_averages) or writes them as
// a Chrome trace that Perfetto opens.
//
//	rep := profile.Run(func() {
//		loss := nn.CrossEntropy(model.Forward(x), y)
//		loss.Backward()
//	})
//	fmt.Print(rep.Table())
//	f, _ := os.Create("trace.json")
//	rep.WriteChromeTrace(f) // open in https://ui.perfetto.dev
//
// # How ops are timed
//
// The profiler installs an eager.OpProbe. Every primitive op reads eager's monotonic clock as
// its first statement (the op-begin hook, which costs one atomic load while no probe,
// observer or anomaly mode is active) and again when it finishes, before any observer runs.
// An op's time is therefore its own: user code between ops and the glue of composite ops
// (Linear, CrossEntropy, ... are built from primitives) is never charged to the next op, as
// it would be by measuring from the previous event. A primitive that calls another (a dtype
// conversion inside Add, the ops of a backward function) encloses it; Self time subtracts
// the enclosed ops, so self times add up to the time spent in ops. Inside Backward, each
// backward function (MulBackward, ...) is recorded as a span around the primitive ops it runs,
// and those ops are marked as backward ("Mul (backward)" in the table).
//
// Ops from all goroutines are recorded (a data loader's collation shows up on its own
// track). While on, recording costs one to a few microseconds per op (the event, its shapes,
// and memory tracking's runtime.AddCleanup for each new tensor).
//
// # FLOPs
//
// Matrix products and convolutions count 2 per multiply-add (Bmm [B M K]·[B K N]:
// 2·B·M·N·K); elementwise ops one per output element; reductions one per input element;
// movement and copies none. See estimateFLOPs for the full table. Code that runs work
// outside the primitive ops (a jit executor's fused kernels) reports it with
// eager.EmitOpEvent, giving its own FLOPs.
//
// # Memory
//
// Start turns on eager.TrackMemory, so the report shows the bytes each op allocated for its
// output (views allocate none) and the live tensor memory over time (a counter track in the
// trace, live and peak in the table's footer). Tracking counts only storage allocated while it
// is on; call eager.TrackMemory(true) at program start to include the parameters.
package profile
