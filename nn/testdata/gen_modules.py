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

with open(os.path.join(HERE, "modules.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
print("wrote", len(cases), "cases")
