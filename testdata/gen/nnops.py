"""Reference fixtures for ops_nn.go: layer/batch/group/RMS norm and scaled dot-product
attention (dropout is random and is tested statistically on the Go side).

Run: /usr/bin/python3 testdata/gen/nnops.py  (Debian torch 1.13)

Optional inputs (weight, bias, running stats, mask) are listed only when present; attrs say
which are (see the refOps mapping in nnops_test.go). RMSNorm has no torch 1.13 function and
is written out from the torch 2.4 definition; attention uses 1.13's private
F._scaled_dot_product_attention (the public one came with 2.0).
"""
import numpy as np
import torch
import torch.nn.functional as F

from common import case, enc, write

torch.manual_seed(0)
f32, f64 = torch.float32, torch.float64
cases = []


def randn(*shape, dtype=f32):
    return torch.randn(*shape, dtype=dtype)


def case_rg(name, op, fn, inputs, rg, attrs=None, atol=None, rtol=None, noncontig=None):
    """case() with per-input requires_grad flags rg (running statistics must not require grad)."""
    ins = []
    for t, r in zip(inputs, rg):
        t = t.detach().clone()
        if r:
            t.requires_grad_(True)
        ins.append(t)
    encoded = [dict(enc(t), requires_grad=t.requires_grad) for t in ins]  # before fn updates running stats
    out = fn(*ins)
    c = {"name": name, "op": op, "attrs": attrs or {}, "inputs": encoded, "output": enc(out), "noncontig": noncontig or []}
    if atol is not None:
        c["atol"] = atol
    if rtol is not None:
        c["rtol"] = rtol
    if out.requires_grad:
        g = torch.randn(out.shape, dtype=out.dtype)
        diff = [t for t in ins if t.requires_grad]
        gs = iter(torch.autograd.grad(out, diff, g, allow_unused=True))
        c["grad_output"] = enc(g)
        c["grads"] = []
        for t in ins:
            gi = next(gs) if t.requires_grad else None
            c["grads"].append(None if not t.requires_grad else enc(gi if gi is not None else torch.zeros_like(t)))
    return c


# ---- LayerNorm ----

def ln(name, x, ns, w=None, b=None, eps=1e-5, ref64=False, **kw):
    attrs = {"normalized_shape": list(ns), "eps": eps, "weight": w is not None, "bias": b is not None}
    ins = [x] + [t for t in (w, b) if t is not None]

    def fn(x, *p):
        it = iter(p)
        wt = next(it) if w is not None else None
        bt = next(it) if b is not None else None
        if ref64:  # the exact answer, rounded: torch's float32 kernel loses digits here
            return F.layer_norm(x.double(), ns, None if wt is None else wt.double(),
                                None if bt is None else bt.double(), eps).to(x.dtype)
        return F.layer_norm(x, ns, wt, bt, eps)
    cases.append(case(name, "layer_norm", fn, ins, attrs, **kw))


for dt, tag in ((f32, "f32"), (f64, "f64")):
    ln(f"affine_{tag}", randn(2, 3, 4, dtype=dt), [4], randn(4, dtype=dt), randn(4, dtype=dt))
    ln(f"two_dims_{tag}", randn(2, 3, 4, dtype=dt), [3, 4], randn(3, 4, dtype=dt), randn(3, 4, dtype=dt))
    ln(f"plain_{tag}", randn(3, 5, dtype=dt), [5])
ln("weight_only_f32", randn(4, 3), [3], randn(3))
ln("bias_only_f64", randn(4, 3, dtype=f64), [3], None, randn(3, dtype=f64))
ln("all_dims_1d_f64", randn(6, dtype=f64), [6], randn(6, dtype=f64), randn(6, dtype=f64), eps=1e-3)
ln("noncontig_f32", randn(3, 4, 4), [4], randn(4), randn(4), noncontig=[0])
ln("constant_rows_f32", torch.full((2, 4), 3.0), [4], randn(4), randn(4))
# Large common offset: a one-pass variance or a float32 mean would lose everything.
ln("large_offset_f32", 1000 + randn(3, 8), [8], randn(8), randn(8), ref64=True, atol=1e-4, rtol=1e-4)
ln("large_offset_f64", 1e6 + randn(3, 8, dtype=f64), [8], randn(8, dtype=f64), randn(8, dtype=f64), atol=1e-8, rtol=1e-7)
ln("large_scale_f32", 1e4 * randn(3, 8), [8], randn(8), randn(8))
ln("tiny_scale_f64", 1e-3 * randn(3, 8, dtype=f64), [8], None, None, eps=1e-12)

