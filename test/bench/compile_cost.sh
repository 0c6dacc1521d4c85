#!/usr/bin/env bash
# W6, compile cost: g++ -O2 time and peak memory of one translation unit that instantiates the whole
# trainer (forward, compile-time gradient, compiled program, Adam, evaluation) of a ReLU MLP with
# 2, 4, 8 and 16 dense layers (784-64-...-64-10), and of ctgrad-train's own model TU (784-128-10).
# Prints a Markdown table: layers | seconds (user) | peak MiB | seconds per layer. With a build
# directory (configured with the tools), also a table of ctgrad-train's own translation units, each
# compiled with its exact build command (from `ninja -t commands`) and with that command at -O2, and
# their totals.
# Usage: test/bench/compile_cost.sh [compiler, default g++] [depths, default "2 4 8 16"] [build dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cxx=${1:-g++}
depths=${2:-2 4 8 16}
build=${3:-}
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

if [ -n "$build" ]; then
  echo
  echo "| ctgrad-train translation unit | user seconds, build's flags | peak MiB | user seconds at -O2 | peak MiB at -O2 |"
  echo "|---|---|---|---|---|"
  total=0 peak=0 total2=0 peak2=0
  # The compile commands of the tool's own objects (not libctgrad_support's), run from the build dir:
  # as the build runs them, and with its -O level replaced by -O2 (the flags of the issue's target).
  while IFS= read -r cmd; do
    src=$(grep -o '[^ ]*\.cpp$' <<< "$cmd")
    cmd=$(sed -E "s# -o [^ ]+# -o $work/tu.o#; s# -MF [^ ]+# -MF $work/tu.d#; s# -MQ [^ ]+##" <<< "$cmd")
    cmd2=$(sed -E 's# -O[0-3s]( |$)# -O2 #' <<< "$cmd")
    (cd "$build" && /usr/bin/time -f '%U %M' -o "$work/tu" bash -c "$cmd" > /dev/null)
    (cd "$build" && /usr/bin/time -f '%U %M' -o "$work/tu2" bash -c "$cmd2" > /dev/null)
    read -r user kb < "$work/tu"
    read -r user2 kb2 < "$work/tu2"
    printf '| %s | %.1f | %.0f | %.1f | %.0f |\n' "$(basename "$src")" "$user" "$(( kb / 1024 ))" "$user2" "$(( kb2 / 1024 ))"
    total=$(awk -v t="$total" -v u="$user" 'BEGIN { print t + u }')
    total2=$(awk -v t="$total2" -v u="$user2" 'BEGIN { print t + u }')
    peak=$(( kb > peak ? kb : peak ))
    peak2=$(( kb2 > peak2 ? kb2 : peak2 ))
  done < <(ninja -C "$build" -t commands src/tools/ctgrad-train | grep -- '-o src/tools/ctgrad-train.p/')
  printf '| **total (serial)** | **%.1f** | %.0f (largest unit) | **%.1f** | %.0f (largest unit) |\n' \
    "$total" "$(( peak / 1024 ))" "$total2" "$(( peak2 / 1024 ))"
fi
