"""PyTorch reference fixtures for convolution and pooling (ops_conv.go, ops_pool.go).

Run: /usr/bin/python3 testdata/gen/conv.py
"""
import torch
import torch.nn.functional as F

from common import case, write

torch.manual_seed(0)
D = torch.float64


def r(*shape, dtype=D):
    """Normal values rounded to 3 decimals, so that the JSON stays small."""
    return (torch.randn(*shape, dtype=dtype) * 1000).round() / 1000


def shorten(c):
    """Round the encoded floats to 12 significant digits for float64 (9 for float32): far
    below the tolerances, and the file gets much smaller."""
    def enc(t):
        if t is None or t["dtype"] not in ("float32", "float64"):
            return
        fmt = "%.12g" if t["dtype"] == "float64" else "%.9g"
        t["data"] = [float(fmt % v) if isinstance(v, float) else v for v in t["data"]]
    for t in c["inputs"] + [c["output"], c.get("grad_output")] + c.get("grads", []):
        enc(t)
    return c


def nograd(c, i):
    """Mark input i as not requiring grad (it only supplies a shape or indices)."""
    c["inputs"][i]["requires_grad"] = False
    c["grads"][i] = None
    return c


cases = []

# ---- Conv2d ------------------------------------------------------------------------------
def conv(name, x, w, b=None, noncontig=None, dtype=D, **kw):
    ins = [x.to(dtype), w.to(dtype)] + ([b.to(dtype)] if b is not None else [])
    attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    attrs["bias"] = b is not None
    tol = {} if dtype == D else {"atol": 1e-4, "rtol": 1e-4}
    cases.append(case(name, "conv2d", lambda *t: F.conv2d(*t, **kw), ins, attrs, noncontig=noncontig, **tol))


conv("basic", r(2, 3, 5, 5), r(4, 3, 3, 3), r(4))
conv("nobias", r(1, 3, 5, 5), r(4, 3, 3, 3))
conv("stride2_pad1_nonsquare", r(1, 3, 7, 6), r(4, 3, 3, 2), r(4), stride=2, padding=1)
conv("dilation2_pad21", r(1, 2, 7, 7), r(3, 2, 3, 3), r(3), dilation=2, padding=(2, 1))
conv("stride21_pad02", r(2, 2, 5, 6), r(3, 2, 2, 3), r(3), stride=(2, 1), padding=(0, 2))
conv("groups2", r(1, 4, 5, 5), r(6, 2, 3, 3), groups=2)
conv("depthwise", r(1, 3, 6, 6), r(3, 1, 3, 3), r(3), groups=3, stride=2, padding=1)
conv("depthwise_mult2", r(1, 2, 5, 5), r(4, 1, 3, 3), r(4), groups=2, padding=1)
conv("pointwise", r(2, 4, 3, 3), r(5, 4, 1, 1), r(5))
conv("pointwise_groups", r(2, 4, 3, 4), r(6, 2, 1, 1), groups=2)
conv("pointwise_stride2", r(1, 3, 5, 5), r(2, 3, 1, 1), stride=2)
conv("pad_gt_kernel", r(1, 2, 3, 3), r(2, 2, 2, 2), r(2), padding=3)
conv("stride_gt_kernel", r(1, 2, 8, 7), r(2, 2, 2, 2), stride=3)
conv("dilated_strided_groups", r(1, 4, 9, 8), r(4, 2, 2, 3), r(4), stride=(2, 3), padding=(1, 2), dilation=(3, 2), groups=2)
conv("noncontig", r(1, 3, 5, 6), r(2, 3, 3, 3), r(2), noncontig=[0, 1], padding=1)
conv("unbatched", r(3, 5, 5), r(4, 3, 3, 3), r(4), padding=1)
conv("float32", r(1, 3, 6, 6), r(4, 3, 3, 3), r(4), dtype=torch.float32, stride=2, padding=1)
conv("kernel_equals_input", r(2, 3, 3, 3), r(4, 3, 3, 3), r(4))

