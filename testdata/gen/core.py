"""PyTorch reference fixtures for eager's core ops: elementwise (binary, comparison, unary),
reductions, movement, matmul, softmax and conversions.

Run with Debian's torch: /usr/bin/python3 testdata/gen/core.py  (writes ../torch/core.json).
The Go side maps each case's "op" to a call in core_ref_test.go.
"""
import math

import numpy
import torch

from common import case, write

torch.manual_seed(0)
F32, F64, I64 = torch.float32, torch.float64, torch.int64
INF = float("inf")
cases = []


def add(*a, **k):
    cases.append(case(*a, **k))


def rn(*shape, dtype=F32):
    return torch.randn(shape, dtype=dtype)


def pos(*shape, dtype=F32):
    return torch.rand(shape, dtype=dtype) * 1.5 + 0.5


def ints(*shape, lo=-5, hi=6):
    return torch.randint(lo, hi, shape, dtype=I64)


def t(vals, dtype=F32):
    return torch.tensor(vals, dtype=dtype)


def sname(shape):
    return "x".join(str(s) for s in shape) if len(shape) else "0d"


# ---------------------------------------------------------------------------------------
# Binary arithmetic with broadcasting.
PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (3,)),
         ((2, 1, 3), (4, 1)), ((1,), (2, 3)), ((), ()), ((3, 4), ()), ((0, 3), (1, 3))]
BINARY = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "maximum": torch.maximum, "minimum": torch.minimum,
}
for op, fn in BINARY.items():
    for sa, sb in PAIRS:
        a, b = rn(*sa), rn(*sb)
        if op == "div":
            b = b.sign() * (b.abs() + 0.5)  # keep away from 0
        add(f"{op}/{sname(sa)}_{sname(sb)}", op, fn, [a, b])
    # non-contiguous operands
    a, b = rn(3, 4), rn(4, 3).t().contiguous()
    if op == "div":
        b = b.abs() + 0.5
    add(f"{op}/noncontig", op, fn, [a, b], noncontig=[0, 1])
    add(f"{op}/noncontig_bcast", op, fn, [rn(2, 3, 4), rn(3, 4) + 3], noncontig=[0, 1])
    add(f"{op}/noncontig_1d", op, fn, [rn(5), rn(2, 5) + 3], noncontig=[0])
    # dtype promotion: int64 with float32, float32 with float64 (dimensioned and 0-d)
    add(f"{op}/int64_f32", op, fn, [ints(3, lo=1), rn(2, 3)])
    add(f"{op}/f32_f64", op, fn, [rn(2, 3), rn(3, dtype=F64) + 3])
    add(f"{op}/f32_f64_0d", op, fn, [rn(2, 3), torch.tensor(1.75, dtype=F64)])
    add(f"{op}/f64_0d_int64", op, fn, [torch.tensor(2.5, dtype=F64), ints(2, 3, lo=1)])
    add(f"{op}/int64_int64", op, fn, [ints(2, 3), ints(3, lo=1)])
    add(f"{op}/f64", op, fn, [rn(2, 3, dtype=F64), rn(2, 3, dtype=F64) + 4])

# ties for the even gradient split of maximum/minimum
add("maximum/ties", "maximum", torch.maximum, [t([1., 2., 3., 4.]), t([1., 5., 3., 0.])])
add("minimum/ties", "minimum", torch.minimum, [t([1., 2., 3., 4.]), t([1., 5., 3., 0.])])
add("maximum/nan", "maximum", torch.maximum, [t([1., float("nan"), 3.]), t([2., 1., float("nan")])], grad=False)
add("div/by_zero", "div", torch.div, [t([1., -1., 0.]), t([0., 0., 0.])], grad=False)

# pow: positive bases for tensor exponents; integer exponents for any base
for sa, sb in [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1), (1, 3)), ((), (3,)), ((3,), ())]:
    add(f"pow/{sname(sa)}_{sname(sb)}", "pow", torch.pow, [pos(*sa), rn(*sb)])
add("pow/noncontig", "pow", torch.pow, [pos(3, 4), rn(3, 4)], noncontig=[0, 1])
add("pow/int_exponent_neg_base", "pow", torch.pow, [rn(3, 4), t([0., 1., 2., 3.])])
add("pow/zero_base", "pow", torch.pow, [t([0., 0., 0., 2.]), t([0., 2., 0.5, 0.])])
add("pow/zero_pow_neg", "pow", torch.pow, [t([0., 0.]), t([-1., -2.])], grad=False)
# PyTorch computes the exponent's gradient with log() of the float32 base in float32
add("pow/f32_f64", "pow", torch.pow, [pos(2, 3), rn(3, dtype=F64)], atol=1e-6)
add("pow/int64_int64", "pow", torch.pow, [t([2, 3, -2, 0, 5], I64), t([3, 2, 3, 0, 1], I64)])
add("pow/int64_f32", "pow", torch.pow, [t([2, 3, 4], I64), t([0.5, 2., -1.])])

