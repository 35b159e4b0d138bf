// Package optim holds eager's optimizers, learning-rate schedulers and gradient clipping,
// modelled on torch.optim (PyTorch 1.13) so that the same settings give the same trajectory.
//
// # Optimizers
//
// SGD (momentum, dampening, Nesterov, weight decay), Adam and AdamW (AMSGrad), RMSprop
// (momentum, centered) and Adagrad (lr decay) are built over a list of parameters, or over
// parameter groups with their own learning rate and weight decay:
//
//	opt := optim.NewAdamW(model.Parameters(), optim.AdamWConfig{LR: 3e-4})
//	opt := optim.NewSGDGroups([]optim.Group{
//		{Params: weights},
//		{Params: biases, WeightDecay: optim.Ptr(0.0)},
//	}, optim.SGDConfig{LR: 0.1, Momentum: 0.9, WeightDecay: 5e-4})
//
// A zero field of a config struct means PyTorch's default for it (Adam's LR 1e-3, betas
// (0.9, 0.999), eps 1e-8, and so on; each config documents its own). SGD has no default
// learning rate, as in PyTorch. A value whose default is not zero can be set to exactly zero
// per group (Group fields are pointers: optim.Ptr(0.0)) or on ParamGroups() after construction.
//
// The training loop is PyTorch's:
//
//	for batch := range batches {
//		opt.ZeroGrad()
//		loss := lossFn(model.Forward(batch.X), batch.Y)
//		loss.Backward()
//		optim.ClipGradNorm(params, 1.0, 2) // optional
//		opt.Step()
//		sched.Step() // optional
//	}
//
// Step updates, in place and under eager.NoGrad, every parameter that has a gradient;
// parameters whose Grad() is nil are skipped (and their state, such as Adam's step count, does
// not advance). Each update follows PyTorch's single-tensor implementation operation by
// operation, in float32 for float32 parameters, so that a trajectory agrees with PyTorch's to
// float32 rounding (the tests replay PyTorch trajectories; most match bit for bit). ZeroGrad
// sets every gradient to nil, PyTorch's zero_grad(set_to_none=True).
//
// ParamGroups exposes the groups' hyperparameters (LR, WeightDecay, Momentum, Betas, Eps),
// which may be changed between steps; schedulers do that. StateDict returns a snapshot of
// the optimizer's state (step counts, moment buffers named as in PyTorch, group
// hyperparameters) in plain Go values and tensors, and LoadStateDict restores it.
//
// # Schedulers
//
// StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR (warmup), LambdaLR,
// CosineAnnealingLR and OneCycleLR set the groups' learning rates; SequentialLR runs
// schedulers one after another (warmup, then decay) and ChainedScheduler multiplies their
// effects. They reproduce PyTorch's formulas, recursive ones included, so their learning
// rates match PyTorch's to float64 rounding. Constructing a scheduler sets the first
// learning rate; call Step after each optimizer step.
//
// # Clipping
//
// ClipGradNorm scales all gradients together so that their total norm is at most a bound
// and returns the norm; ClipGradValue clamps each gradient element.
//
// # Errors
//
// Invalid settings (a negative learning rate, a beta outside [0, 1), Nesterov without
// momentum, a parameter in two groups, ...) panic with an *eager.Error naming the caller's
// line, as eager's ops do; eager.Try turns the panic into an error.
package optim
