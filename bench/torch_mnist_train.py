"""PyTorch reference for `eager train`: the same models, recipe and data (the MNIST files
bundled in data/mnist), timed on the same machine. Run with Debian's torch:

    /usr/bin/python3 bench/torch_mnist_train.py --model mlp --epochs 3
    /usr/bin/python3 bench/torch_mnist_train.py --model cnn --epochs 2

Recipe as eager's defaults: normalise with mean 0.1307 / std 0.3081, batch 64, Adam lr 1e-3,
shuffled every epoch, evaluation on the 10,000 test images after every epoch.
"""
import argparse, gzip, os, struct, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST = os.path.join(HERE, "..", "data", "mnist")


def idx(name):
    with gzip.open(os.path.join(MNIST, name + ".gz"), "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(train):
    p = "train" if train else "t10k"
    x = torch.tensor(idx(p + "-images-idx3-ubyte"), dtype=torch.float32) / 255.0
    x = (x - 0.1307) / 0.3081
    y = torch.tensor(idx(p + "-labels-idx1-ubyte"), dtype=torch.int64)
    return x, y


def model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="mlp")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: default)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    xtr, ytr = load(True)
    xte, yte = load(False)
    if a.model == "cnn":
        xtr, xte = xtr.unsqueeze(1), xte.unsqueeze(1)
    m = model(a.model)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    total = time.time()
    for epoch in range(a.epochs):
        start = time.time()
        perm = torch.randperm(len(xtr))
        m.train()
        for i in range(0, len(xtr), 64):
            idx_ = perm[i:i + 64]
            loss = F.cross_entropy(m(xtr[idx_]), ytr[idx_])
            opt.zero_grad()
            loss.backward()
            opt.step()
        el = time.time() - start
        m.eval()
        with torch.no_grad():
            acc = sum((m(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, len(xte), 1000)) / len(xte)
        print(f"epoch {epoch + 1}: test accuracy {100 * acc:.2f}%, {len(xtr) / el:.0f} samples/s, {el:.1f} s")
    print(f"total {time.time() - total:.1f} s (torch {torch.__version__}, {torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