# scalar variants (Python numbers: do not change a float tensor's dtype)
SCALAR = {
    "add_scalar": lambda x, s: x + s, "sub_scalar": lambda x, s: x - s,
    "rsub_scalar": lambda x, s: s - x, "mul_scalar": lambda x, s: x * s,
    "div_scalar": lambda x, s: x / s, "pow_scalar": lambda x, s: x ** s,
    "maximum_scalar": lambda x, s: torch.clamp(x, min=s), "minimum_scalar": lambda x, s: torch.clamp(x, max=s),
}
for op, fn in SCALAR.items():
    for s in [2.5, -3]:
        base = pos(3, 4) if op == "pow_scalar" else rn(3, 4)
        add(f"{op}/f32_{s}", op, lambda x, s=s, fn=fn: fn(x, s), [base], attrs={"s": s})
    add(f"{op}/f64_0d", op, lambda x, fn=fn: fn(x, 1.5), [pos(dtype=F64)], attrs={"s": 1.5})
    add(f"{op}/noncontig", op, lambda x, fn=fn: fn(x, 0.5), [pos(3, 4)], attrs={"s": 0.5}, noncontig=[0])
    if op not in ("maximum_scalar", "minimum_scalar"):
        add(f"{op}/int64_int", op, lambda x, fn=fn: fn(x, 2), [ints(5, lo=1)], attrs={"s": 2})
        add(f"{op}/int64_float", op, lambda x, fn=fn: fn(x, 2.5), [ints(5, lo=1)], attrs={"s": 2.5})
add("square/basic", "square", torch.square, [rn(3, 4)])

# ---------------------------------------------------------------------------------------
# Comparisons and logical ops (bool outputs, no gradients).
CMP = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge}
for op, fn in CMP.items():
    a = t([[1., 2., 3.], [4., float("nan"), 6.]])
    b = t([[1., 3., 2.], [4., 5., 7.]])
    add(f"{op}/same_shape", op, fn, [a, b], grad=False)
    add(f"{op}/bcast", op, fn, [t([[1.], [2.], [3.]]), t([1., 2., 3., 4.])], grad=False)
    add(f"{op}/int64_f32", op, fn, [t([1, 2, 3], I64), t([1.5, 2., 2.5])], grad=False)
    add(f"{op}/f32_f64_0d", op, fn, [t([0.1, 0.2, 0.3]), torch.tensor(0.2, dtype=F64)], grad=False)
    add(f"{op}/noncontig", op, fn, [rn(3, 4).round(), rn(3, 4).round()], grad=False, noncontig=[0])
    add(f"{op}_scalar/f32", op + "_scalar", lambda x, fn=fn: fn(x, 2.0), [t([1., 2., 3., 2.])], attrs={"s": 2.0}, grad=False)
    add(f"{op}_scalar/int64", op + "_scalar", lambda x, fn=fn: fn(x, 2), [t([1, 2, 3], I64)], attrs={"s": 2}, grad=False)
boolA = t([[True, False, True], [False, False, True]], torch.bool)
boolB = t([True, True, False], torch.bool)
add("logical_and/bool", "logical_and", torch.logical_and, [boolA, boolB], grad=False)
add("logical_or/bool", "logical_or", torch.logical_or, [boolA, boolB], grad=False)
add("logical_and/float_int", "logical_and", torch.logical_and, [t([0., 1.5, -2., 0.]), t([1, 1, 0, 0], I64)], grad=False)
add("logical_or/float_int", "logical_or", torch.logical_or, [t([0., 1.5, -2., 0.]), t([1, 0, 0, 0], I64)], grad=False)
add("logical_not/bool", "logical_not", torch.logical_not, [boolA], grad=False)
add("logical_not/float", "logical_not", torch.logical_not, [t([0., 1., float("nan"), -0.0])], grad=False)
add("logical_not/noncontig", "logical_not", torch.logical_not, [rn(3, 4).round()], grad=False, noncontig=[0])

# where
add("where/same_shape", "where", torch.where, [rn(3, 4) > 0, rn(3, 4), rn(3, 4)])
add("where/bcast", "where", torch.where, [rn(3, 1) > 0, rn(1, 4), rn(3, 4)])
add("where/bcast_cond", "where", torch.where, [rn(4) > 0, rn(2, 3, 1), rn(3, 4)])
add("where/0d_y", "where", torch.where, [rn(2, 3) > 0, rn(2, 3), torch.tensor(-1.0)])
add("where/f32_f64_0d", "where", torch.where, [rn(2, 3) > 0, rn(2, 3), torch.tensor(2.0, dtype=F64)])
add("where/f64", "where", torch.where, [rn(2, 3) > 0, rn(2, 3, dtype=F64), rn(3, dtype=F64)])
add("where/noncontig", "where", torch.where, [rn(3, 4) > 0, rn(3, 4), rn(3, 4)], noncontig=[0, 1, 2])
add("where/int64", "where", torch.where, [rn(2, 3) > 0, ints(2, 3), ints(3)], grad=False)

# ---------------------------------------------------------------------------------------
# Unary ops.
def softplus(beta, th):
    return lambda x: torch.nn.functional.softplus(x, beta=beta, threshold=th)


