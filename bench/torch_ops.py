"""PyTorch's figures for the eager benchmarks BenchmarkOps256K, BenchmarkTransposedOperands
(package eager) and BenchmarkCrossEntropy (package nn): the same expressions on the same
shapes, best of five 0.2 s runs, in microseconds. Run with Debian's python3-torch:

    /usr/bin/python3 bench/torch_ops.py [threads]
"""
import sys
import time

import torch
import torch.nn.functional as F


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    torch.manual_seed(1)
    x, y = torch.randn(1024, 256), torch.randn(1024, 256)
    mask = x > 0
    w, wy = torch.randn(784, 256), torch.randn(256, 784)
    h = torch.randn(32, 64, 4, 32)
    logits = torch.randn(2048, 65, requires_grad=True)
    target = torch.arange(2048) % 65

    def xent():
        F.cross_entropy(logits, target).backward()
        logits.grad = None

    cases = [
        ("Ops256K/pow2", lambda: x.pow(2)),
        ("Ops256K/clamp", lambda: x.clamp(-0.5, 0.5)),
        ("Ops256K/to-float64", lambda: x.double()),
        ("Ops256K/gt", lambda: x > y),
        ("Ops256K/where", lambda: torch.where(mask, x, y)),
        ("Ops256K/max-dim1", lambda: x.amax(1)),
        ("Ops256K/argmax-dim1", lambda: x.argmax(1)),
        ("Ops256K/logsoftmax-dim1", lambda: torch.log_softmax(x, 1)),
        ("TransposedOperands/contiguous", lambda: w.t().contiguous()),
        ("TransposedOperands/add", lambda: w.t() + wy),
        ("TransposedOperands/mul-scalar", lambda: w.t() * 2),
        ("TransposedOperands/relu", lambda: torch.relu(w.t())),
        ("TransposedOperands/heads", lambda: h.permute(0, 2, 1, 3).contiguous()),
        ("CrossEntropy", xent),
    ]
    for name, f in cases:
        for _ in range(5):
            f()
        best = float("inf")
        for _ in range(5):
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < 0.2:
                f()
                n += 1
            best = min(best, (time.perf_counter() - start) / n)
        print("%-32s %10.1f us" % (name, best * 1e6))


if __name__ == "__main__":
    main()
