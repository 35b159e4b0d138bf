"""Reference outputs and gradients of eager's nn modules, from PyTorch modules with the same
configuration and parameters. Run by hand: /usr/bin/python3 nn/testdata/gen_modules.py
(writes nn/testdata/modules.json). The Go test copies the parameters into the eager module
by name, so this also checks that parameter names match PyTorch's."""
import json, os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "testdata", "gen"))
import torch
from common import enc

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
cases = []

def add(name, kind, config, mod, x, extra=None, run=None):
    x = x.clone().requires_grad_(True)
    mod.train(False)
    out = run(mod, x) if run else mod(x)
    if isinstance(out, tuple):
        out = out[0]
    g = torch.randn(out.shape)
    params = list(mod.named_parameters())
    grads = torch.autograd.grad(out, [x] + [p for _, p in params], g, allow_unused=True)
    c = {"name": name, "kind": kind, "config": config, "input": enc(x), "output": enc(out), "grad_output": enc(g),
         "input_grad": enc(grads[0]),
         "params": {n: enc(p) for n, p in params},
         "param_grads": {n: enc(gr if gr is not None else torch.zeros_like(p)) for (n, p), gr in zip(params, grads[1:])},
         "buffers": {n: enc(b) for n, b in mod.named_buffers()}}
    if extra:
        c.update(extra)
    cases.append(c)

for bf in [False, True]:
    for bi in [False, True]:
        for layers in [1, 2]:
            cfg = {"input": 3, "hidden": 4, "layers": layers, "batch_first": bf, "bidirectional": bi}
            x = torch.randn(2, 5, 3) if bf else torch.randn(5, 2, 3)
            add(f"lstm_bf{bf}_bi{bi}_l{layers}", "LSTM", cfg, torch.nn.LSTM(3, 4, layers, batch_first=bf, bidirectional=bi), x)
            add(f"gru_bf{bf}_bi{bi}_l{layers}", "GRU", cfg, torch.nn.GRU(3, 4, layers, batch_first=bf, bidirectional=bi), x)

# variable lengths through packed sequences
for kind, cls in [("LSTM", torch.nn.LSTM), ("GRU", torch.nn.GRU)]:
    for bi in [False, True]:
        m = cls(3, 4, 2, batch_first=True, bidirectional=bi)
        lengths = [5, 2, 4]
        def run(mod, x, lengths=lengths):
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
            out, _ = mod(packed)
            out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=5)
            return out
        add(f"{kind.lower()}_packed_bi{bi}", kind, {"input": 3, "hidden": 4, "layers": 2, "batch_first": True, "bidirectional": bi},
            m, torch.randn(3, 5, 3), {"lengths": lengths}, run)

add("linear", "Linear", {"in": 5, "out": 3}, torch.nn.Linear(5, 3), torch.randn(4, 2, 5))
add("linear_nobias", "Linear", {"in": 5, "out": 3, "nobias": True}, torch.nn.Linear(5, 3, bias=False), torch.randn(4, 5))
add("bilinear", "Bilinear", {"in1": 3, "in2": 3, "out": 2}, torch.nn.Bilinear(3, 3, 2), torch.randn(4, 3), run=lambda m, x: m(x, x * 2))

add("conv2d", "Conv2d", {"in": 4, "out": 6, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 0], "dilation": [1, 2], "groups": 2},
    torch.nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2), torch.randn(2, 4, 7, 6))
add("conv1d", "Conv1d", {"in": 3, "out": 5, "kernel": [3], "stride": [1], "padding": [2], "dilation": [1], "groups": 1},
    torch.nn.Conv1d(3, 5, 3, padding=2), torch.randn(2, 3, 8))
add("convtranspose2d", "ConvTranspose2d", {"in": 4, "out": 2, "kernel": [3, 3], "stride": [2, 2], "padding": [1, 1], "output_padding": [1, 1], "dilation": [1, 1], "groups": 2},
    torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2), torch.randn(2, 4, 3, 3))