UNARY = {
    "neg": (torch.neg, rn), "exp": (torch.exp, rn), "log": (torch.log, pos), "log1p": (torch.log1p, pos),
    "sqrt": (torch.sqrt, pos), "rsqrt": (torch.rsqrt, pos), "abs": (torch.abs, rn), "sign": (torch.sign, rn),
    "sin": (torch.sin, rn), "cos": (torch.cos, rn), "tanh": (torch.tanh, rn), "sigmoid": (torch.sigmoid, rn),
    "relu": (torch.relu, rn), "erf": (torch.erf, rn),
    "gelu": (torch.nn.functional.gelu, rn),
    "gelu_tanh": (lambda x: torch.nn.functional.gelu(x, approximate="tanh"), rn),
    "silu": (torch.nn.functional.silu, rn),
}
HARD = {
    "exp": [-100., -20., 0., 20., 80., 88., 100.],
    "log": [1e-30, 1e-10, 1e-3, 1., 1e10, 3e38, 0.],
    "log1p": [1e-10, -0.5, 1e-5, 1e10, 0., -1.],
    "sqrt": [1e-30, 1e-4, 4., 1e30],
    "rsqrt": [1e-30, 1e-4, 4., 1e30],
    "sigmoid": [-100., -20., -1., 0., 1., 20., 100.],
    "tanh": [-100., -20., -1e-4, 0., 1e-4, 20., 100.],
    "abs": [-2., -0.0, 0., 3.],
    "relu": [-2., -0.0, 0., 3.],
    "sign": [-2., -0.0, 0., 3., float("nan")],
    "erf": [-6., -1e-8, 0., 0.5, 6.],
    "gelu": [-50., -10., -1., 0., 1., 10., 50.],
    "gelu_tanh": [-50., -10., -1., 0., 1., 10., 50.],
    "silu": [-100., -10., -1., 0., 1., 10., 100.],
    "sin": [-1e6, -3.14159, 0., 1e-7, 100.],
    "cos": [-1e6, -3.14159, 0., 1e-7, 100.],
    "neg": [-0.0, 1e30, -3.],
}
for op, (fn, gen) in UNARY.items():
    add(f"{op}/f32", op, fn, [gen(3, 4)])
    add(f"{op}/f64", op, fn, [gen(2, 3, dtype=F64)])
    add(f"{op}/0d", op, fn, [gen(dtype=F64)])
    add(f"{op}/noncontig", op, fn, [gen(3, 4)], noncontig=[0])
    if op in HARD:
        add(f"{op}/hard_f32", op, fn, [t(HARD[op])])
        add(f"{op}/hard_f64", op, fn, [t(HARD[op], F64)])
add("log/negative", "log", torch.log, [t([-1., -0.0, 0.])], grad=False)
add("sqrt/negative", "sqrt", torch.sqrt, [t([-1., 0.])], grad=False)
add("exp/f64_large", "exp", torch.exp, [t([700., 710., -745., -750.], F64)])
for op in ["neg", "abs", "sign"]:
    add(f"{op}/int64", op, UNARY[op][0], [ints(5)], grad=False)
for op in ["exp", "sqrt", "sigmoid", "relu"]:
    add(f"{op}/int64_to_float", op, UNARY[op][0], [ints(5, lo=0)], grad=False)

for slope in [0.01, 0.2]:
    add(f"leaky_relu/{slope}", "leaky_relu", lambda x, s=slope: torch.nn.functional.leaky_relu(x, s), [rn(3, 4)], attrs={"slope": slope})
add("leaky_relu/noncontig", "leaky_relu", lambda x: torch.nn.functional.leaky_relu(x, 0.1), [rn(3, 4)], attrs={"slope": 0.1}, noncontig=[0])
add("leaky_relu/f64_zero", "leaky_relu", lambda x: torch.nn.functional.leaky_relu(x, 0.1), [t([-1., 0., 2.], F64)], attrs={"slope": 0.1})
for beta, th in [(1, 20), (2, 5), (0.5, 20)]:
    add(f"softplus/b{beta}_t{th}", "softplus", softplus(beta, th), [rn(3, 4) * 4], attrs={"beta": beta, "threshold": th})
add("softplus/hard", "softplus", softplus(1, 20), [t([-100., -30., 0., 19.9, 20., 20.1, 100.])], attrs={"beta": 1, "threshold": 20})
add("softplus/hard_f64", "softplus", softplus(1, 20), [t([-800., -30., 0., 19.9, 20.1, 800.], F64)], attrs={"beta": 1, "threshold": 20})
add("softplus/noncontig", "softplus", softplus(1, 20), [rn(3, 4)], attrs={"beta": 1, "threshold": 20}, noncontig=[0])
for lo, hi in [(-0.5, 0.5), (-INF, 0.), (0., INF), (-1, 1)]:
    add(f"clamp/{lo}_{hi}", "clamp", lambda x, lo=lo, hi=hi: torch.clamp(x, lo if lo != -INF else None, hi if hi != INF else None),
        [rn(3, 4)], attrs={"lo": str(lo) if math.isinf(lo) else lo, "hi": str(hi) if math.isinf(hi) else hi})
add("clamp/boundary", "clamp", lambda x: torch.clamp(x, -1, 1), [t([-2., -1., 0., 1., 2., float("nan")])], attrs={"lo": -1, "hi": 1})
add("clamp/noncontig", "clamp", lambda x: torch.clamp(x, -0.3, 0.3), [rn(3, 4)], attrs={"lo": -0.3, "hi": 0.3}, noncontig=[0])
add("clamp/int64", "clamp", lambda x: torch.clamp(x, -2, 3), [ints(6)], attrs={"lo": -2, "hi": 3}, grad=False)
add("clamp/int64_float_bound", "clamp", lambda x: torch.clamp(x, 0, 2.5), [ints(6)], attrs={"lo": 0, "hi": 2.5}, grad=False)

# ---------------------------------------------------------------------------------------
# Reductions.
DIMS = [None, [1], [-1], [0, 2], [-1, -3], [0]]


def red_attrs(dims, keep):
    a = {"keepdim": keep}
    if dims is not None:
        a["dims"] = dims
    return a


def alldims(x, dims):
    return tuple(range(x.dim())) if dims is None else tuple(dims)


