"""PyTorch reference trajectories for package optim: optimizers, LR schedulers, clipping.

Writes ../../optim/testdata/optim.json (relative to this script). Run it by hand with Debian's
torch: /usr/bin/python3 testdata/gen/optim.py. The Go tests in optim/ replay every case.

An optimizer case gives the optimizer name, its keyword config, the parameter groups (each
a list of parameter indices plus per-group overrides), the start parameters, the gradient of
every parameter at every step (null: the parameter has no gradient at that step and is
skipped) and the parameters after every step. The single-tensor (foreach=False) code path is
used, as eager's optimizers follow it.

A scheduler case gives the scheduler, its config, the optimizer it drives and the learning
rates (and, for OneCycleLR, the momentum or beta1) of every group after construction and
after each step.
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import enc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "optim", "testdata", "optim.json")

STEPS = 5
SHAPES = [(3, 4), (5,), (2, 2)]

torch.manual_seed(0)


def make_params(dtype):
    return [torch.randn(s, dtype=dtype) for s in SHAPES]


def make_grads(dtype, none_at=None, shrink=False):
    """One gradient list per step. none_at=(step, param) leaves that gradient out; shrink
    makes gradients smaller over time (exercises AMSGrad's running max)."""
    steps = []
    for k in range(STEPS):
        scale = 2.0 ** (-k) if shrink else 1.0
        gs = [torch.randn(s, dtype=dtype) * scale for s in SHAPES]
        if none_at is not None and none_at[0] == k:
            gs[none_at[1]] = None
        steps.append(gs)
    return steps


def opt_case(name, cls, config, groups=None, dtype=torch.float32, none_at=(2, 1), shrink=False):
    params0 = make_params(dtype)
    grads = make_grads(dtype, none_at, shrink)
    params = [p.clone().requires_grad_(True) for p in params0]
    if groups is None:
        groups = [{"params": list(range(len(params)))}]
    torch_groups = [dict({k: v for k, v in g.items() if k != "params"}, params=[params[i] for i in g["params"]])
                    for g in groups]
    opt = getattr(torch.optim, cls)(torch_groups, foreach=False, **config)
    traj = []
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = None if g is None else g.clone()
        opt.step()
        traj.append([enc(p) for p in params])
    return {
        "name": name, "optim": cls, "config": config, "groups": groups,
        "params": [enc(p) for p in params0],
        "grads": [[None if g is None else enc(g) for g in gs] for gs in grads],
        "trajectory": traj,
    }


def optimizer_cases():
    c = []
    # SGD
    c.append(opt_case("sgd_plain", "SGD", {"lr": 0.1}))
    c.append(opt_case("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}))
    c.append(opt_case("sgd_dampening", "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}))
    c.append(opt_case("sgd_nesterov_wd", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}))
    c.append(opt_case("sgd_weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.1}))
    c.append(opt_case("sgd_maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}))
    c.append(opt_case("sgd_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
                      groups=[{"params": [0, 2]}, {"params": [1], "lr": 0.01, "weight_decay": 0.05, "momentum": 0.0}]))
    c.append(opt_case("sgd_float64", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, dtype=torch.float64))
    # Adam
    c.append(opt_case("adam_default", "Adam", {}))
    c.append(opt_case("adam_lr", "Adam", {"lr": 0.05}))
    c.append(opt_case("adam_betas_eps", "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}))
    c.append(opt_case("adam_beta1_zero", "Adam", {"lr": 0.01, "betas": (0.0, 0.99)}))
    c.append(opt_case("adam_weight_decay", "Adam", {"lr": 0.01, "weight_decay": 0.1}))
    c.append(opt_case("adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True}, shrink=True))
    c.append(opt_case("adam_maximize", "Adam", {"lr": 0.01, "maximize": True}))
    c.append(opt_case("adam_groups", "Adam", {"lr": 0.01},
                      groups=[{"params": [0]}, {"params": [1, 2], "lr": 0.001, "weight_decay": 0.01, "betas": (0.5, 0.9)}]))
    c.append(opt_case("adam_float64", "Adam", {"lr": 0.01, "amsgrad": True}, dtype=torch.float64, shrink=True))
    # AdamW
    c.append(opt_case("adamw_default", "AdamW", {}))
    c.append(opt_case("adamw_wd_amsgrad", "AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}, shrink=True))
    c.append(opt_case("adamw_groups", "AdamW", {"lr": 0.01},
                      groups=[{"params": [0, 1]}, {"params": [2], "weight_decay": 0.0, "lr": 0.02}]))
    c.append(opt_case("adamw_maximize", "AdamW", {"lr": 0.01, "maximize": True}))
    # RMSprop
    c.append(opt_case("rmsprop_default", "RMSprop", {}))
    c.append(opt_case("rmsprop_alpha_eps", "RMSprop", {"lr": 0.005, "alpha": 0.9, "eps": 1e-4}))
    c.append(opt_case("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}))
    c.append(opt_case("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": True}))
    c.append(opt_case("rmsprop_centered_momentum_wd", "RMSprop",
                      {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}))
    c.append(opt_case("rmsprop_maximize", "RMSprop", {"lr": 0.01, "maximize": True}))
    c.append(opt_case("rmsprop_groups", "RMSprop", {"lr": 0.01},
                      groups=[{"params": [0]}, {"params": [1, 2], "lr": 0.002, "weight_decay": 0.1}]))
    # Adagrad
    c.append(opt_case("adagrad_default", "Adagrad", {}))
    c.append(opt_case("adagrad_lr_decay_wd", "Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1}))
    c.append(opt_case("adagrad_init_acc_eps", "Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3}))
    c.append(opt_case("adagrad_maximize", "Adagrad", {"lr": 0.1, "maximize": True}))
    c.append(opt_case("adagrad_groups", "Adagrad", {"lr": 0.1},
                      groups=[{"params": [0, 1]}, {"params": [2], "lr": 0.5, "weight_decay": 0.2}]))
    return c


SCHED_STEPS = 30


def sched_case(name, optim_cls, optim_cfg, group_lrs, make, steps=SCHED_STEPS, record_momentum=False):
    ps = [torch.zeros(1, requires_grad=True) for _ in group_lrs]
    opt = getattr(torch.optim, optim_cls)([{"params": [p], "lr": lr} for p, lr in zip(ps, group_lrs)], **optim_cfg)
    sched, cfg = make(opt)

    def mom():
        return [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in opt.param_groups]

    lrs = [list(sched.get_last_lr())]
    moms = [mom()]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        moms.append(mom())
    c = {"name": name, "optim": optim_cls, "optim_config": optim_cfg, "group_lrs": group_lrs,
         "config": cfg, "lrs": lrs}
    if record_momentum:
        c["momentum"] = moms
    return c


def scheduler_cases():
    S = torch.optim.lr_scheduler
    sgd, sgdcfg, lrs = "SGD", {"lr": 0.1, "momentum": 0.9}, [0.1, 0.02]
    c = []

    def simple(name, cls, **kw):
        def make(opt):
            return getattr(S, cls)(opt, **kw), dict(kw, sched=cls)
        c.append(sched_case(name, sgd, sgdcfg, lrs, make))

    simple("step", "StepLR", step_size=7, gamma=0.5)
    simple("step_default_gamma", "StepLR", step_size=3)
    simple("multistep", "MultiStepLR", milestones=[5, 12, 12, 20], gamma=0.3)
    simple("exponential", "ExponentialLR", gamma=0.9)
    simple("cosine_short", "CosineAnnealingLR", T_max=10, eta_min=0.001)
    simple("cosine_long", "CosineAnnealingLR", T_max=30)
    simple("linear_warmup", "LinearLR", start_factor=0.1, end_factor=1.0, total_iters=8)
    simple("linear_decay", "LinearLR", start_factor=1.0, end_factor=0.2, total_iters=10)
    simple("constant", "ConstantLR", factor=0.5, total_iters=4)

    def onecycle(name, optim_cls, optim_cfg, steps, **kw):
        def make(opt):
            return S.OneCycleLR(opt, **kw), dict(kw, sched="OneCycleLR")
        c.append(sched_case(name, optim_cls, optim_cfg, lrs, make, steps=steps, record_momentum=True))

    onecycle("onecycle_cos_sgd", sgd, sgdcfg, 29, max_lr=[0.5, 0.1], total_steps=30)
    onecycle("onecycle_linear_three_phase_adam", "Adam", {"lr": 0.001}, 39, max_lr=0.01, total_steps=40,
             anneal_strategy="linear", three_phase=True, pct_start=0.25, base_momentum=0.8, max_momentum=0.9)
    onecycle("onecycle_no_momentum_epochs", "Adagrad", {"lr": 0.01}, 29, max_lr=0.2, epochs=3, steps_per_epoch=10,
             cycle_momentum=False, div_factor=10.0, final_div_factor=100.0)
    onecycle("onecycle_rmsprop", "RMSprop", {"lr": 0.01, "momentum": 0.5}, 19, max_lr=0.05, total_steps=20,
             three_phase=True)

    def warm_cos(opt):
        w = S.LinearLR(opt, start_factor=0.1, end_factor=1.0, total_iters=5)
        cos = S.CosineAnnealingLR(opt, T_max=25, eta_min=0.0001)
        return S.SequentialLR(opt, [w, cos], milestones=[5]), {
            "sched": "SequentialLR", "milestones": [5],
            "schedulers": [{"sched": "LinearLR", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 5},
                           {"sched": "CosineAnnealingLR", "T_max": 25, "eta_min": 0.0001}]}
    c.append(sched_case("sequential_warmup_cosine", sgd, sgdcfg, lrs, warm_cos))

    def three_seq(opt):
        a = S.ConstantLR(opt, factor=0.5, total_iters=3)
        b = S.ExponentialLR(opt, gamma=0.9)
        d = S.StepLR(opt, step_size=4, gamma=0.5)
        return S.SequentialLR(opt, [a, b, d], milestones=[4, 15]), {
            "sched": "SequentialLR", "milestones": [4, 15],
            "schedulers": [{"sched": "ConstantLR", "factor": 0.5, "total_iters": 3},
                           {"sched": "ExponentialLR", "gamma": 0.9},
                           {"sched": "StepLR", "step_size": 4, "gamma": 0.5}]}
    c.append(sched_case("sequential_three", sgd, sgdcfg, lrs, three_seq))

    def chained(opt):
        w = S.LinearLR(opt, start_factor=0.2, end_factor=1.0, total_iters=6)
        e = S.ExponentialLR(opt, gamma=0.95)
        return S.ChainedScheduler([w, e]), {
            "sched": "ChainedScheduler",
            "schedulers": [{"sched": "LinearLR", "start_factor": 0.2, "end_factor": 1.0, "total_iters": 6},
                           {"sched": "ExponentialLR", "gamma": 0.95}]}
    c.append(sched_case("chained_warmup_exponential", sgd, sgdcfg, lrs, chained))
    return c


def clip_cases():
    c = []
    for norm_type in [2.0, 1.0, 3.0, "inf"]:
        for max_norm in [1.0, 100.0]:
            gs = [torch.randn(s) for s in SHAPES]
            ps = [torch.zeros(s, requires_grad=True) for s in SHAPES]
            for p, g in zip(ps, gs):
                p.grad = g.clone()
            ps[1].grad = None if max_norm == 100.0 else ps[1].grad
            nt = math.inf if norm_type == "inf" else norm_type
            total = torch.nn.utils.clip_grad_norm_(ps, max_norm, nt)
            c.append({"kind": "norm", "norm_type": norm_type, "max_norm": max_norm,
                      "grads": [None if p.grad is None else enc(g) for p, g in zip(ps, gs)],
                      "total_norm": total.item(),
                      "clipped": [None if p.grad is None else enc(p.grad) for p in ps]})
    gs = [torch.randn(s) for s in SHAPES]
    ps = [torch.zeros(s, requires_grad=True) for s in SHAPES]
    for p, g in zip(ps, gs):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ps, 0.5)
    c.append({"kind": "value", "clip_value": 0.5, "grads": [enc(g) for g in gs], "clipped": [enc(p.grad) for p in ps]})
    return c


def main():
    data = {"torch_version": torch.__version__, "optimizers": optimizer_cases(),
            "schedulers": scheduler_cases(), "clip": clip_cases()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print("wrote", len(data["optimizers"]), "optimizer,", len(data["schedulers"]), "scheduler and",
          len(data["clip"]), "clipping cases to", os.path.relpath(OUT))


if __name__ == "__main__":
    main()
