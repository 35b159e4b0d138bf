"""Shared helpers for eager's PyTorch reference fixtures.

Each family script (elementwise.py, reduce.py, ...) builds a list of cases with `case` and
writes them with `write(family, cases)` to ../torch/<family>.json. Run them by hand with
Debian's torch (/usr/bin/python3 testdata/gen/<family>.py); CI only reads the JSON.

A case records the op name (the Go test maps it to a Go call), the inputs, attrs, the
forward output and, when the output is floating point and some input requires grad, the
gradients of every such input for a fixed random output gradient.
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "torch")

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}


def enc(t):
    t = t.detach()
    vals = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        vals = [1 if v else 0 for v in vals]
    out = []
    for v in vals:
        if isinstance(v, float) and v != v:
            out.append("nan")
        elif isinstance(v, float) and v in (float("inf"), float("-inf")):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(v)
    return {"shape": list(t.shape), "dtype": DTYPES[t.dtype], "data": out}


def case(name, op, fn, inputs, attrs=None, grad=True, atol=None, rtol=None, noncontig=None):
    """fn(*inputs) -> tensor (or tuple: the first element is the output compared and
    differentiated). inputs are torch tensors; float ones require grad when grad is set.
    noncontig lists input indices that the Go side should make non-contiguous (it
    transposes the last two dims of a contiguous copy and transposes back, as a view)."""
    ins = []
    for t in inputs:
        t = t.detach().clone()
        if grad and t.is_floating_point():
            t.requires_grad_(True)
        ins.append(t)
    out = fn(*ins)
    if isinstance(out, tuple):
        out = out[0]
    c = {"name": name, "op": op, "attrs": attrs or {}, "inputs": [dict(enc(t), requires_grad=t.requires_grad) for t in ins],
         "output": enc(out), "noncontig": noncontig or []}
    if atol is not None:
        c["atol"] = atol
    if rtol is not None:
        c["rtol"] = rtol
    if grad and out.is_floating_point() and out.requires_grad:
        g = torch.randn(out.shape, dtype=out.dtype)
        diff = [t for t in ins if t.requires_grad]
        gs = torch.autograd.grad(out, diff, g, allow_unused=True)
        it = iter(gs)
        c["grad_output"] = enc(g)
        c["grads"] = []
        for t in ins:
            if t.requires_grad:
                gi = next(it)
                c["grads"].append(enc(gi) if gi is not None else enc(torch.zeros_like(t)))
            else:
                c["grads"].append(None)
    return c


def write(family, cases):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, family + ".json")
    with open(path, "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print("wrote", len(cases), "cases to", os.path.relpath(path))