for dims in DIMS:
    for keep in [False, True]:
        nm = f"{'all' if dims is None else '_'.join(map(str, dims))}{'_keep' if keep else ''}"
        a = red_attrs(dims, keep)
        x = rn(2, 3, 4)
        add(f"sum/{nm}", "sum", lambda x, d=dims, k=keep: x.sum(dim=alldims(x, d), keepdim=k), [x], attrs=a)
        add(f"mean/{nm}", "mean", lambda x, d=dims, k=keep: x.mean(dim=alldims(x, d), keepdim=k), [x], attrs=a)
        for corr in [0, 1]:
            add(f"var/{nm}_c{corr}", "var", lambda x, d=dims, k=keep, c=corr: x.var(dim=alldims(x, d), unbiased=bool(c), keepdim=k),
                [x], attrs=dict(a, correction=corr))
            add(f"std/{nm}_c{corr}", "std", lambda x, d=dims, k=keep, c=corr: x.std(dim=alldims(x, d), unbiased=bool(c), keepdim=k),
                [x], attrs=dict(a, correction=corr))
        xt = rn(2, 3, 4).round()  # rounded: ties in max/min share the gradient
        add(f"amax/{nm}", "amax", lambda x, d=dims, k=keep: torch.amax(x, dim=alldims(x, d), keepdim=k), [xt], attrs=a)
        add(f"amin/{nm}", "amin", lambda x, d=dims, k=keep: torch.amin(x, dim=alldims(x, d), keepdim=k), [xt], attrs=a)
        add(f"logsumexp/{nm}", "logsumexp", lambda x, d=dims, k=keep: torch.logsumexp(x, dim=alldims(x, d), keepdim=k), [x], attrs=a)
    for p in [1, 2, 3, INF]:
        pa = {"p": "inf" if p == INF else p}
        if dims is not None:
            pa["dims"] = dims
        add(f"norm/p{p}_{'all' if dims is None else '_'.join(map(str, dims))}", "norm",
            lambda x, d=dims, p=p: torch.linalg.vector_norm(x, ord=p, dim=d), [rn(2, 3, 4)], attrs=pa)

add("sum/noncontig", "sum", lambda x: x.sum(dim=0), [rn(3, 4)], attrs={"dims": [0]}, noncontig=[0])
add("sum/0d", "sum", lambda x: x.sum(), [rn(dtype=F64)])
add("sum/f64", "sum", lambda x: x.sum(dim=1), [rn(3, 4, dtype=F64)], attrs={"dims": [1]})
add("sum/int64", "sum", lambda x: x.sum(dim=1), [ints(3, 4)], attrs={"dims": [1]})
add("sum/bool", "sum", lambda x: x.sum(), [rn(3, 4) > 0])
add("sum/empty_dim", "sum", lambda x: x.sum(dim=1), [rn(3, 0)], attrs={"dims": [1]})
add("mean/noncontig", "mean", lambda x: x.mean(dim=-1, keepdim=True), [rn(2, 3, 4)], attrs={"dims": [-1], "keepdim": True}, noncontig=[0])
add("var/noncontig", "var", lambda x: x.var(dim=1), [rn(3, 4)], attrs={"dims": [1], "correction": 1}, noncontig=[0])
add("std/f64", "std", lambda x: x.std(), [rn(3, 4, dtype=F64)], attrs={"correction": 1})
add("amax/noncontig", "amax", lambda x: torch.amax(x, dim=1), [rn(3, 4)], attrs={"dims": [1]}, noncontig=[0])
add("amax/int64", "amax", lambda x: torch.amax(x, dim=1), [ints(3, 4)], attrs={"dims": [1]})
add("amax/nan", "amax", lambda x: torch.amax(x, dim=1), [t([[1., float("nan"), 2.], [3., 4., 5.]])], attrs={"dims": [1]}, grad=False)
add("amin/0d", "amin", lambda x: torch.amin(x), [rn(dtype=F64)], attrs={})

for op, fn in [("max_dim", torch.max), ("min_dim", torch.min)]:
    for dim in [0, 1, -1]:
        for keep in [False, True]:
            x = rn(3, 4, 2)
            at = {"dim": dim, "keepdim": keep}
            add(f"{op}_values/{dim}{'_keep' if keep else ''}", op + "_values", lambda x, d=dim, k=keep, fn=fn: fn(x, d, k)[0], [x], attrs=at)
            add(f"{op}_indices/{dim}{'_keep' if keep else ''}", op + "_indices", lambda x, d=dim, k=keep, fn=fn: fn(x, d, k)[1], [x], attrs=at, grad=False)
    add(f"{op}_values/noncontig", op + "_values", lambda x, fn=fn: fn(x, 1)[0], [rn(3, 4)], attrs={"dim": 1}, noncontig=[0])
    add(f"{op}_indices/noncontig", op + "_indices", lambda x, fn=fn: fn(x, 0)[1], [rn(3, 4)], attrs={"dim": 0}, noncontig=[0], grad=False)
    add(f"{op}_values/f64_1d", op + "_values", lambda x, fn=fn: fn(x, 0)[0], [rn(5, dtype=F64)], attrs={"dim": 0})
    add(f"{op}_indices/int64", op + "_indices", lambda x, fn=fn: fn(x, 1)[1], [ints(3, 4)], attrs={"dim": 1}, grad=False)

xa = t([[1., 3., 3., 0.], [2., 2., 1., 2.], [float("nan"), 1., float("nan"), 5.]])
for op, fn in [("argmax", torch.argmax), ("argmin", torch.argmin)]:
    add(f"{op}/dim1_ties_nan", op, lambda x, fn=fn: fn(x, 1), [xa], attrs={"dim": 1}, grad=False)
    add(f"{op}/dim0", op, lambda x, fn=fn: fn(x, 0), [rn(3, 4)], attrs={"dim": 0}, grad=False)
    add(f"{op}/dim_neg_keep", op, lambda x, fn=fn: fn(x, -1), [rn(2, 3, 4)], attrs={"dim": -1}, grad=False)
    add(f"{op}/noncontig", op, lambda x, fn=fn: fn(x, 1), [rn(3, 4)], attrs={"dim": 1}, noncontig=[0], grad=False)
    add(f"{op}/all", op + "_all", lambda x, fn=fn: fn(x), [rn(3, 4)], grad=False)
    add(f"{op}/int64", op, lambda x, fn=fn: fn(x, 0), [ints(4, 3)], attrs={"dim": 0}, grad=False)