for name, cls, shape in [("batchnorm1d", torch.nn.BatchNorm1d, (6, 3)), ("batchnorm1d_3d", torch.nn.BatchNorm1d, (4, 3, 5)), ("batchnorm2d", torch.nn.BatchNorm2d, (2, 3, 4, 4))]:
    m = cls(3)
    with torch.no_grad():
        m.running_mean.copy_(torch.randn(3)); m.running_var.copy_(torch.rand(3) + 0.5)
        m.weight.copy_(torch.randn(3)); m.bias.copy_(torch.randn(3))
    add(name + "_eval", "BatchNorm", {"c": 3, "dims": 2 if name == "batchnorm2d" else 1}, m, torch.randn(*shape))
    m2 = cls(3)
    x = torch.randn(*shape)
    def run_train(mod, x):
        mod.train(True)
        return mod(x)
    add(name + "_train", "BatchNorm", {"c": 3, "dims": 2 if name == "batchnorm2d" else 1, "train": True}, m2, x, run=run_train)
    # running stats after one training step
    cases[-1]["buffers_after"] = {n: enc(b) for n, b in m2.named_buffers()}
    cases[-1]["buffers"] = {n: enc(b) for n, b in cls(3).named_buffers()}
ln = torch.nn.LayerNorm([4, 5])
with torch.no_grad():
    ln.weight.copy_(torch.randn(4, 5)); ln.bias.copy_(torch.randn(4, 5))
add("layernorm", "LayerNorm", {"shape": [4, 5]}, ln, torch.randn(3, 4, 5) * 3 + 2)
gn = torch.nn.GroupNorm(2, 4)
with torch.no_grad():
    gn.weight.copy_(torch.randn(4)); gn.bias.copy_(torch.randn(4))
add("groupnorm", "GroupNorm", {"groups": 2, "c": 4}, gn, torch.randn(3, 4, 3, 2))
emb = torch.nn.Embedding(7, 3, padding_idx=2)
add("embedding", "Embedding", {"num": 7, "dim": 3, "padding_idx": 2}, emb, torch.tensor([[1, 2, 6], [2, 0, 1]]).double(),
    run=lambda m, x: m(x.detach().long()) * (1 + 0 * x.sum()))
for bf in [False, True]:
    mha = torch.nn.MultiheadAttention(8, 2, batch_first=bf)
    with torch.no_grad():
        mha.in_proj_bias.copy_(torch.randn(24) * 0.1); mha.out_proj.bias.copy_(torch.randn(8) * 0.1)
    x = torch.randn(2, 5, 8) if bf else torch.randn(5, 2, 8)
    add(f"mha_bf{bf}", "MHA", {"e": 8, "heads": 2, "batch_first": bf}, mha, x, run=lambda m, x: m(x, x, x, need_weights=False)[0])
    L = 5
    causal = torch.triu(torch.ones(L, L, dtype=torch.bool), 1)
    add(f"mha_causal_bf{bf}", "MHA", {"e": 8, "heads": 2, "batch_first": bf, "causal": True}, mha, x,
        run=lambda m, x: m(x, x, x, attn_mask=causal, need_weights=False)[0])
    kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
    add(f"mha_kpm_bf{bf}", "MHA", {"e": 8, "heads": 2, "batch_first": bf, "key_padding": [[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]}, mha, x,
        run=lambda m, x: m(x, x, x, key_padding_mask=kpm, need_weights=False)[0])
for nf in [False, True]:
    for act in ["relu", "gelu"]:
        tl = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, activation=act, batch_first=True, norm_first=nf)
        add(f"transformer_nf{nf}_{act}", "Transformer", {"d": 8, "heads": 2, "ff": 16, "gelu": act == "gelu", "norm_first": nf},
            tl, torch.randn(2, 5, 8))
        causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)
        add(f"transformer_causal_nf{nf}_{act}", "Transformer", {"d": 8, "heads": 2, "ff": 16, "gelu": act == "gelu", "norm_first": nf, "causal": True},
            tl, torch.randn(2, 5, 8), run=lambda m, x: m(x, src_mask=causal))

with open(os.path.join(HERE, "modules.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print("wrote", len(cases), "cases")