# ---- BatchNorm ----


def bn(name, x, running=False, affine=True, training=True, momentum=0.1, eps=1e-5, op="batch_norm", **kw):
    C = x.shape[1]
    dt = x.dtype
    rm, rv = (randn(C, dtype=dt), torch.rand(C, dtype=dt) + 0.5) if running else (None, None)
    w, b = (randn(C, dtype=dt), randn(C, dtype=dt)) if affine else (None, None)
    attrs = {"training": training, "momentum": momentum, "eps": eps, "running": running, "weight": affine, "bias": affine}
    ins = [x] + ([rm, rv] if running else []) + ([w, b] if affine else [])
    rg = [True] + ([False, False] if running else []) + ([True, True] if affine else [])

    def fn(x, *p):
        p = list(p)
        rmt, rvt = (p.pop(0), p.pop(0)) if running else (None, None)
        wt, bt = (p.pop(0), p.pop(0)) if affine else (None, None)
        y = F.batch_norm(x, rmt, rvt, wt, bt, training, momentum, eps)
        if op == "batch_norm_running":
            return torch.cat([rmt, rvt])
        return y
    if op == "batch_norm_running":
        rg = [False] * len(ins)
    cases.append(case_rg(name, op, fn, ins, rg, attrs, **kw))


for dt, tag in ((f32, "f32"), (f64, "f64")):
    bn(f"train_2d_{tag}", randn(4, 3, dtype=dt))
    bn(f"train_3d_{tag}", randn(2, 3, 4, dtype=dt), running=True)
    bn(f"train_4d_{tag}", randn(2, 3, 2, 2, dtype=dt))
    bn(f"eval_4d_{tag}", randn(2, 3, 2, 2, dtype=dt), running=True, training=False)
    bn(f"running_update_4d_{tag}", randn(2, 3, 2, 2, dtype=dt), running=True, op="batch_norm_running")
bn("train_no_affine_f64", randn(3, 2, 3, dtype=f64), affine=False)
bn("train_noncontig_f32", randn(4, 3, 5), noncontig=[0])
bn("train_batch1_spatial_f64", randn(1, 2, 3, dtype=f64))
bn("eval_batch1_f32", randn(1, 3), running=True, training=False)
bn("eval_batch1_4d_f64", randn(1, 2, 2, 3, dtype=f64), running=True, training=False, eps=1e-3)
bn("eval_no_affine_f32", randn(2, 3, 4), running=True, affine=False, training=False)
bn("running_update_2d_momentum_f32", randn(5, 4), running=True, momentum=0.3, op="batch_norm_running")
bn("train_large_offset_f64", 1e4 + randn(6, 2, dtype=f64), running=True, atol=1e-8, rtol=1e-7)

# ---- GroupNorm ----


def gn(name, x, groups, affine=True, eps=1e-5, **kw):
    C = x.shape[1]
    w, b = (randn(C, dtype=x.dtype), randn(C, dtype=x.dtype)) if affine else (None, None)
    attrs = {"num_groups": groups, "eps": eps, "weight": affine, "bias": affine}
    ins = [x] + ([w, b] if affine else [])

    def fn(x, *p):
        return F.group_norm(x, groups, *(p if affine else (None, None)), eps=eps)
    cases.append(case(name, "group_norm", fn, ins, attrs, **kw))


for dt, tag in ((f32, "f32"), (f64, "f64")):
    gn(f"groups2_3d_{tag}", randn(2, 4, 3, dtype=dt), 2)
    gn(f"groups3_4d_{tag}", randn(2, 6, 2, 2, dtype=dt), 3)
gn("groups1_f64", randn(2, 3, 4, dtype=f64), 1)
gn("groups_eq_channels_f32", randn(2, 4, 3), 4)
gn("no_affine_2d_f64", randn(3, 4, dtype=f64), 2, affine=False)
gn("noncontig_f32", randn(2, 4, 5), 2, noncontig=[0])

# ---- RMSNorm (torch 2.4 definition: x * rsqrt(mean(x^2) + eps) * weight) ----


