#!/usr/bin/env bash
# W6, compile cost: g++ -O2 time and peak memory of one translation unit that instantiates the whole
# trainer (forward, compile-time gradient, compiled program, Adam, evaluation) of a ReLU MLP with
# 2, 4, 8 and 16 dense layers (784-64-...-64-10), and of ctgrad-train's own model TU (784-128-10).
# Prints a Markdown table: layers | seconds (user) | peak MiB | seconds per layer.
# Usage: test/bench/compile_cost.sh [compiler, default g++] [depths, default "2 4 8 16"]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cxx=${1:-g++}
depths=${2:-2 4 8 16}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -O2 -march=native -I"$root/include" -c)
echo "| layers | user seconds | peak MiB | seconds per layer |"
echo "|---|---|---|---|"
for d in $depths; do
  sizes=784; for ((i = 1; i < d; ++i)); do sizes+=", 64"; done; sizes+=", 10"
  cat > "$work/mlp$d.cpp" <<CPP
#include "ctgrad/nn/activations.hpp"
#include "ctgrad/nn/trainer.hpp"
template class ctgrad::nn::trainer<ctgrad::nn::mlp<ctgrad::fn::relu, float, $sizes>>;
CPP
  /usr/bin/time -f '%U %M' -o "$work/t$d" "$cxx" "${flags[@]}" "$work/mlp$d.cpp" -o "$work/mlp$d.o"
  read -r user kb < "$work/t$d"
  awk -v d="$d" -v u="$user" -v kb="$kb" 'BEGIN { printf "| %d | %.1f | %.0f | %.2f |\n", d, u, kb / 1024, u / d }'
done
