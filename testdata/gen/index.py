"""PyTorch reference fixtures for eager's indexing ops (ops_index.go): index_select,
index_add, gather, scatter, scatter_add, scatter (value), masked_fill, one_hot, pad and
embedding. Run: /usr/bin/python3 testdata/gen/index.py"""
import torch
import torch.nn.functional as F

from common import case, write

torch.manual_seed(0)
f32, f64, i64 = torch.float32, torch.float64, torch.int64


def rn(*shape, dtype=f32):
    return torch.randn(*shape, dtype=dtype)


def ix(*vals):
    return torch.tensor(vals, dtype=i64)


cases = []

# index_select
for dt, name in ((f32, "f32"), (f64, "f64")):
    cases.append(case(f"index_select_dim0_dup_{name}", "index_select", lambda x, i: x.index_select(0, i),
                      [rn(3, 4, dtype=dt), ix(2, 0, 2, 1)], {"dim": 0}))
    cases.append(case(f"index_select_dim1_{name}", "index_select", lambda x, i: x.index_select(1, i),
                      [rn(3, 4, dtype=dt), ix(3, 3, 0)], {"dim": 1}))
cases.append(case("index_select_neg_dim_3d", "index_select", lambda x, i: x.index_select(-1, i),
                  [rn(2, 3, 4), ix(1, 1, 3, 0, 2)], {"dim": -1}))
cases.append(case("index_select_mid_3d", "index_select", lambda x, i: x.index_select(1, i),
                  [rn(2, 3, 4, dtype=f64), ix(2, 0)], {"dim": 1}))
cases.append(case("index_select_noncontig", "index_select", lambda x, i: x.index_select(1, i),
                  [rn(4, 3), ix(0, 2, 2)], {"dim": 1}, noncontig=[0, 1]))
cases.append(case("index_select_scalar_index", "index_select", lambda x, i: x.index_select(0, i),
                  [rn(3, 2), torch.tensor(1)], {"dim": 0}))
cases.append(case("index_select_0d", "index_select", lambda x, i: x.index_select(0, i),
                  [torch.tensor(2.5), ix(0)], {"dim": 0}))
cases.append(case("index_select_empty", "index_select", lambda x, i: x.index_select(0, i),
                  [rn(3, 2), torch.zeros(0, dtype=i64)], {"dim": 0}))
cases.append(case("index_select_int64", "index_select", lambda x, i: x.index_select(0, i),
                  [torch.arange(12).reshape(3, 4), ix(2, 2, 0)], {"dim": 0}))
cases.append(case("index_select_bool", "index_select", lambda x, i: x.index_select(1, i),
                  [torch.rand(2, 3) > 0.5, ix(2, 0)], {"dim": 1}))

# index_add
for dt, name in ((f32, "f32"), (f64, "f64")):
    cases.append(case(f"index_add_dim0_dup_{name}", "index_add", lambda x, i, s: x.index_add(0, i, s),
                      [rn(3, 4, dtype=dt), ix(2, 0, 2), rn(3, 4, dtype=dt)], {"dim": 0}))
cases.append(case("index_add_dim1_noncontig", "index_add", lambda x, i, s: x.index_add(1, i, s),
                  [rn(3, 4), ix(1, 1, 3), rn(3, 3)], {"dim": 1}, noncontig=[0, 2]))
cases.append(case("index_add_int64", "index_add", lambda x, i, s: x.index_add(-1, i, s),
                  [torch.arange(6).reshape(2, 3), ix(0, 0), torch.ones(2, 2, dtype=i64)], {"dim": -1}))
cases.append(case("index_add_bool", "index_add", lambda x, i, s: x.index_add(0, i, s),
                  [torch.zeros(3, 2, dtype=torch.bool), ix(1, 1), torch.tensor([[True, False], [False, False]])], {"dim": 0}))