PROD_X = {
    "nozero": t([[1.5, -2., 0.5, 3.], [0.7, 1.1, -1.3, 2.]]),
    "one_zero": t([[1.5, 0., 0.5, 3.], [0.7, 1.1, -1.3, 2.]]),
    "two_zeros": t([[1.5, 0., 0., 3.], [0., 1.1, -1.3, 2.]]),
    "all_zero_row": t([[0., 0., 0., 0.], [0.7, 0., -1.3, 0.]]),
}
for nm, x in PROD_X.items():
    add(f"prod/{nm}_all", "prod", lambda x: x.prod(), [x])
    add(f"prod/{nm}_dim1", "prod", lambda x: x.prod(1), [x], attrs={"dims": [1]})
    add(f"prod/{nm}_dim0_keep", "prod", lambda x: x.prod(0, keepdim=True), [x], attrs={"dims": [0], "keepdim": True})
    add(f"prod/{nm}_f64", "prod", lambda x: x.prod(-1), [x.double()], attrs={"dims": [-1]})
add("prod/noncontig", "prod", lambda x: x.prod(0), [rn(3, 4)], attrs={"dims": [0]}, noncontig=[0])
add("prod/int64", "prod", lambda x: x.prod(1), [ints(2, 3)], attrs={"dims": [1]})
add("prod/0d", "prod", lambda x: x.prod(), [rn(dtype=F64)])

LSE_X = {
    "large": t([[1000., 1000., 999.], [-1000., -1001., -999.]]),
    "neg_inf": t([[-INF, 1., 2.], [-INF, -INF, 0.5]]),
    "all_neg_inf": t([[-INF, -INF, -INF], [1., 2., 3.]]),
    "pos_inf": t([[INF, 1., 2.], [0., 1., 2.]]),
}
for nm, x in LSE_X.items():
    add(f"logsumexp/{nm}", "logsumexp", lambda x: torch.logsumexp(x, dim=1), [x], attrs={"dims": [1]},
        grad=nm != "pos_inf")
add("logsumexp/noncontig", "logsumexp", lambda x: torch.logsumexp(x, dim=0), [rn(3, 4)], attrs={"dims": [0]}, noncontig=[0])

for p in [1, 2, 3, INF]:
    pa = "inf" if p == INF else p
    add(f"norm/zero_p{p}", "norm", lambda x, p=p: torch.linalg.vector_norm(x, ord=p), [torch.zeros(4)], attrs={"p": pa})
    add(f"norm/zero_row_p{p}", "norm", lambda x, p=p: torch.linalg.vector_norm(x, ord=p, dim=1),
        [t([[0., 0., 0.], [1., -2., 2.]])], attrs={"p": pa, "dims": [1]})
    add(f"norm/noncontig_p{p}", "norm", lambda x, p=p: torch.linalg.vector_norm(x, ord=p, dim=0), [rn(3, 4)],
        attrs={"p": pa, "dims": [0]}, noncontig=[0])
    add(f"norm/f64_p{p}", "norm", lambda x, p=p: torch.linalg.vector_norm(x, ord=p, dim=-1), [rn(2, 5, dtype=F64)],
        attrs={"p": pa, "dims": [-1]})
add("norm/p1.5", "norm", lambda x: torch.linalg.vector_norm(x, ord=1.5, dim=1), [t([[0., 1., -2.], [3., 0.5, -1.]])],
    attrs={"p": 1.5, "dims": [1]})
add("norm/inf_ties", "norm", lambda x: torch.linalg.vector_norm(x, ord=INF), [t([1., -3., 3., 2.])], attrs={"p": "inf"})

# ---------------------------------------------------------------------------------------
# Movement.
add("reshape/basic", "reshape", lambda x: x.reshape(4, 6) * 2, [rn(2, 3, 4)], attrs={"shape": [4, 6]})
add("reshape/infer", "reshape", lambda x: x.reshape(-1, 4) * 2, [rn(2, 3, 4)], attrs={"shape": [-1, 4]})
add("reshape/to_0d", "reshape", lambda x: x.reshape(()) * 2, [rn(1, 1)], attrs={"shape": []})
add("reshape/from_0d", "reshape", lambda x: x.reshape(1, 1, 1) * 2, [rn()], attrs={"shape": [1, 1, 1]})
add("reshape/noncontig_copy", "reshape", lambda x: x.reshape(-1) * 2, [rn(3, 4)], attrs={"shape": [-1]}, noncontig=[0])
add("reshape/noncontig_view", "reshape", lambda x: x.reshape(2, 3, 4) * 2, [rn(6, 4)], attrs={"shape": [2, 3, 4]})
add("reshape/noncontig_split_outer", "reshape", lambda x: x.reshape(2, 2, 3) * 2, [rn(4, 3)], attrs={"shape": [2, 2, 3]},
    noncontig=[0])
add("reshape/empty", "reshape", lambda x: x.reshape(3, 0, 2) * 2, [rn(0, 6)], attrs={"shape": [3, 0, 2]})
add("view/basic", "view", lambda x: x.view(3, 8) * 2, [rn(2, 3, 4)], attrs={"shape": [3, 8]})
add("view/noncontig_ok", "view", lambda x: x.view(4, 1, 3) * 2, [rn(4, 3)], attrs={"shape": [4, 1, 3]}, noncontig=[0])
for s, e in [(0, -1), (1, 2), (0, 1), (-2, -1), (2, 2)]:
    add(f"flatten/{s}_{e}", "flatten", lambda x, s=s, e=e: torch.flatten(x, s, e) * 2, [rn(2, 3, 4)], attrs={"start": s, "end": e})
