#!/usr/bin/env bash
# W6, compile cost: g++ -O2 time and peak memory of one translation unit that instantiates the whole
# trainer (forward, compile-time gradient, compiled program, Adam, evaluation) of a ReLU MLP with
# 2, 4, 8 and 16 dense layers (784-64-...-64-10), and of ctgrad-train's own model TU (784-128-10).
# Prints a Markdown table: layers | seconds (user) | peak MiB | seconds per layer. With a build
# directory (configured with the tools), also a table of ctgrad-train's own translation units, each
# compiled with its exact build command (from `ninja -t commands`) and with that command at -O2, and
# their totals.
#
# Then the scalar graph shapes of issue 19, each at growing sizes N (test/bench/compile_cost/*.cpp, one
# function per translation unit, as a user writes it, compiled at -O2): the W5 function's gradient
# with value_and_grad_at (N variables) beside the same function with Eigen's AutoDiffScalar written
# as a fold over the terms (the source's shape) and as a run-time loop; a deep recurrence
# h = tanh(w_k h + b_k) (depth N, 2N variables); a wide sum whose N variables are shared by about
# five terms each; a Hessian row (grad of a gradient) of the W5 function; and the W5 function's
# describe() and hessian_pattern() (autodiff/inspect.hpp); the W5 function's whole Hessian with its
# gradient (hessian() and value_grad_hessian_at, issue 23) beside Eigen's nested AutoDiffScalar
# (AutoDiffScalar<Matrix<AutoDiffScalar<Matrix<double, N, 1>>, N, 1>>), fold and loop as for W5
# (CC_SHAPES=hessian, sizes CC_HESSIAN_SIZES, default 8 16); the W5 gradient with each term one
# elementwise function of the user's own of two arguments (ops/function.hpp; CC_SHAPES=user_fn); a
# chain of N opaque ops (ops/opaque.hpp) compiled with its gradient (CC_SHAPES=opaque), the same
# chain of built-in tensor ops (CC_SHAPES=tensor_chain), and a wide tensor sum of N terms compiled
# with its gradient (CC_SHAPES=wide_tensor). With the fixed cost (a
# unit that only includes ctgrad/scalar.hpp, the header those sources include; ctgrad.hpp's and
# Eigen's beside it) and, per shape, the least-squares slope of seconds per N and the growth of the
# last doubling. CC_SHAPES="" skips them; CC_PLOT=file also writes the W5
# series as gnuplot data (N, ctgrad s, ctgrad MiB, Eigen fold s, MiB, Eigen loop s, MiB).
# Usage: test/bench/compile_cost.sh [compiler, default g++] [depths, default "2 4 8 16"; none: no MLP] [build dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cxx=${1:-g++}
depths=${2:-2 4 8 16}
build=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c++20 -O2 -march=native -I"$root/include" -c)
[ "$depths" = none ] && depths=""
[ -n "$depths" ] && echo "| layers | user seconds | peak MiB | seconds per layer |" && echo "|---|---|---|---|"
for d in $depths; do
  sizes=784; for ((i = 1; i < d; ++i)); do sizes+=", 64"; done; sizes+=", 10"
  cat > "$work/mlp$d.cpp" <<CPP
#include "ctgrad/fn/activations.hpp"
#include "ctgrad/nn/trainer.hpp"
template class ctgrad::nn::trainer<ctgrad::nn::mlp<ctgrad::fn::relu, float, $sizes>>;
CPP
  /usr/bin/time -f '%U %M' -o "$work/t$d" "$cxx" "${flags[@]}" "$work/mlp$d.cpp" -o "$work/mlp$d.o"
  read -r user kb < "$work/t$d"
  awk -v d="$d" -v u="$user" -v kb="$kb" 'BEGIN { printf "| %d | %.1f | %.0f | %.2f |\n", d, u, kb / 1024, u / d }'
done