# ---- ConvTranspose2d ---------------------------------------------------------------------
def convt(name, x, w, b=None, noncontig=None, dtype=D, **kw):
    ins = [x.to(dtype), w.to(dtype)] + ([b.to(dtype)] if b is not None else [])
    attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    attrs["bias"] = b is not None
    tol = {} if dtype == D else {"atol": 1e-4, "rtol": 1e-4}
    cases.append(case(name, "conv_transpose2d", lambda *t: F.conv_transpose2d(*t, **kw), ins, attrs, noncontig=noncontig, **tol))


convt("t_basic", r(2, 4, 3, 3), r(4, 3, 3, 3), r(3))
convt("t_stride2_pad1_outpad1", r(1, 4, 3, 4), r(4, 3, 3, 3), r(3), stride=2, padding=1, output_padding=1)
convt("t_groups2_dilation", r(1, 4, 3, 4), r(4, 2, 2, 3), groups=2, dilation=(2, 1))
convt("t_outpad_lt_dilation", r(1, 2, 4, 4), r(2, 2, 3, 3), r(2), dilation=2, output_padding=1)
convt("t_nonsquare", r(1, 2, 3, 5), r(2, 3, 2, 3), r(3), stride=(2, 3), padding=(1, 0), output_padding=(1, 2))
convt("t_noncontig", r(2, 3, 4, 3), r(3, 2, 3, 3), r(2), noncontig=[0], stride=2)
convt("t_unbatched", r(3, 4, 4), r(3, 2, 3, 3), r(2), stride=2, padding=1)
convt("t_float32", r(1, 3, 4, 4), r(3, 2, 3, 3), r(2), dtype=torch.float32, stride=2)

# ---- Conv1d / ConvTranspose1d ------------------------------------------------------------
for name, x, w, b, kw in [
    ("c1_basic", r(2, 3, 9), r(4, 3, 3), r(4), {}),
    ("c1_stride_pad_dil", r(2, 3, 11), r(4, 3, 3), r(4), {"stride": 2, "padding": 1, "dilation": 2}),
    ("c1_groups", r(1, 4, 8), r(6, 2, 2), None, {"groups": 2, "padding": 1}),
    ("c1_unbatched", r(3, 7), r(2, 3, 3), r(2), {"padding": 1}),
]:
    attrs = dict(kw, bias=b is not None)
    ins = [x, w] + ([b] if b is not None else [])
    cases.append(case(name, "conv1d", lambda *t, kw=kw: F.conv1d(*t, **kw), ins, attrs))
for name, x, w, b, kw in [
    ("ct1_stride_outpad", r(2, 4, 5), r(4, 2, 3), r(2), {"stride": 2, "output_padding": 1}),
    ("ct1_groups", r(1, 4, 5), r(4, 1, 2), None, {"groups": 2, "padding": 1}),
]:
    attrs = dict(kw, bias=b is not None)
    ins = [x, w] + ([b] if b is not None else [])
    cases.append(case(name, "conv_transpose1d", lambda *t, kw=kw: F.conv_transpose1d(*t, **kw), ins, attrs))

# ---- Conv2dBackwardWeight (torch.nn.grad.conv2d_weight), and double backward -------------
for name, x, wshape, g, kw in [
    ("bw_basic", r(2, 3, 5, 5), [4, 3, 3, 3], r(2, 4, 3, 3), {}),
    ("bw_strided_groups", r(1, 4, 7, 6), [6, 2, 3, 2], r(1, 6, 4, 4), {"stride": 2, "padding": 1, "groups": 2}),
    ("bw_dilated", r(1, 2, 7, 7), [2, 2, 2, 3], r(1, 2, 6, 3), {"dilation": (1, 2), "stride": (1, 2), "padding": (0, 1)}),
]:
    attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    attrs["weight_size"] = wshape
    cases.append(case(name, "conv2d_backward_weight",
                      lambda x, g, wshape=wshape, kw=kw: torch.nn.grad.conv2d_weight(x, wshape, g, **kw), [x, g], attrs))


def conv_gradx(x, w, b):
    """Gradient of sum(conv(x, w, b)^2) with respect to x, kept differentiable."""
    y = F.conv2d(x, w, b, stride=2, padding=1)
    (gx,) = torch.autograd.grad((y * y).sum(), x, create_graph=True)
    return gx


