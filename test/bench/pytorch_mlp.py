#!/usr/bin/python3
"""The ctgrad-train experiment in PyTorch, for a side-by-side epoch time and accuracy comparison.

784-128-10 MLP (relu or sigmoid), Keras-like Adam (lr 1e-3, betas 0.9/0.999, eps 1e-7), Glorot-uniform
weights and zero biases, batch 32, shuffled each epoch; reads the same IDX files as ctgrad-train.
Usage: pytorch_mlp.py [--activation relu,sigmoid] [--epochs 5] [--threads N] [--data_dir DIR] [--limit N]
Prints one CSV row per epoch: framework,activation,epoch,loss,accuracy,val_loss,val_accuracy,seconds
"""
import argparse, gzip, os, struct, sys, time

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(data_dir, split, limit=0):
    def find(name):
        for cand in (name + ".gz", name):
            p = os.path.join(data_dir, cand)
            if os.path.exists(p):
                return p
        sys.exit(f"{data_dir}: no {name}[.gz] (apt-get install dataset-fashion-mnist)")
    x = read_idx(find(f"{split}-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(find(f"{split}-labels-idx1-ubyte")).astype(np.int64)
    if limit:
        x, y = x[:limit], y[:limit]
    return torch.from_numpy(x.copy()), torch.from_numpy(y.copy())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--activation", default="relu,sigmoid")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    ap.add_argument("--data_dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    xtr, ytr = load(a.data_dir, "train", a.limit)
    xte, yte = load(a.data_dir, "t10k")
    print("framework,activation,epoch,loss,accuracy,val_loss,val_accuracy,seconds")
    for act in a.activation.split(","):
        torch.manual_seed(a.seed)
        l1, l2 = torch.nn.Linear(784, 128), torch.nn.Linear(128, 10)
        for l in (l1, l2):
            torch.nn.init.xavier_uniform_(l.weight)
            torch.nn.init.zeros_(l.bias)
        model = torch.nn.Sequential(l1, torch.nn.ReLU() if act == "relu" else torch.nn.Sigmoid(), l2)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        lossf = torch.nn.CrossEntropyLoss()
        n = xtr.shape[0]
        for epoch in range(1, a.epochs + 1):
            t0 = time.perf_counter()
            perm = torch.randperm(n)
            tot, correct = 0.0, 0
            model.train()
            for s in range(0, n, a.batch):
                idx = perm[s:s + a.batch]
                xb, yb = xtr[idx], ytr[idx]
                opt.zero_grad()
                out = model(xb)
                loss = lossf(out, yb)
                loss.backward()
                opt.step()
                tot += loss.item() * len(idx)
                correct += (out.argmax(1) == yb).sum().item()
            secs = time.perf_counter() - t0
            with torch.no_grad():
                out = model(xte)
                vl = lossf(out, yte).item()
                va = (out.argmax(1) == yte).float().mean().item()
            print(f"pytorch,{act},{epoch},{tot / n:.6g},{correct / n:.6g},{vl:.6g},{va:.6g},{secs:.6g}", flush=True)


if __name__ == "__main__":
    main()