# ---- scalar graph shapes (issue 19) -------------------------------------------------------------
shapes=${CC_SHAPES-w5 recurrence shared_vars hessian_row inspect hessian user_fn opaque tensor_chain wide_tensor}
if [ -n "$shapes" ]; then
  src=$root/test/bench/compile_cost
  eigen_inc=$(pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3)
  # clang counts the statements of a constant evaluation against -fconstexpr-steps (default 2^20);
  # the flat programs of the larger sizes need more (docs/errors.md).
  steps=()
  "$cxx" --version | grep -q clang && steps=(-fconstexpr-steps=100000000)
  measure() {  # measure FILE N [flags...]: prints "seconds MiB" (user CPU, peak RSS) of one -O2 compile
    local file=$1 n=$2
    shift 2
    /usr/bin/time -f '%U %M' -o "$work/m" "$cxx" -std=c++20 -O2 "${steps[@]}" -I"$root/include" -DCTGRAD_CC_N="$n" "$@" \
      -c "$src/$file" -o "$work/m.o"
    awk '{ printf "%.1f %.0f", $1, $2 / 1024 }' "$work/m"
  }
  # The fixed cost: a unit that only includes what the shapes' sources include (ctgrad/scalar.hpp),
  # and for comparison the umbrella header and Eigen's AutoDiff headers.
  headers_only() {  # headers_only NAME INCLUDE [flags...]: prints "seconds KiB"
    local name=$1 inc=$2
    shift 2
    printf '#include %s\n' "$inc" > "$work/$name.cpp"
    /usr/bin/time -f '%U %M' -o "$work/$name.t" "$cxx" -std=c++20 -O2 -I"$root/include" "$@" -c "$work/$name.cpp" \
      -o "$work/$name.o"
    cat "$work/$name.t"
  }
  read -r fixed fixed_kb <<< "$(headers_only scalar '"ctgrad/scalar.hpp"')"
  read -r umbrella umbrella_kb <<< "$(headers_only umbrella '"ctgrad/ctgrad.hpp"')"
  printf '#include <Eigen/Core>\n' > "$work/eigen_core.hpp"
  read -r eigen_fixed eigen_kb <<< "$(headers_only eigen '<unsupported/Eigen/AutoDiff>' $eigen_inc -include "$work/eigen_core.hpp")"
  echo
  printf 'Fixed cost (a unit that only includes `ctgrad/scalar.hpp`, the header the sources below include): %.1f s, %d MiB (`ctgrad/ctgrad.hpp`: %.1f s, %d MiB; Eigen'"'"'s `AutoDiff`: %.1f s, %d MiB).\n' \
    "$fixed" "$(( fixed_kb / 1024 ))" "$umbrella" "$(( umbrella_kb / 1024 ))" "$eigen_fixed" "$(( eigen_kb / 1024 ))"
  echo
  echo "| graph | N | ctgrad s | ctgrad MiB | Eigen AutoDiffScalar, fold: s | MiB | Eigen, loop: s | MiB |"
  echo "|---|---|---|---|---|---|---|---|"
  fits=""
  for shape in $shapes; do
    case $shape in
      w5) file=w5_ctgrad.cpp sizes=${CC_W5_SIZES:-8 16 32 64} label="W5 gradient" ;;
      recurrence) file=recurrence.cpp sizes=${CC_REC_SIZES:-16 32 64} label="recurrence, depth N" ;;
      shared_vars) file=shared_vars.cpp sizes=${CC_SHARED_SIZES:-32 64 128} label="shared variables" ;;
      hessian_row) file=hessian_row.cpp sizes=${CC_HESS_SIZES:-8 16 32} label="W5 Hessian row" ;;
      inspect) file=w5_inspect.cpp sizes=${CC_INSPECT_SIZES:-8 16 32} label="W5 describe + Hessian pattern" ;;
      hessian) file=w5_hessian.cpp sizes=${CC_HESSIAN_SIZES:-8 16} label="W5 Hessian + gradient" ;;
      user_fn) file=w5_user_fn.cpp sizes=${CC_USER_FN_SIZES:-8 16 32 64} label="W5 gradient, a user's function per term" ;;
      opaque) file=opaque_chain.cpp sizes=${CC_OPAQUE_SIZES:-8 16 32} label="chain of N opaque ops, compiled with its gradient" ;;
      tensor_chain) file=tensor_chain.cpp sizes=${CC_TENSOR_CHAIN_SIZES:-8 16 32 64} label="tensor chain h = tanh(h w_k), depth N, compiled with its gradient" ;;
      wide_tensor) file=wide_tensor.cpp sizes=${CC_WIDE_TENSOR_SIZES:-20 40 80 160} label="wide tensor sum of N terms tanh(x w_k), compiled with its gradient in x" ;;
      *) echo "compile_cost.sh: unknown shape '$shape'" >&2; exit 2 ;;
    esac
    pts=""
    for n in $sizes; do
      read -r cs cm <<< "$(measure "$file" "$n")"
      es="–" em="–" ls="–" lm="–"
      if [ "$shape" = w5 ]; then
        read -r es em <<< "$(measure w5_eigen.cpp "$n" $eigen_inc)"
        read -r ls lm <<< "$(measure w5_eigen.cpp "$n" $eigen_inc -DCTGRAD_CC_EIGEN_LOOP=1)"
        [ -n "${CC_PLOT:-}" ] && echo "$n $cs $cm $es $em $ls $lm" >> "$CC_PLOT"
      elif [ "$shape" = hessian ]; then  # Eigen's nested AutoDiffScalar
        read -r es em <<< "$(measure w5_hessian_eigen.cpp "$n" $eigen_inc)"
        read -r ls lm <<< "$(measure w5_hessian_eigen.cpp "$n" $eigen_inc -DCTGRAD_CC_EIGEN_LOOP=1)"
      fi
      echo "| $label | $n | $cs | $cm | $es | $em | $ls | $lm |"
      pts+="$n $cs $cm;"
    done
    fits+="$label|$pts"$'\n'
  done
  echo
  echo "| graph | seconds per unit of N (least squares) | last doubling of N: time x, memory x | above the fixed cost: time x |"
  echo "|---|---|---|---|"
  while IFS='|' read -r label pts; do
    [ -n "$label" ] || continue
    awk -v label="$label" -v pts="$pts" -v fixed="$fixed" 'BEGIN {
      k = split(pts, p, ";"); m = 0
      for (i = 1; i <= k; ++i) if (split(p[i], f, " ") == 3) { ++m; x[m] = f[1]; y[m] = f[2]; r[m] = f[3] }
      sx = sy = sxx = sxy = 0
      for (i = 1; i <= m; ++i) { sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i] }
      slope = (m * sxy - sx * sy) / (m * sxx - sx * sx)
      printf "| %s | %.3f | %.2f, %.2f | %.2f |\n", label, slope, y[m] / y[m - 1], r[m] / r[m - 1],
             (y[m] - fixed) / (y[m - 1] - fixed)
    }'
  done <<< "$fits"
fi

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