add("flatten/0d", "flatten", lambda x: torch.flatten(x) * 2, [rn()], attrs={"start": 0, "end": -1})
add("flatten/noncontig", "flatten", lambda x: torch.flatten(x) * 2, [rn(3, 4)], attrs={"start": 0, "end": -1}, noncontig=[0])
for dims in [[1, 0, 2], [2, 0, 1], [-1, -2, -3], [0, 1, 2]]:
    add(f"permute/{'_'.join(map(str, dims))}", "permute", lambda x, d=dims: x.permute(*d) * 2, [rn(2, 3, 4)], attrs={"dims": dims})
add("permute/noncontig", "permute", lambda x: x.permute(1, 0) * 2, [rn(3, 4)], attrs={"dims": [1, 0]}, noncontig=[0])
for d0, d1 in [(0, 1), (0, 2), (-1, -2), (1, 1)]:
    add(f"transpose/{d0}_{d1}", "transpose", lambda x, a=d0, b=d1: x.transpose(a, b) * 2, [rn(2, 3, 4)], attrs={"d0": d0, "d1": d1})
add("transpose/noncontig", "transpose", lambda x: x.transpose(0, 1) * 2, [rn(3, 4)], attrs={"d0": 0, "d1": 1}, noncontig=[0])
add("squeeze/all", "squeeze", lambda x: x.squeeze() * 2, [rn(1, 3, 1, 2)])
add("squeeze/dim", "squeeze", lambda x: x.squeeze(2) * 2, [rn(1, 3, 1, 2)], attrs={"dims": [2]})
add("squeeze/neg_dim", "squeeze", lambda x: x.squeeze(-4) * 2, [rn(1, 3, 1, 2)], attrs={"dims": [-4]})
add("squeeze/not_one", "squeeze", lambda x: x.squeeze(1) * 2, [rn(1, 3, 1, 2)], attrs={"dims": [1]})
add("squeeze/to_0d", "squeeze", lambda x: x.squeeze() * 2, [rn(1, 1)])
add("squeeze/noncontig", "squeeze", lambda x: x.squeeze() * 2, [rn(1, 3, 4)], noncontig=[0])
for d in [0, 1, 2, -1, -3]:
    add(f"unsqueeze/{d}", "unsqueeze", lambda x, d=d: x.unsqueeze(d) * 2, [rn(3, 4)], attrs={"dim": d})
add("unsqueeze/0d", "unsqueeze", lambda x: x.unsqueeze(0) * 2, [rn()], attrs={"dim": 0})
add("unsqueeze/noncontig", "unsqueeze", lambda x: x.unsqueeze(1) * 2, [rn(3, 4)], attrs={"dim": 1}, noncontig=[0])
add("expand/basic", "expand", lambda x: x.expand(2, 3, 4) * 2, [rn(3, 1)], attrs={"shape": [2, 3, 4]})
add("expand/keep", "expand", lambda x: x.expand(-1, 4) * 2, [rn(3, 1)], attrs={"shape": [-1, 4]})
add("expand/0d", "expand", lambda x: x.expand(2, 3) * 2, [rn()], attrs={"shape": [2, 3]})
add("expand/noncontig", "expand", lambda x: x.expand(2, 3, 4) * 2, [rn(3, 4)], attrs={"shape": [2, 3, 4]}, noncontig=[0])
SLICES = [(0, 0, 2, 1), (1, 1, 4, 2), (-1, -3, None, 1), (1, -2, -1, 1), (2, 0, 5, 3), (1, -100, 100, 1), (0, 1, 1, 1),
          (2, 3, 1, 1), (0, -1, None, 2)]
for dim, s, e, st in SLICES:
    def fn(x, dim=dim, s=s, e=e, st=st):
        idx = [slice(None)] * x.dim()
        idx[dim] = slice(s, e, st)
        return x[tuple(idx)] * 2
    add(f"slice/{dim}_{s}_{e}_{st}", "slice", fn, [rn(2, 4, 5)], attrs={"dim": dim, "start": s, "end": 1 << 40 if e is None else e, "step": st})
add("slice/noncontig", "slice", lambda x: x[:, 1::2] * 2, [rn(3, 5)], attrs={"dim": 1, "start": 1, "end": 1 << 40, "step": 2}, noncontig=[0])
for dim, s, n in [(0, 0, 1), (1, 1, 2), (-1, -3, 2), (2, 0, 0)]:
    add(f"narrow/{dim}_{s}_{n}", "narrow", lambda x, d=dim, s=s, n=n: x.narrow(d, s, n) * 2, [rn(2, 3, 4)], attrs={"dim": dim, "start": s, "length": n})
add("narrow/noncontig", "narrow", lambda x: x.narrow(1, 1, 2) * 2, [rn(3, 4)], attrs={"dim": 1, "start": 1, "length": 2}, noncontig=[0])
for dim, i in [(0, 1), (1, -1), (-1, 2), (2, 0)]:
    add(f"select/{dim}_{i}", "select", lambda x, d=dim, i=i: x.select(d, i) * 2, [rn(2, 3, 4)], attrs={"dim": dim, "index": i})
add("select/1d", "select", lambda x: x.select(0, 2) * 2, [rn(4)], attrs={"dim": 0, "index": 2})
add("select/noncontig", "select", lambda x: x.select(1, 2) * 2, [rn(3, 4)], attrs={"dim": 1, "index": 2}, noncontig=[0])


