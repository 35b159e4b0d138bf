"""Loads the files eager's Go tests wrote (serialize/testdata/from_go, by TestFromGoGolden)
with PyTorch and NumPy, checks them, and writes what it found to
serialize/testdata/from_go/check_output.txt (committed). Run:
    /usr/bin/python3 serialize/testdata/gen/check_from_go.py
The safetensors package is not needed: the reader below follows the format by hand.
"""
import json
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = os.path.join(HERE, "..", "from_go")
DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "BOOL": torch.bool}
lines = []


def log(*args):
    s = " ".join(str(a) for a in args)
    print(s)
    lines.append(s)


def load_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    (n,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = buf[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dt = DTYPES[info["dtype"]]
        if e > b:
            t = torch.frombuffer(bytearray(data[b:e]), dtype=dt)
        else:
            t = torch.empty(0, dtype=dt)
        out[name] = t.reshape(info["shape"])
    return out, meta


def main():
    # The MLP state dict loads strictly into PyTorch's architecture and gives eager's output.
    sd, meta = load_safetensors(os.path.join(DIR, "mlp.safetensors"))
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    res = model.load_state_dict(sd, strict=True)
    log("mlp.safetensors: metadata", meta, "keys", sorted(sd), "load_state_dict(strict=True):", res)
    inputs = np.load(os.path.join(DIR, "input.npz"))
    x = torch.from_numpy(inputs["x"])
    with torch.no_grad():
        y = model(x).numpy()
    y_go = np.load(os.path.join(DIR, "output.npy"))
    diff = float(np.abs(y - y_go).max())
    log("mlp forward: shape", list(y.shape), "max |torch - eager| = %.3g" % diff, "OK" if diff < 1e-5 else "MISMATCH")

    # input.npz (deflated) and f64.npy
    log("input.npz:", {k: (str(inputs[k].dtype), list(inputs[k].shape)) for k in sorted(inputs.files)})
    log("input.npz mask", inputs["mask"].tolist(), "i64", inputs["i64"].tolist())
    a = np.load(os.path.join(DIR, "f64.npy"))
    log("f64.npy:", a.dtype, a.tolist())

    # mixed dtypes; the F16 and BF16 files must hold exactly torch's rounding of the F32 file.
    full, meta = load_safetensors(os.path.join(DIR, "mixed.safetensors"))
    log("mixed.safetensors: metadata", meta)
    for name in sorted(full):
        t = full[name]
        log("  %s %s %s %s" % (name, str(t.dtype).replace("torch.", ""), list(t.shape), t.reshape(-1).tolist()))
    for fname, dt in [("mixed_f16.safetensors", torch.float16), ("mixed_bf16.safetensors", torch.bfloat16)]:
        half, _ = load_safetensors(os.path.join(DIR, fname))
        ok = True
        for name, t in full.items():
            want = t.to(dt) if t.is_floating_point() else t
            if half[name].dtype != want.dtype or not torch.equal(half[name], want):
                ok = False
                log("  %s: %s is %s, torch gives %s" % (fname, name, half[name].tolist(), want.tolist()))
        log(fname + ": every tensor equals torch's conversion of mixed.safetensors:", "OK" if ok else "MISMATCH")

    with open(os.path.join(DIR, "check_output.txt"), "w") as f:
        f.write("torch %s numpy %s\n" % (torch.__version__, np.__version__))
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