def rms(name, x, ns, weighted=True, eps=1e-6, **kw):
    w = randn(*ns, dtype=x.dtype) if weighted else None
    attrs = {"normalized_shape": list(ns), "eps": eps, "weight": weighted}
    dims = tuple(range(-len(ns), 0))

    def fn(x, *p):
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * p[0] if weighted else y
    cases.append(case(name, "rms_norm", fn, [x] + ([w] if weighted else []), attrs, **kw))


for dt, tag in ((f32, "f32"), (f64, "f64")):
    rms(f"weighted_{tag}", randn(2, 3, 4, dtype=dt), [4])
    rms(f"two_dims_{tag}", randn(2, 3, 4, dtype=dt), [3, 4])
rms("plain_f64", randn(3, 5, dtype=f64), [5], weighted=False)
rms("noncontig_f32", randn(3, 4, 4), [4], noncontig=[0])
rms("finfo_eps_f32", randn(2, 6), [6], eps=torch.finfo(f32).eps)

# ---- Scaled dot-product attention ----


def sdpa(name, q, k, v, mask=None, causal=False, **kw):
    attrs = {"causal": causal, "mask": mask is not None}
    ins = [q, k, v] + ([mask] if mask is not None else [])

    def fn(q, k, v, *m):
        return F._scaled_dot_product_attention(q, k, v, m[0] if m else None, 0.0, False, causal)[0]
    cases.append(case(name, "sdpa", fn, ins, attrs, **kw))


for dt, tag in ((f32, "f32"), (f64, "f64")):
    sdpa(f"basic_3d_{tag}", randn(2, 3, 4, dtype=dt), randn(2, 5, 4, dtype=dt), randn(2, 5, 3, dtype=dt))
    sdpa(f"heads_4d_{tag}", randn(2, 2, 3, 2, dtype=dt), randn(2, 2, 3, 2, dtype=dt), randn(2, 2, 3, 2, dtype=dt))
    sdpa(f"causal_L_lt_S_{tag}", randn(1, 3, 4, dtype=dt), randn(1, 5, 4, dtype=dt), randn(1, 5, 2, dtype=dt), causal=True)
    sdpa(f"causal_L_gt_S_{tag}", randn(2, 5, 3, dtype=dt), randn(2, 3, 3, dtype=dt), randn(2, 3, 3, dtype=dt), causal=True)
bmask = torch.rand(3, 5) > 0.4
bmask[:, 0] = True
sdpa("bool_mask_f32", randn(2, 3, 4), randn(2, 5, 4), randn(2, 5, 3), bmask)
sdpa("bool_mask_bcast_f64", randn(2, 2, 3, 4, dtype=f64), randn(2, 2, 4, 4, dtype=f64), randn(2, 2, 4, 2, dtype=f64),
     torch.rand(2, 1, 3, 4) > 0.3)
fmask = randn(3, 5, dtype=f64)
fmask[1, 2] = float("-inf")
sdpa("float_mask_f64", randn(2, 3, 4, dtype=f64), randn(2, 5, 4, dtype=f64), randn(2, 5, 3, dtype=f64), fmask)
sdpa("float_mask_f32", randn(3, 4), randn(5, 4), randn(5, 3), randn(3, 5))
full = torch.ones(3, 4, dtype=torch.bool)
full[1] = False
sdpa("fully_masked_row_nan_f64", randn(1, 3, 2, dtype=f64), randn(1, 4, 2, dtype=f64), randn(1, 4, 3, dtype=f64), full)
sdpa("noncontig_q_f32", randn(2, 4, 4), randn(2, 3, 4), randn(2, 3, 2), noncontig=[0, 1])
sdpa("large_scores_f32", 30 * randn(2, 3, 4), 30 * randn(2, 3, 4), randn(2, 3, 2), atol=1e-4, rtol=1e-3)



def compact(cases):
    """Print float32 values with their shortest float32 decimal (0.1 rather than
    0.10000000149011612): they parse back to the same float32, and the file is a third smaller."""
    def fix(t):
        if t and t["dtype"] == "float32":
            t["data"] = [float(repr(np.float32(v))) if isinstance(v, float) else v for v in t["data"]]
    for c in cases:
        for t in c["inputs"] + [c["output"], c.get("grad_output")] + c.get("grads", []):
            fix(t)
    return cases


write("nnops", compact(cases))