def weighted(parts):
    # a single tensor from a list of views: each part scaled by its position, then concatenated
    return torch.cat([p.reshape(-1) * (i + 1) for i, p in enumerate(parts)])


for n, dim in [(2, 0), (3, 1), (4, 1), (5, -1), (2, 2)]:
    add(f"chunk/{n}_{dim}", "chunk", lambda x, n=n, d=dim: weighted(torch.chunk(x, n, d)), [rn(3, 5, 2)], attrs={"n": n, "dim": dim})
add("chunk/noncontig", "chunk", lambda x: weighted(torch.chunk(x, 2, 1)), [rn(3, 4)], attrs={"n": 2, "dim": 1}, noncontig=[0])
for size, dim in [(2, 0), (2, 1), (5, 1), (1, -1)]:
    add(f"split/{size}_{dim}", "split", lambda x, s=size, d=dim: weighted(torch.split(x, s, d)), [rn(3, 5, 2)], attrs={"size": size, "dim": dim})
add("split_sizes/basic", "split_sizes", lambda x: weighted(torch.split(x, [1, 3, 1], 1)), [rn(3, 5)], attrs={"sizes": [1, 3, 1], "dim": 1})
add("split_sizes/noncontig", "split_sizes", lambda x: weighted(torch.split(x, [2, 0, 1], 0)), [rn(3, 4)], attrs={"sizes": [2, 0, 1], "dim": 0},
    noncontig=[0])
add("cat/dim0", "cat", lambda a, b: torch.cat([a, b], 0), [rn(2, 3), rn(4, 3)], attrs={"dim": 0})
add("cat/dim1_three", "cat", lambda a, b, c: torch.cat([a, b, c], 1), [rn(2, 1), rn(2, 3), rn(2, 2)], attrs={"dim": 1})
add("cat/neg_dim", "cat", lambda a, b: torch.cat([a, b], -1), [rn(2, 3, 1), rn(2, 3, 2)], attrs={"dim": -1})
add("cat/one", "cat", lambda a: torch.cat([a], 0), [rn(2, 3)], attrs={"dim": 0})
add("cat/mixed_dtype", "cat", lambda a, b: torch.cat([a, b], 0), [rn(2, 3), rn(1, 3, dtype=F64)], attrs={"dim": 0})
add("cat/int64", "cat", lambda a, b: torch.cat([a, b], 1), [ints(2, 2), ints(2, 1)], attrs={"dim": 1})
add("cat/empty_part", "cat", lambda a, b: torch.cat([a, b], 0), [rn(0, 3), rn(2, 3)], attrs={"dim": 0})
add("cat/noncontig", "cat", lambda a, b: torch.cat([a, b], 0), [rn(3, 4), rn(2, 4)], attrs={"dim": 0}, noncontig=[0, 1])
for dim in [0, 1, 2, -1]:
    add(f"stack/{dim}", "stack", lambda a, b: torch.stack([a, b], dim), [rn(2, 3), rn(2, 3)], attrs={"dim": dim})
add("stack/0d", "stack", lambda a, b, c: torch.stack([a, b, c]), [rn(), rn(), rn()], attrs={"dim": 0})
add("stack/noncontig", "stack", lambda a, b: torch.stack([a, b], 1), [rn(3, 4), rn(3, 4)], attrs={"dim": 1}, noncontig=[0])
add("slice_scatter/basic", "slice_scatter", lambda s: torch.slice_scatter(torch.zeros(4, 6), s, 1, 1, 6, 2), [rn(4, 3)],
    attrs={"shape": [4, 6], "dim": 1, "start": 1, "step": 2})
add("slice_scatter/dim0", "slice_scatter", lambda s: torch.slice_scatter(torch.zeros(5, 2, dtype=F64), s, 0, 2, 4, 1), [rn(2, 2, dtype=F64)],
    attrs={"shape": [5, 2], "dim": 0, "start": 2, "step": 1})

# ---------------------------------------------------------------------------------------
# Matrix products.
MM = [((4,), (4,)), ((3,), (3, 5)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)), ((2, 1, 2, 3), (4, 3, 5)),
      ((2, 3, 4), (4, 2)), ((3,), (2, 3, 4)), ((2, 3, 4), (4,)), ((1, 3), (3, 1)), ((2, 0), (0, 3)), ((3, 5), (5, 2)),
      ((3, 1, 2), (1, 2, 2))]
for sa, sb in MM:
    add(f"matmul/{sname(sa)}_{sname(sb)}", "matmul", torch.matmul, [rn(*sa), rn(*sb)])
add("matmul/f64", "matmul", torch.matmul, [rn(3, 4, dtype=F64), rn(4, 2, dtype=F64)])
add("matmul/noncontig_a", "matmul", torch.matmul, [rn(3, 4), rn(4, 5)], noncontig=[0])
add("matmul/noncontig_b", "matmul", torch.matmul, [rn(3, 4), rn(4, 5)], noncontig=[1])
add("matmul/noncontig_both", "matmul", torch.matmul, [rn(3, 4), rn(4, 5)], noncontig=[0, 1])
add("matmul/noncontig_batched", "matmul", torch.matmul, [rn(2, 3, 4), rn(2, 4, 5)], noncontig=[0, 1])
add("matmul/noncontig_3d_2d", "matmul", torch.matmul, [rn(2, 3, 4), rn(4, 5)], noncontig=[0, 1])
add("matmul/noncontig_1d", "matmul", torch.matmul, [rn(4), rn(4, 3)], noncontig=[0, 1])
add("matmul/larger", "matmul", torch.matmul, [rn(9, 17), rn(17, 11)], atol=1e-4)
add("bmm/basic", "bmm", torch.bmm, [rn(2, 3, 4), rn(2, 4, 5)])
add("bmm/noncontig", "bmm", torch.bmm, [rn(2, 3, 4), rn(2, 4, 5)], noncontig=[0, 1])
add("bmm/f64", "bmm", torch.bmm, [rn(3, 2, 2, dtype=F64), rn(3, 2, 1, dtype=F64)])
add("outer/basic", "outer", torch.outer, [rn(3), rn(4)])
add("outer/noncontig", "outer", torch.outer, [rn(3), rn(4)], noncontig=[0, 1])
add("outer/f64", "outer", torch.outer, [rn(2, dtype=F64), rn(3, dtype=F64)])

