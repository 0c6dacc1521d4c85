#!/usr/bin/env bash
# Runs the whole comparison of issue 7 and writes docs/benchmarks.md: the Google Benchmark programs
# (W1 fused, W2 regression, W3/W7 train_step, W4 gemm, W5 scalar_grad; 5 repetitions, medians,
# JSON), PyTorch's W1 (test/bench/pytorch_fused.py) when python3-torch is installed, and
# test/bench/train_vs_pytorch.sh (when ctgrad-train is built). One thread everywhere
# (OPENBLAS_NUM_THREADS=1, torch 1 thread).
# Usage: test/bench/run_benchmarks.sh [build dir, default build]   (configured with -Dbenchmarks=enabled)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=$build/bench-results
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.txt "$out"/*.md
export OPENBLAS_NUM_THREADS=1

meson compile -C "$build" -j 1 fused_bench regression_bench train_step_bench scalar_grad_bench gemm_bench > "$out/build.txt" 2>&1 ||
  { cat "$out/build.txt" >&2; echo "run_benchmarks: building the benchmarks failed" >&2; exit 1; }

for b in fused regression train_step gemm scalar_grad; do
  bin=$build/test/bench/${b}_bench
  echo "== $b" >&2
  "$bin" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
    --benchmark_out="$out/$b.json" --benchmark_out_format=json > /dev/null 2> "$out/$b.stderr.txt" ||
    { cat "$out/$b.stderr.txt" >&2; echo "run_benchmarks: $b failed (see above)" >&2; }
done

if /usr/bin/python3 -c 'import torch' 2> /dev/null; then
  echo "== pytorch_fused" >&2
  /usr/bin/python3 "$root/test/bench/pytorch_fused.py" > "$out/pytorch_fused.json"
else
  echo "PyTorch not installed (apt-get install python3-torch): W1's PyTorch row skipped" | tee "$out/pytorch_skipped.txt" >&2
fi

echo "== train_vs_pytorch" >&2
bash "$root/test/bench/train_vs_pytorch.sh" "$build" > "$out/train_vs_pytorch.md" 2> "$out/train_vs_pytorch.stderr.txt" ||
  echo "train_vs_pytorch.sh failed: $(cat "$out/train_vs_pytorch.stderr.txt")" >&2

echo "== compile_cost" >&2
bash "$root/test/bench/compile_cost.sh" g++ "2 4 8 16" "$build" > "$out/compile_cost.md" 2> "$out/compile_cost.stderr.txt" ||
  echo "compile_cost.sh failed: $(cat "$out/compile_cost.stderr.txt")" >&2

lscpu > "$out/lscpu.txt"
/usr/bin/python3 "$root/test/bench/bench_report.py" --results "$out" --build "$build" --out "$root/docs/benchmarks.md"
echo "wrote $root/docs/benchmarks.md" >&2