cases.append(case("double_backward_gradx", "conv2d_gradx", conv_gradx, [r(2, 2, 5, 5), r(3, 2, 3, 3), r(3)],
                  {"stride": 2, "padding": 1}))

# ---- MaxPool2d -----------------------------------------------------------------------------
def maxpool(name, x, noncontig=None, dtype=D, **kw):
    attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    tol = {} if dtype == D else {"atol": 1e-5, "rtol": 1e-5}
    cases.append(case(name, "max_pool2d", lambda t: F.max_pool2d(t, **kw), [x.to(dtype)], attrs, noncontig=noncontig, **tol))
    cases.append(case(name + "_indices", "max_pool2d_indices", lambda t: F.max_pool2d(t, return_indices=True, **kw)[1],
                      [x.to(dtype)], attrs, grad=False, noncontig=noncontig))


maxpool("mp_k2", r(2, 3, 6, 6), kernel_size=2)
maxpool("mp_k3_s2_p1", r(1, 2, 7, 8), kernel_size=3, stride=2, padding=1)
maxpool("mp_dilation", r(1, 2, 7, 8), kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=2)
maxpool("mp_ceil", r(1, 2, 7, 7), kernel_size=3, stride=2, ceil_mode=True)
maxpool("mp_ceil_pad", r(1, 1, 6, 6), kernel_size=3, stride=2, padding=1, ceil_mode=True)
maxpool("mp_ceil_nonsquare", r(2, 1, 5, 8), kernel_size=(2, 3), stride=(2, 3), ceil_mode=True)
maxpool("mp_ties", torch.randint(0, 3, (2, 2, 6, 6)).to(D), kernel_size=3, stride=1)
maxpool("mp_overlap", r(1, 2, 5, 5), kernel_size=3, stride=1, padding=1)
maxpool("mp_noncontig", r(2, 2, 6, 5), noncontig=[0], kernel_size=2, stride=(2, 1))
maxpool("mp_unbatched", r(3, 6, 6), kernel_size=2)
maxpool("mp_float32", r(2, 3, 6, 6), dtype=torch.float32, kernel_size=3, stride=2, padding=1)
maxpool("mp_neg_inf", torch.full((1, 1, 4, 4), float("-inf"), dtype=D), kernel_size=2)

for name, x, kw in [
    ("mp1_basic", r(2, 3, 10), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("mp1_ceil_dil", r(1, 2, 9), {"kernel_size": 2, "dilation": 2, "ceil_mode": True}),
    ("mp1_unbatched", r(2, 7), {"kernel_size": 2}),
]:
    cases.append(case(name, "max_pool1d", lambda t, kw=kw: F.max_pool1d(t, **kw), [x], kw))
    cases.append(case(name + "_indices", "max_pool1d_indices", lambda t, kw=kw: F.max_pool1d(t, return_indices=True, **kw)[1],
                      [x], kw, grad=False))

# MaxPool2dBackward (scatter to the argmax) and MaxPool2dGather (its adjoint).
for name, x, kw in [
    ("mpb_k2", r(2, 2, 4, 4), {"kernel_size": 2}),
    ("mpb_overlap", r(1, 2, 5, 6), {"kernel_size": 3, "stride": 1, "padding": 1}),
]:
    out, idx = F.max_pool2d(x, return_indices=True, **kw)
    g = r(*out.shape)
    c = case(name, "max_pool2d_backward",
             lambda x, g, kw=kw: torch.autograd.grad(F.max_pool2d(x, **kw), x, g, create_graph=True)[0], [x, g], kw)
    cases.append(nograd(c, 0))
    src = r(*x.shape)
    cases.append(case(name.replace("mpb", "mpg"), "max_pool2d_gather",
                      lambda s, i: s.flatten(2).gather(2, i.flatten(2)).view(i.shape), [src, idx]))

# ---- AvgPool2d -----------------------------------------------------------------------------
def avgpool(name, x, noncontig=None, dtype=D, **kw):
    attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}
    tol = {} if dtype == D else {"atol": 1e-5, "rtol": 1e-5}
    cases.append(case(name, "avg_pool2d", lambda t: F.avg_pool2d(t, **kw), [x.to(dtype)], attrs, noncontig=noncontig, **tol))