# ---------------------------------------------------------------------------------------
# Softmax.
SM_X = {
    "basic": rn(3, 4),
    "hundreds": rn(3, 4) * 300,
    "neg_inf": t([[-INF, 1., 2., 3.], [0., -INF, -INF, 5.], [100., 200., -INF, 300.]]),
}
for op, fn in [("softmax", torch.softmax), ("log_softmax", torch.log_softmax)]:
    for nm, x in SM_X.items():
        for dim in [0, 1, -1]:
            add(f"{op}/{nm}_{dim}", op, lambda x, d=dim, fn=fn: fn(x, d), [x], attrs={"dim": dim}, atol=1e-4 if nm == "hundreds" else None)
    for dim in [0, 1, 2]:
        add(f"{op}/3d_{dim}", op, lambda x, d=dim, fn=fn: fn(x, d), [rn(2, 3, 4)], attrs={"dim": dim})
    add(f"{op}/all_neg_inf", op, lambda x, fn=fn: fn(x, 1), [t([[-INF, -INF], [1., 2.]])], attrs={"dim": 1}, grad=False)
    add(f"{op}/noncontig", op, lambda x, fn=fn: fn(x, 1), [rn(3, 4)], attrs={"dim": 1}, noncontig=[0])
    add(f"{op}/f64", op, lambda x, fn=fn: fn(x, -1), [rn(2, 5, dtype=F64)], attrs={"dim": -1})
    add(f"{op}/0d", op, lambda x, fn=fn: fn(x, 0), [rn(dtype=F64)], attrs={"dim": 0})
    add(f"{op}/1d", op, lambda x, fn=fn: fn(x, 0), [rn(6)], attrs={"dim": 0})

# ---------------------------------------------------------------------------------------
# Conversions and copies.
add("to/f32_f64", "to", lambda x: x.to(F64), [rn(3, 4)], attrs={"dtype": "float64"})
add("to/f64_f32", "to", lambda x: x.to(F32), [rn(3, 4, dtype=F64)], attrs={"dtype": "float32"})
add("to/noncontig", "to", lambda x: x.to(F64), [rn(3, 4)], attrs={"dtype": "float64"}, noncontig=[0])
add("to/int64_f32", "to", lambda x: x.to(F32), [ints(5)], attrs={"dtype": "float32"})
add("to/f32_int64", "to", lambda x: x.to(I64), [t([-2.7, -0.5, 0.5, 2.7, 3.])], attrs={"dtype": "int64"}, grad=False)
add("to/f32_bool", "to", lambda x: x.to(torch.bool), [t([-2.7, 0., 0.5, float("nan")])], attrs={"dtype": "bool"}, grad=False)
add("to/bool_f32", "to", lambda x: x.to(F32), [t([True, False], torch.bool)], attrs={"dtype": "float32"})
add("to/f64_to_f32_rounding", "to", lambda x: x.to(F32), [t([0.1, 1 / 3, 1e-40, 1e39], F64)], attrs={"dtype": "float32"})
add("clone/basic", "clone", lambda x: x.clone(), [rn(3, 4)])
add("clone/noncontig", "clone", lambda x: x.clone(), [rn(3, 4)], noncontig=[0])
add("clone/int64", "clone", lambda x: x.clone(), [ints(3)])
add("contiguous/noncontig", "contiguous", lambda x: x.contiguous(), [rn(3, 4)], noncontig=[0])
add("contiguous/noncontig_3d", "contiguous", lambda x: x.contiguous(), [rn(2, 3, 4, dtype=F64)], noncontig=[0])
add("contiguous/already", "contiguous", lambda x: x.contiguous(), [rn(3, 4)])
# Added after the others, so that their random inputs stay as they were.
for dims in [[0], [2], [-1, 0], [0, 1, 2], [1]]:
    add(f"flip/{'_'.join(map(str, dims))}", "flip", lambda x, d=dims: torch.flip(x, d) * 2, [rn(2, 3, 4)], attrs={"dims": dims})
add("flip/noncontig", "flip", lambda x: torch.flip(x, [1]) * 2, [rn(3, 4)], attrs={"dims": [1]}, noncontig=[0])
add("flip/empty", "flip", lambda x: torch.flip(x, [0]) * 2, [rn(0, 3)], attrs={"dims": [0]})
add("flip/int64", "flip", lambda x: torch.flip(x, [0]) * 2, [ints(5)], attrs={"dims": [0]})



def shorten(cases):
    """Writes float32 values with the shortest decimal that still reads back as the same
    float32 (about half the digits of a float64 repr), to keep the JSON small."""
    def fix(enc):
        if enc is None or enc["dtype"] != "float32":
            return
        out = []
        for v in enc["data"]:
            if isinstance(v, float):
                s = float(repr(numpy.float32(v)))
                if numpy.float32(s) == numpy.float32(v):
                    v = s
            out.append(v)
        enc["data"] = out
    for c in cases:
        for e in c["inputs"] + [c["output"], c.get("grad_output")] + (c.get("grads") or []):
            fix(e)


shorten(cases)
write("core", cases)