# gather
for dt, name in ((f32, "f32"), (f64, "f64")):
    cases.append(case(f"gather_dim0_{name}", "gather", lambda x, i: x.gather(0, i),
                      [rn(3, 4, dtype=dt), ix([2, 0, 1, 2], [0, 0, 2, 1])], {"dim": 0}))
    cases.append(case(f"gather_dim1_dup_{name}", "gather", lambda x, i: x.gather(1, i),
                      [rn(3, 4, dtype=dt), ix([3, 3, 0], [1, 1, 1], [0, 2, 2])], {"dim": 1}))
cases.append(case("gather_smaller_index", "gather", lambda x, i: x.gather(1, i),
                  [rn(3, 4), ix([1, 0], [3, 3])], {"dim": 1}))
cases.append(case("gather_larger_along_dim", "gather", lambda x, i: x.gather(0, i),
                  [rn(2, 3), ix([1, 0, 1], [0, 0, 0], [1, 1, 0], [1, 1, 1])], {"dim": 0}))
cases.append(case("gather_3d_neg_dim", "gather", lambda x, i: x.gather(-2, i),
                  [rn(2, 3, 2, dtype=f64), torch.randint(0, 3, (2, 4, 2))], {"dim": -2}))
cases.append(case("gather_noncontig", "gather", lambda x, i: x.gather(0, i),
                  [rn(3, 3), ix([2, 0, 1], [1, 1, 0], [0, 2, 2])], {"dim": 0}, noncontig=[0, 1]))
cases.append(case("gather_int64", "gather", lambda x, i: x.gather(1, i),
                  [torch.arange(12).reshape(3, 4), ix([3, 0], [1, 1], [2, 0])], {"dim": 1}))
cases.append(case("gather_bool", "gather", lambda x, i: x.gather(0, i),
                  [torch.rand(2, 3) > 0.5, ix([1, 0, 1])], {"dim": 0}))
cases.append(case("gather_0d", "gather", lambda x, i: x.gather(0, i),
                  [torch.tensor(1.5), torch.tensor(0)], {"dim": 0}))

# scatter (src): no duplicate indices where gradients are compared, except one forward-only case
for dt, name in ((f32, "f32"), (f64, "f64")):
    cases.append(case(f"scatter_dim0_{name}", "scatter", lambda x, i, s: x.scatter(0, i, s),
                      [rn(3, 4, dtype=dt), ix([1, 0, 2, 0], [2, 1, 0, 1]), rn(2, 4, dtype=dt)], {"dim": 0}))
cases.append(case("scatter_dim1_partial", "scatter", lambda x, i, s: x.scatter(1, i, s),
                  [rn(3, 4), ix([3, 0], [1, 2]), rn(2, 2)], {"dim": 1}))
cases.append(case("scatter_noncontig", "scatter", lambda x, i, s: x.scatter(1, i, s),
                  [rn(3, 3), ix([2, 0, 1], [0, 1, 2], [1, 2, 0]), rn(3, 3)], {"dim": 1}, noncontig=[0, 1, 2]))
cases.append(case("scatter_dup_forward", "scatter", lambda x, i, s: x.scatter(0, i, s),
                  [torch.zeros(3, 2), ix([0, 1], [0, 1], [0, 2]), torch.arange(1., 7.).reshape(3, 2)], {"dim": 0}, grad=False))
cases.append(case("scatter_dup_grad", "scatter", lambda x, i, s: x.scatter(1, i, s),
                  [rn(2, 4, dtype=f64), ix([0, 0, 3], [1, 2, 1]), rn(2, 3, dtype=f64)], {"dim": 1}))
cases.append(case("scatter_src_larger_forward", "scatter", lambda x, i, s: x.scatter(0, i, s),
                  [rn(3, 4), ix([2, 1]), rn(2, 5)], {"dim": 0}, grad=False))
