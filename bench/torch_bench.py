#!/usr/bin/python3
"""The PyTorch side of `eager bench`: the same workloads, timed the same way.

Run by `eager bench` once per workload and thread setting:

    /usr/bin/python3 bench/torch_bench.py --workload mlp --time 1 --threads 1

which prints one JSON line (the figures), or by hand without --workload to print a table of
all workloads. Needs torch (Debian's python3-torch 1.13 is what the figures in the notes used).

Method, as in cmd/eager/bench.go:
  * time: warm up, then 5 chunks of about --time/5 seconds; the best chunk's time per
    iteration is reported (median too);
  * peak memory: the process's peak resident set (resource.getrusage ru_maxrss) minus its
    resident set before the workload built its model and data (after importing torch), so
    the interpreter and torch's libraries are not counted. tracemalloc would miss torch's
    tensors (allocated in C++), and torch 1.13 has no CPU allocator statistics, so the
    resident set is the one figure both frameworks can be measured by;
  * threads: --threads sets torch.set_num_threads; OpenBLAS's pool is set by the
    OPENBLAS_NUM_THREADS environment variable, which must be set before torch is imported.
"""

import argparse
import json
import os
import resource
import sys
import time


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_resident_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


OPS_PER_STEP = 100  # per-op workloads run this many ops per step


def matmul(n):
    def build():
        torch.manual_seed(1)
        x, y = torch.randn(n, n), torch.randn(n, n)

        def step():
            with torch.no_grad():
                x @ y

        return step, 2.0 * n * n * n

    return build


def mlp_gemm(which):
    """One product of the MLP's first layer (batch 64, 784 -> 256), transposes as views."""
    def build():
        torch.manual_seed(1)
        x, w, g = torch.randn(64, 784), torch.randn(256, 784), torch.randn(64, 256)

        def step():
            with torch.no_grad():
                if which == "fwd":
                    x @ w.t()
                elif which == "dw":
                    g.t() @ x
                else:
                    g @ w

        return step, 2.0 * 64 * 784 * 256

    return build


def add1():
    x, y = torch.full((1,), 1.0), torch.full((1,), 2.0)

    def step():
        for _ in range(OPS_PER_STEP):
            x + y

    return step, OPS_PER_STEP


def add1_grad():
    x = torch.full((1,), 1.0, requires_grad=True)
    y = torch.full((1,), 2.0, requires_grad=True)

    def step():
        for _ in range(OPS_PER_STEP):
            x + y

    return step, OPS_PER_STEP


def tiny_backward():
    a = torch.full((1,), 1.0, requires_grad=True)
    b = torch.full((1,), 2.0, requires_grad=True)
    c = torch.full((1,), 3.0, requires_grad=True)

    def step():
        for _ in range(OPS_PER_STEP):
            (a * b + c).sum().backward()

    return step, OPS_PER_STEP


SUM10K_LEN = 10000


def sum10k():
    """Adds 10,000 one-element tensors one at a time in a Python loop (per add)."""
    torch.manual_seed(1)
    xs = [torch.randn(1) for _ in range(SUM10K_LEN)]

    def step():
        s = xs[0]
        for x in xs[1:]:
            s = s + x

    return step, SUM10K_LEN - 1


def chain4m():
    torch.manual_seed(1)
    n = 4 << 20
    x, w, b = torch.randn(n), torch.randn(n), torch.randn(n)

    def step():
        torch.relu(x * w + b) * 0.5 + x

    return step, 1


def transpose():
    torch.manual_seed(1)
    x = torch.randn(784, 256)

    def step():
        x.t().contiguous()

    return step, 1


def gelu1m():
    torch.manual_seed(1)
    n = 1 << 20
    x = torch.randn(n, requires_grad=True)
    g = torch.randn(n)

    def step():
        torch.nn.functional.gelu(x).backward(g)
        x.grad = None

    return step, 1


def train_step(model, opt, x, target):
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        opt.step()

    return step


def zero_grad_none(opt):
    # eager's ZeroGrad sets gradients to nil, as torch's zero_grad(set_to_none=True).
    orig = opt.zero_grad
    opt.zero_grad = lambda: orig(set_to_none=True)
    return opt


def mlp():
    nn = torch.nn
    torch.manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    opt = zero_grad_none(torch.optim.Adam(model.parameters(), lr=1e-3))
    x, target = torch.randn(64, 784), torch.randint(0, 10, (64,))
    return train_step(model, opt, x, target), 1


def cnn():
    nn = torch.nn
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = zero_grad_none(torch.optim.Adam(model.parameters(), lr=1e-3))
    x, target = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    return train_step(model, opt, x, target), 64


def lenet():
    nn = torch.nn
    torch.manual_seed(1)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))
    opt = zero_grad_none(torch.optim.Adam(model.parameters(), lr=1e-3))
    x, target = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    return train_step(model, opt, x, target), 64


VOCAB, DIM, HEADS, CTX, BATCH = 65, 128, 4, 64, 32