avgpool("ap_k2", r(1, 3, 6, 6), kernel_size=2)
avgpool("ap_k3_s2_p1", r(1, 2, 7, 8), kernel_size=3, stride=2, padding=1)
avgpool("ap_exclude_pad", r(1, 2, 7, 8), kernel_size=3, stride=2, padding=1, count_include_pad=False)
avgpool("ap_ceil", r(1, 2, 7, 7), kernel_size=3, stride=2, ceil_mode=True)
avgpool("ap_ceil_pad", r(1, 2, 6, 6), kernel_size=3, stride=2, padding=1, ceil_mode=True)
avgpool("ap_ceil_pad_exclude", r(1, 2, 6, 6), kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
avgpool("ap_divisor", r(1, 2, 5, 5), kernel_size=2, stride=1, padding=1, divisor_override=3)
avgpool("ap_nonsquare", r(2, 1, 5, 8), kernel_size=(2, 3), stride=(1, 2), padding=(1, 0))
avgpool("ap_noncontig", r(2, 2, 6, 5), noncontig=[0], kernel_size=2, stride=(2, 1))
avgpool("ap_unbatched", r(3, 6, 6), kernel_size=3, stride=3)
avgpool("ap_float32", r(1, 3, 6, 6), dtype=torch.float32, kernel_size=3, stride=2, padding=1)

for name, x, kw in [
    ("ap1_basic", r(2, 3, 10), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("ap1_ceil_exclude", r(1, 2, 9), {"kernel_size": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    ("ap1_unbatched", r(2, 7), {"kernel_size": 2}),
]:
    cases.append(case(name, "avg_pool1d", lambda t, kw=kw: F.avg_pool1d(t, **kw), [x], kw))

for name, shape, kw in [
    ("apb_basic", [2, 2, 5, 6], {"kernel_size": 3, "stride": 2, "padding": 1}),
    ("apb_exclude_ceil", [1, 2, 6, 6], {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
]:
    out = F.avg_pool2d(torch.zeros(shape, dtype=D), **kw)
    attrs = dict(kw, input_size=shape)
    full = dict(dict(stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None), **kw)
    cases.append(case(name, "avg_pool2d_backward",
                      lambda g, shape=shape, full=full: torch.ops.aten.avg_pool2d_backward(
                          g, torch.zeros(shape, dtype=D), full["kernel_size"], full["stride"] or full["kernel_size"],
                          full["padding"], full["ceil_mode"], full["count_include_pad"], full["divisor_override"]),
                      [r(*out.shape)], attrs))

# ---- AdaptiveAvgPool2d ---------------------------------------------------------------------
for name, x, size in [
    ("aap_basic", r(1, 2, 7, 9), [3, 4]),
    ("aap_global", r(2, 3, 5, 6), [1, 1]),
    ("aap_upsample", r(1, 2, 5, 3), [7, 4]),
    ("aap_unbatched", r(3, 6, 6), [4, 4]),
    ("aap_float32", r(1, 2, 7, 9).float(), [3, 4]),
]:
    cases.append(case(name, "adaptive_avg_pool2d", lambda t, size=size: F.adaptive_avg_pool2d(t, size), [x], {"output_size": size}))
cases.append(case("aap1_basic", "adaptive_avg_pool1d", lambda t: F.adaptive_avg_pool1d(t, 4), [r(2, 3, 10)], {"output_size": 4}))
for name, shape, size in [("aapb_basic", [1, 2, 7, 9], [3, 4]), ("aapb_upsample", [1, 2, 3, 5], [4, 7])]:
    cases.append(case(name, "adaptive_avg_pool2d_backward",
                      lambda g, shape=shape: torch.ops.aten._adaptive_avg_pool2d_backward(g, torch.zeros(shape, dtype=D)),
                      [r(shape[0], shape[1], *size)], {"input_size": shape}))

write("conv", [shorten(c) for c in cases])