cases.append(case("scatter_int64", "scatter", lambda x, i, s: x.scatter(0, i, s),
                  [torch.arange(6).reshape(2, 3), ix([1, 0, 1]), ix([7, 8, 9])], {"dim": 0}))

# scatter_add
for dt, name in ((f32, "f32"), (f64, "f64")):
    cases.append(case(f"scatter_add_dup_{name}", "scatter_add", lambda x, i, s: x.scatter_add(0, i, s),
                      [rn(3, 4, dtype=dt), ix([1, 0, 1, 0], [1, 1, 0, 2], [2, 0, 1, 0]), rn(3, 4, dtype=dt)], {"dim": 0}))
cases.append(case("scatter_add_dim1_smaller", "scatter_add", lambda x, i, s: x.scatter_add(1, i, s),
                  [rn(3, 4), ix([3, 3, 0], [1, 1, 1]), rn(2, 3)], {"dim": 1}))
cases.append(case("scatter_add_3d_noncontig", "scatter_add", lambda x, i, s: x.scatter_add(2, i, s),
                  [rn(2, 2, 3), torch.randint(0, 3, (2, 2, 3)), rn(2, 2, 3)], {"dim": 2}, noncontig=[0, 1, 2]))
cases.append(case("scatter_add_int64", "scatter_add", lambda x, i, s: x.scatter_add(0, i, s),
                  [torch.zeros(3, 2, dtype=i64), ix([0, 2], [0, 2]), ix([1, 2], [3, 4])], {"dim": 0}))

# scatter with a scalar value
cases.append(case("scatter_value_f32", "scatter_value", lambda x, i: x.scatter(1, i, -1.5),
                  [rn(3, 4), ix([0, 3], [1, 1], [2, 0])], {"dim": 1, "value": -1.5}))
cases.append(case("scatter_value_f64_noncontig", "scatter_value", lambda x, i: x.scatter(0, i, 2.0),
                  [rn(3, 3, dtype=f64), ix([0, 2, 1], [2, 2, 2])], {"dim": 0, "value": 2.0}, noncontig=[0]))
cases.append(case("scatter_value_int64", "scatter_value", lambda x, i: x.scatter(0, i, 2.7),
                  [torch.arange(6).reshape(2, 3), ix([1, 0])], {"dim": 0, "value": 2.7}))

# masked_fill
cases.append(case("masked_fill_f32", "masked_fill", lambda x, m: x.masked_fill(m, 0.5),
                  [rn(3, 4), torch.rand(3, 4) > 0.5], {"value": 0.5}))
cases.append(case("masked_fill_bcast_row_f64", "masked_fill", lambda x, m: x.masked_fill(m, -2.0),
                  [rn(3, 4, dtype=f64), torch.tensor([True, False, False, True])], {"value": -2.0}))
cases.append(case("masked_fill_bcast_both", "masked_fill", lambda x, m: x.masked_fill(m, 3.0),
                  [rn(3, 1), torch.tensor([[True, False]])], {"value": 3.0}))
cases.append(case("masked_fill_inf_noncontig", "masked_fill", lambda x, m: x.masked_fill(m, float("-inf")),
                  [rn(3, 3), torch.rand(3, 3) > 0.5], {"value": "-inf"}, noncontig=[0, 1]))
cases.append(case("masked_fill_int64", "masked_fill", lambda x, m: x.masked_fill(m, 2.7),
                  [torch.arange(6).reshape(2, 3), torch.tensor([[True], [False]])], {"value": 2.7}))

# one_hot
cases.append(case("one_hot", "one_hot", lambda i: F.one_hot(i, 5), [ix(0, 3, 3, 4)], {"num_classes": 5}))
cases.append(case("one_hot_infer", "one_hot", lambda i: F.one_hot(i, -1), [ix([1, 0], [2, 2])], {"num_classes": -1}))
cases.append(case("one_hot_0d", "one_hot", lambda i: F.one_hot(i, 3), [torch.tensor(2)], {"num_classes": 3}))
cases.append(case("one_hot_noncontig", "one_hot", lambda i: F.one_hot(i, 4), [ix([0, 1, 2], [3, 2, 1])], {"num_classes": 4}, noncontig=[0]))
cases.append(case("one_hot_empty", "one_hot", lambda i: F.one_hot(i, 3), [torch.zeros(0, dtype=i64)], {"num_classes": 3}))


