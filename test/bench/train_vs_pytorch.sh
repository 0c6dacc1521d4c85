#!/usr/bin/env bash
# The main job side by side with PyTorch on this machine: ctgrad-train and test/bench/pytorch_mlp.py
# (the same model, initialisation, optimiser, batch and data), relu and sigmoid, 5 epochs each,
# each with 1 thread and with 2 threads (ctgrad-train --threads=2, torch.set_num_threads(2)).
# Prints test accuracies, median seconds per epoch, the ratio PyTorch / ctgrad at the same thread
# count, and a thread-scaling table (s/epoch with 1 thread / with 2 threads, measured in the same
# run). Needs python3-torch and python3-numpy (.ci/deps --bench).
# Usage: test/bench/train_vs_pytorch.sh [build dir, default build] [epochs, default 5]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
epochs=${2:-5}
train=$build/src/tools/ctgrad-train
[ -x "$train" ] || { echo "build ctgrad-train first: meson compile -C $build ctgrad-train" >&2; exit 2; }
/usr/bin/python3 -c 'import torch, numpy' 2> /dev/null || { echo "PyTorch not installed (apt-get install python3-torch python3-numpy); skipped"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$train" --activation=relu,sigmoid --epochs="$epochs" --quiet --plot= --threads=1 --history_csv="$work/ctgrad1.csv" > /dev/null
"$train" --activation=relu,sigmoid --epochs="$epochs" --quiet --plot= --threads=2 --history_csv="$work/ctgrad2.csv" > /dev/null
/usr/bin/python3 "$root/test/bench/pytorch_mlp.py" --epochs "$epochs" --threads 1 > "$work/torch1.csv"
/usr/bin/python3 "$root/test/bench/pytorch_mlp.py" --epochs "$epochs" --threads 2 > "$work/torch2.csv"
/usr/bin/python3 - "$work" "$epochs" <<'PY'
import csv, statistics, sys
work, epochs = sys.argv[1], int(sys.argv[2])
def rows(path):
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            out.setdefault(r["activation"], []).append(r)
    return out
runs = {k: rows(f"{work}/{k}.csv") for k in ("ctgrad1", "ctgrad2", "torch1", "torch2")}
med = lambda rs: statistics.median(float(r["seconds"]) for r in rs)
print(f"| activation | framework | test accuracy after {epochs} epochs | median s/epoch | PyTorch / ctgrad |")
print("|---|---|---|---|---|")
for act in ("relu", "sigmoid"):
    for threads in (1, 2):
        base = med(runs[f"ctgrad{threads}"][act])
        unit = "thread" if threads == 1 else "threads"
        for name, key in ((f"ctgrad, {threads} {unit}", f"ctgrad{threads}"), (f"PyTorch, {threads} {unit}", f"torch{threads}")):
            d = runs[key][act]
            print(f"| {act} | {name} | {float(d[-1]['val_accuracy']):.4f} | {med(d):.3f} | {med(d) / base:.2f}x |")
print()
print("| activation | framework | s/epoch, 1 thread | s/epoch, 2 threads | speed-up 1 → 2 threads |")
print("|---|---|---|---|---|")
for act in ("relu", "sigmoid"):
    for name, k in (("ctgrad", "ctgrad"), ("PyTorch", "torch")):
        one, two = med(runs[f"{k}1"][act]), med(runs[f"{k}2"][act])
        print(f"| {act} | {name} | {one:.3f} | {two:.3f} | {one / two:.2f}x |")
PY
