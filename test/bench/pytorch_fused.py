#!/usr/bin/python3
"""W1 of issue 7 in PyTorch: L = sum(sigmoid(x) * tanh(x) + relu(x)) over 2^20 floats, value and dL/dx
by autograd, on 1 thread (torch.set_num_threads(1)). Prints one JSON object: median ns per element
over --runs timed runs (after warm-up), for run_benchmarks.sh / bench_report.py.
Usage: pytorch_fused.py [--runs 50] [--threads 1]
"""
import argparse, json, statistics, time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    n = 1 << 20
    gen = torch.Generator().manual_seed(7)
    x0 = torch.rand(n, generator=gen, dtype=torch.float32) * 8 - 4

    def step():
        x = x0.detach().requires_grad_(True)
        loss = (torch.sigmoid(x) * torch.tanh(x) + torch.relu(x)).sum()
        loss.backward()
        return loss.item(), x.grad

    for _ in range(5):
        step()
    times = []
    for _ in range(args.runs):
        t0 = time.process_time_ns()  # CPU time, like the C++ side (the machine is shared)
        step()
        times.append(time.process_time_ns() - t0)
    med = statistics.median(times)
    print(json.dumps({"workload": "W1", "framework": "pytorch", "torch": torch.__version__,
                      "threads": args.threads, "runs": args.runs, "median_ns": med,
                      "ns_per_elem": med / n}))


if __name__ == "__main__":
    main()