# pad
def pad_case(name, x, pads, mode="constant", value=0.0, **kw):
    return case(name, "pad", lambda t: F.pad(t, pads, mode, value) if mode == "constant" else F.pad(t, pads, mode),
                [x], {"pads": list(pads), "mode": mode, "value": value}, **kw)


cases.append(pad_case("pad_constant_last", rn(2, 3), (1, 2), value=0.5))
cases.append(pad_case("pad_constant_2d_f64", rn(2, 3, dtype=f64), (1, 0, 2, 1)))
cases.append(pad_case("pad_constant_crop", rn(3, 4), (-1, -2, 0, -1)))
cases.append(pad_case("pad_constant_mixed", rn(3, 4), (-1, 2, 1, -2), value=-1.0))
cases.append(pad_case("pad_constant_all_dims", rn(2, 2, 2), (1, 0, 0, 1, 1, 1), value=3.0))
cases.append(pad_case("pad_constant_to_empty", rn(2, 3), (-1, -2)))
cases.append(pad_case("pad_constant_noncontig", rn(3, 4), (2, 1, 1, -1), noncontig=[0]))
cases.append(pad_case("pad_constant_int64", torch.arange(6).reshape(2, 3), (1, 1), value=2.5))
cases.append(pad_case("pad_constant_bool", torch.rand(2, 2) > 0.5, (0, 1, 1, 0), value=1.0))
for mode in ("reflect", "replicate", "circular"):
    cases.append(pad_case(f"pad_{mode}_1d", rn(2, 2, 4), (2, 3) if mode != "reflect" else (3, 2), mode))
    cases.append(pad_case(f"pad_{mode}_2d_f64", rn(1, 2, 3, 3, dtype=f64), (2, 1, 1, 2), mode))
    cases.append(pad_case(f"pad_{mode}_3d", rn(1, 1, 2, 3, 3), (1, 2, 0, 1, 1, 1), mode))
    cases.append(pad_case(f"pad_{mode}_negative", rn(1, 2, 4), (-1, 2), mode))
    cases.append(pad_case(f"pad_{mode}_negative_left_pad", rn(1, 2, 4), (2, -2), mode))
    cases.append(pad_case(f"pad_{mode}_noncontig", rn(1, 1, 3, 4), (1, 1, 2, 0), mode, noncontig=[0]))


# embedding: padding_idx -1 in the fixture means none
def emb_case(name, idx, w, padding_idx, **kw):
    return case(name, "embedding",
                lambda i, t: F.embedding(i, t, padding_idx=None if padding_idx < 0 else padding_idx),
                [idx, w], {"padding_idx": padding_idx}, **kw)


cases.append(emb_case("embedding_1d_dup", ix(1, 3, 1, 0), rn(5, 3), -1))
cases.append(emb_case("embedding_2d_f64", ix([0, 4], [4, 2], [2, 2]), rn(5, 2, dtype=f64), -1))
cases.append(emb_case("embedding_padding_idx", ix([0, 2, 2], [1, 0, 3]), rn(4, 3), 2))
cases.append(emb_case("embedding_padding_idx_zero", ix([0, 0, 1]), rn(3, 2, dtype=f64), 0))
cases.append(emb_case("embedding_0d", torch.tensor(3), rn(4, 2), -1))
cases.append(emb_case("embedding_noncontig", ix([0, 1, 2], [3, 3, 0]), rn(4, 3), 3, noncontig=[0, 1]))

write("index", cases)