def transformer():
    nn = torch.nn

    class CharTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(VOCAB, DIM)
            self.pos = nn.Embedding(CTX, DIM)
            self.layers = nn.ModuleList([
                nn.TransformerEncoderLayer(DIM, HEADS, 4 * DIM, dropout=0.0, batch_first=True)
                for _ in range(2)])
            self.head = nn.Linear(DIM, VOCAB)
            self.register_buffer("pos_idx", torch.arange(CTX))
            self.register_buffer("mask", torch.triu(torch.ones(CTX, CTX, dtype=torch.bool), 1))

        def forward(self, idx):
            h = self.tok(idx) + self.pos(self.pos_idx)
            for layer in self.layers:
                h = layer(h, src_mask=self.mask)
            return self.head(h).reshape(-1, VOCAB)

    torch.manual_seed(1)
    model = CharTransformer()
    opt = zero_grad_none(torch.optim.AdamW(model.parameters(), lr=1e-3))
    idx = torch.randint(0, VOCAB, (BATCH, CTX))
    target = torch.randint(0, VOCAB, (BATCH * CTX,))
    return train_step(model, opt, idx, target), 1


# name: (title, unit, build, higher is better)
WORKLOADS = {
    "matmul128": ("matmul 128x128", "GFLOP/s", matmul(128), True),
    "matmul512": ("matmul 512x512", "GFLOP/s", matmul(512), True),
    "matmul1024": ("matmul 1024x1024", "GFLOP/s", matmul(1024), True),
    "mlp_fwd": ("MLP GEMM x.Wt 64x784.784x256", "GFLOP/s", mlp_gemm("fwd"), True),
    "mlp_dw": ("MLP GEMM gt.x 256x64.64x784", "GFLOP/s", mlp_gemm("dw"), True),
    "mlp_dx": ("MLP GEMM g.W 64x256.256x784", "GFLOP/s", mlp_gemm("dx"), True),
    "add1": ("one-element add", "us", add1, False),
    "add1_grad": ("one-element add recording autograd", "us", add1_grad, False),
    "tiny_backward": ("(a*b+c).sum().backward(), 1 element", "us", tiny_backward, False),
    "sum10k": ("sum of 10,000 one-element tensors, per add", "ns", sum10k, False),
    "chain4m": ("relu(x*w+b)*0.5+x, 4M float32", "ms", chain4m, False),
    "chain4m_ops": ("the same (PyTorch computes op by op either way)", "ms", chain4m, False),
    "transpose": ("x.T().Contiguous(), 784x256 float32", "us", transpose, False),
    "gelu1m": ("GELU forward and backward, 1M float32", "ms", gelu1m, False),
    "mlp": ("MLP 784-256-128-10 b64 Adam step", "ms", mlp, False),
    "cnn": ("MNIST CNN b64 Adam step", "samples/s", cnn, True),
    "lenet": ("LeNet-5 b64 Adam step", "samples/s", lenet, True),
    "transformer": ("char transformer 2x128 ctx64 b32 AdamW", "ms", transformer, False),
}


def time_steps(step, budget):
    n, start = 0, time.perf_counter()
    while n < 2 or time.perf_counter() - start < budget / 5:
        step()
        n += 1
    per = (time.perf_counter() - start) / n
    chunk = max(1, int(budget / 5 / per))
    times = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(chunk):
            step()
        times.append((time.perf_counter() - t) / chunk)
    times.sort()
    return times[0], times[len(times) // 2]


def figure(unit, sec, work):
    return {"GFLOP/s": lambda: work / sec / 1e9, "samples/s": lambda: work / sec,
            "ns": lambda: sec / work * 1e9, "us": lambda: sec / work * 1e6,
            "ms": lambda: sec / work * 1e3}[unit]()


def blas_library():
    """The BLAS library torch's libblas.so.3 resolves to (Debian's alternatives): the reference
    implementation (libblas3) is tens of times slower at matmul than OpenBLAS."""
    for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
        p = os.path.join(d, "libblas.so.3")
        if os.path.exists(p):
            return os.path.realpath(p)
    return "unknown"


def run(name, budget):
    title, unit, build, _ = WORKLOADS[name]
    rss0 = resident_bytes()
    step, work = build()
    best, median = time_steps(step, budget)
    return {
        "name": name, "value": figure(unit, best, work), "median": figure(unit, median, work),
        "peak_rss": peak_resident_bytes() - rss0, "heap_peak": 0, "gc_pct": 0,
        "threads": "torch %d, blas %s" % (torch.get_num_threads(), os.environ.get("OPENBLAS_NUM_THREADS", "default")),
        "blas": blas_library(),
        "error": "",
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workload", choices=sorted(WORKLOADS), help="run one workload and print JSON")
    p.add_argument("--time", type=float, default=1.0, help="timed seconds per workload")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: default)")
    args = p.parse_args()
    global torch
    import torch
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.workload:
        try:
            print(json.dumps(run(args.workload, args.time)))
        except Exception as e:  # reported in eager bench's table
            print(json.dumps({"name": args.workload, "error": "%s: %s" % (type(e).__name__, e)}))
        return
    print("PyTorch %s, %d threads, BLAS %s (all workloads in one process: peak memory is cumulative)"
          % (torch.__version__, torch.get_num_threads(), blas_library()))
    for name, (title, unit, _, _) in WORKLOADS.items():
        r = run(name, args.time)
        print("%-44s %12.3f %-10s peak rss +%.1f MB" % (title, r["value"], unit, r["peak_rss"] / 2**20))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
