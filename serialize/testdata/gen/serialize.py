"""Fixtures for package serialize, written by PyTorch and NumPy.

Run with Debian's torch: /usr/bin/python3 serialize/testdata/gen/serialize.py
It writes, into serialize/testdata/torch/:
  dtypes.safetensors   one tensor of each safetensors dtype eager reads, with metadata
  mlp.safetensors      the state dict of nn.Sequential(Linear(4,8), ReLU(), Linear(8,3))
  mlp_io.npz           an input x for that MLP and PyTorch's output y
  *.npy                arrays of several dtypes, byte orders, memory orders and versions
  arrays.npz           numpy.savez, arrays_compressed.npz numpy.savez_compressed
  expected.json        the values each file must load as in eager (dtype after conversion)
The safetensors package is not needed: the files are written by hand with struct and json,
laid out as the reference implementation lays them out.
"""
import json
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "torch")

ST_DTYPES = {
    torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def tensor_bytes(t):
    t = t.contiguous().reshape(-1)
    if t.numel() == 0:
        return b""
    return t.view(torch.uint8).numpy().tobytes()


def save_safetensors(path, tensors, metadata=None):
    """Writes tensors as the Rust implementation does: by decreasing element size, then by
    name; the header is padded with spaces to a multiple of 8 bytes."""
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, blobs, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        b = tensor_bytes(t)
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def enc(a, dtype):
    """The values a (numpy or torch) must load as in eager, as JSON."""
    if isinstance(a, torch.Tensor):
        a = a.float().numpy() if a.dtype in (torch.float16, torch.bfloat16) else a.numpy()
    a = np.asarray(a)
    vals = []
    for v in a.reshape(-1).tolist():
        if isinstance(v, bool):
            v = 1 if v else 0
        if isinstance(v, float) and v != v:
            v = "nan"
        elif isinstance(v, float) and v in (float("inf"), float("-inf")):
            v = "inf" if v > 0 else "-inf"
        vals.append(v)
    return {"shape": list(a.shape), "dtype": dtype, "data": vals}


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    torch.manual_seed(0)
    np.random.seed(0)

    # safetensors, one tensor per dtype
    half_vals = [0.0, -0.0, 1.0, -2.5, 65504.0, 6.0e-8, 1e-5, 3.14159, float("inf"), float("-inf"), 1e5, 0.1]
    st = {
        "f32": torch.randn(2, 3),
        "f64": torch.randn(3, dtype=torch.float64),
        "f16": torch.tensor(half_vals, dtype=torch.float32).to(torch.float16).reshape(3, 4),
        "bf16": torch.tensor(half_vals + [1e30, 3.0e-39], dtype=torch.float32).to(torch.bfloat16).reshape(2, 7),
        "i64": torch.tensor([[-(2**62), 5], [7, 2**40]], dtype=torch.int64),
        "i32": torch.tensor([-(2**31), 2**31 - 1, 0], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, -1], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 7, 128], dtype=torch.uint8),
        "bool": torch.tensor([[True, False, True]]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    save_safetensors(os.path.join(OUT, "dtypes.safetensors"), st, {"format": "pt", "source": "serialize.py"})
    kinds = {torch.float64: "float64", torch.bool: "bool"}
    expected["dtypes.safetensors"] = {
        k: enc(v, kinds.get(v.dtype, "float32" if v.is_floating_point() else "int64")) for k, v in st.items()
    }

    # the MLP: state dict, input and output
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    save_safetensors(os.path.join(OUT, "mlp.safetensors"), model.state_dict(), {"format": "pt"})
    x = torch.randn(5, 4)
    with torch.no_grad():
        y = model(x)
    np.savez(os.path.join(OUT, "mlp_io.npz"), x=x.numpy(), y=y.numpy())

    # NPY files
    a = np.random.randn(2, 3).astype("<f4")
    npys = {
        "f4.npy": (a, "float32"),
        "f8_fortran.npy": (np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4) / 7), "float64"),
        "f4_big.npy": (a.astype(">f4"), "float32"),
        "i8_big.npy": (np.array([[1, -2], [3, 2**50]], dtype=">i8"), "int64"),
        "i4.npy": (np.array([-5, 0, 2**31 - 1], dtype="<i4"), "int64"),
        "i2_fortran.npy": (np.asfortranarray(np.arange(6, dtype="<i2").reshape(2, 3) - 3), "int64"),
        "u1.npy": (np.array([[0, 255], [9, 128]], dtype="|u1"), "int64"),
        "u4.npy": (np.array([0, 2**32 - 1], dtype="<u4"), "int64"),
        "b1.npy": (np.array([[True, False], [False, True], [True, True]]), "bool"),
        "f2.npy": (np.array([1.5, -0.0, 65504, 6e-8], dtype="<f2"), "float32"),
        "scalar.npy": (np.array(3.25, dtype="<f8"), "float64"),
        "empty.npy": (np.zeros((0, 2), dtype="<f4"), "float32"),
    }
    expected_npy = {}
    for name, (arr, dt) in npys.items():
        np.save(os.path.join(OUT, name), arr)
        expected_npy[name] = enc(arr, dt)
    # explicit format versions 2.0 and 3.0
    for ver in [(2, 0), (3, 0)]:
        name = "v%d.npy" % ver[0]
        arr = np.arange(6, dtype="<f4").reshape(3, 2)
        with open(os.path.join(OUT, name), "wb") as f:
            np.lib.format.write_array(f, arr, version=ver)
        expected_npy[name] = enc(arr, "float32")
    expected["npy"] = expected_npy

    # NPZ archives, stored and deflated
    bundle = {"weights": np.random.randn(3, 2).astype("<f4"), "ids": np.array([3, 1, 4], dtype="<i8"),
              "mask": np.array([True, False])}
    np.savez(os.path.join(OUT, "arrays.npz"), **bundle)
    np.savez_compressed(os.path.join(OUT, "arrays_compressed.npz"), **bundle)
    expected["npz"] = {k: enc(v, {"f": "float32", "i": "int64", "b": "bool"}[v.dtype.kind]) for k, v in bundle.items()}

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "numpy_version": np.__version__, "files": expected}, f, indent=1)
    print("wrote fixtures to", os.path.relpath(OUT))


if __name__ == "__main__":
    main()
