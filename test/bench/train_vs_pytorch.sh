#!/usr/bin/env bash
# The main job side by side with PyTorch on this machine: ctgrad-train and test/bench/pytorch_mlp.py
# (the same model, initialisation, optimiser, batch and data), relu and sigmoid, 5 epochs each,
# PyTorch with 1 thread and with its default threads. Prints test accuracies, median seconds per
# epoch and the ratio PyTorch / ctgrad. Needs python3-torch and python3-numpy (.ci/deps --bench).
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
"$train" --activation=relu,sigmoid --epochs="$epochs" --quiet --plot= --history_csv="$work/ctgrad.csv" > /dev/null
/usr/bin/python3 "$root/test/bench/pytorch_mlp.py" --epochs "$epochs" --threads 1 > "$work/torch1.csv"
/usr/bin/python3 "$root/test/bench/pytorch_mlp.py" --epochs "$epochs" > "$work/torchN.csv"
nproc_=$(nproc)
/usr/bin/python3 - "$work" "$epochs" "$nproc_" <<'PY'
import csv, statistics, sys
work, epochs, cores = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rows(path, skip_first=False):
    out = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            out.setdefault(r["activation"], []).append(r)
    return out
c, t1, tn = rows(f"{work}/ctgrad.csv"), rows(f"{work}/torch1.csv"), rows(f"{work}/torchN.csv")
print(f"| activation | framework | test accuracy after {epochs} epochs | median s/epoch | PyTorch / ctgrad |")
print("|---|---|---|---|---|")
for act in ("relu", "sigmoid"):
    med = lambda rs: statistics.median(float(r["seconds"]) for r in rs)
    base = med(c[act])
    for name, d in (("ctgrad", c), ("PyTorch, 1 thread", t1), (f"PyTorch, default threads ({cores} cores)", tn)):
        m = med(d[act])
        print(f"| {act} | {name} | {float(d[act][-1]['val_accuracy']):.4f} | {m:.3f} | {m / base:.2f}x |")
PY
