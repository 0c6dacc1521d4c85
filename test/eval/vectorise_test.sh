#!/usr/bin/env bash
# Proves that ctgrad's fused loops auto-vectorise without -ffast-math: compiles
# vectorise_test.programs.cpp once per program at -O3 -march=x86-64-v3 and reads the compiler's
# vectorisation report for the kernel loops of ctgrad/eval/compile.hpp (run_kernel to run_group, found
# by their text, so edits elsewhere in compile.hpp do not matter). A program passes when at least one
# kernel loop is reported vectorised and none is reported "not vectorised".
# With GCC, programs -1 and -2 (gemv_float, gemv_double) check the matrix-vector loops of
# ctgrad/eval/gemm.hpp: the first loop of dot (the groups of 16 partial sums), of axpy4 and of axpy
# (found by their function's text) must each be reported vectorised, not "not vectorised", and not
# as an in-order reduction (which GCC also reports as vectorised: a single running sum would pass
# the first two checks). GCC only: the last check reads a note of GCC's report.
# A loop over chunks whose inner loop is the vector loop (the reductions' 16 lanes) carries the comment
# "chunk loop: not vectorised itself" in compile.hpp: a "not vectorised" report at that line is
# accepted only if the next line's loop, its inner loop, is reported vectorised in the same program.
# Programs listed in KNOWN_SCALAR are known not to vectorise yet (reason in docs/activations.md): they
# must still fail, so that the list shrinks as soon as one is fixed.
# usage: vectorise_test.sh <gcc|clang> <include dir> <vectorise_test.programs.cpp> <compiler command...>
set -u
id=$1; inc=$2; src=$3; shift 3
case $id in
  gcc)   report=(-fopt-info-vec-all); good='optimized: loop vectorized'; bad="missed: couldn't vectorize loop"
         why='missed: not vectorized: ' ;;
  clang) report=(-Rpass=loop-vectorize -Rpass-missed=loop-vectorize -Rpass-analysis=loop-vectorize)
         good='remark: vectorized loop'; bad='remark: loop not vectorized'; why='remark: loop not vectorized: ' ;;
  *) echo "vectorise_test: compiler '$id' is not supported (gcc, clang)"; exit 77 ;;
esac

# Empty: every activation and its derivative vectorises (gelu, the last one, since erfc_core's
# continued fraction is fully unrolled and gelu_cdf's max became a bit-mask blend).
KNOWN_SCALAR=${CTGRAD_KNOWN_SCALAR-""}

compile_hpp=$inc/ctgrad/eval/compile.hpp
first=$(grep -n 'absl::Status run_kernel()' "$compile_hpp" | head -1 | cut -d: -f1)
last=$(grep -n 'void run_pair()' "$compile_hpp" | head -1 | cut -d: -f1)  # the end of run_group_impl
if [ -z "$first" ] || [ -z "$last" ]; then echo "vectorise_test: cannot find run_kernel/run_reduce in $compile_hpp"; exit 1; fi
names=(chain_float chain_double)
# The activations, in the registry's order, asked of the preprocessor (CTGRAD_ACTIVATIONS in
# fn/registry.hpp, as Meson does for ctgrad-train); each program is then compiled with
# -DCTGRAD_VEC_ACTIVATIONS=<their count>, which vectorise_test.programs.cpp checks against
# activation_list, so that a list that lost activations fails instead of checking fewer programs.
acts=$(printf '#include "ctgrad/fn/registry.hpp"\n#define CTGRAD_VEC_NAME(id) id\nCTGRAD_VEC_NAMES: CTGRAD_ACTIVATIONS(CTGRAD_VEC_NAME)\n' |
       "$@" -std=c++20 -I"$inc" -E -P -x c++ - 2>/dev/null | sed -n 's/^CTGRAD_VEC_NAMES: //p')
n_acts=0
for f in $acts; do
  names+=("$f" "$f'"); n_acts=$((n_acts + 1))
done
if [ "$n_acts" -eq 0 ]; then echo "vectorise_test: the preprocessor found no activations in CTGRAD_ACTIVATIONS ($inc/ctgrad/fn/registry.hpp)"; exit 1; fi
names+=("user_fn" "user_fn'")  # a user's elementwise function of three arguments (ops/function.hpp)

# The chunk loops (line numbers in compile.hpp).
chunk_lines=$(grep -n 'chunk loop: not vectorised itself' "$compile_hpp" | cut -d: -f1)

in_kernels() {  # keep report lines located in compile.hpp's kernel loops
  grep -F "compile.hpp:" | while IFS= read -r l; do
    n=$(printf '%s' "$l" | sed -E 's/.*compile\.hpp:([0-9]+):.*/\1/')
    if [ "$n" -ge "$first" ] && [ "$n" -le "$last" ]; then printf '%s\n' "$l"; fi
  done
}

# gemm.hpp's matrix-vector loops (GCC): the line of the first `for` in each function.
gemm_hpp=$inc/ctgrad/eval/gemm.hpp
gemv_ids=(); gemv_names=(); gemv_lines=()
in_order='using an in-order (fold-left) reduction'  # vectorised multiplies, additions one by one
if [ "$id" = gcc ]; then
  gemv_ids=(-1 -2); gemv_names=(gemv_float gemv_double)
  for fn in 'inline T dot(' 'inline void axpy4(' 'inline void axpy('; do
    n=$(awk -v fn="$fn" 'index($0, fn) { f = 1 } f && /for \(/ { print NR; exit }' "$gemm_hpp")
    if [ -z "$n" ]; then echo "vectorise_test: cannot find the loop of '$fn' in $gemm_hpp"; exit 1; fi
    gemv_lines+=("$n")
  done
fi

# Compile every program, as many at a time as there are cores (each is a separate compiler run).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
max_jobs=${CTGRAD_JOBS:-$(nproc)}
common=(-std=c++20 -O3 -march=x86-64-v3)
# With GCC, a header that includes ctgrad/ctgrad.hpp is precompiled once and force-included
# (parsing ctgrad.hpp was three quarters of each program's compile time); GCC takes tmp/all.hpp.gch
# for tmp/all.hpp, and the program's own #include of ctgrad.hpp is then skipped (#pragma once). A
# precompiled header GCC cannot use is ignored (the header is parsed as usual), so this never
# changes what is checked, only how long it takes.
pch=()
if [ "$id" = gcc ]; then
  printf '#include "ctgrad/ctgrad.hpp"\n' > "$tmp/all.hpp"
  if "$@" "${common[@]}" -I"$inc" -x c++-header "$tmp/all.hpp" -o "$tmp/all.hpp.gch" > "$tmp/pch.out" 2>&1; then
    pch=(-include "$tmp/all.hpp")
  fi
fi
for k in "${!names[@]}" "${gemv_ids[@]}"; do
  flags=("${report[@]}")
  if [ "$k" -lt 0 ]; then flags=(-fopt-info-vec-all-internals); fi  # names the in-order reductions
  ( "$@" "${common[@]}" "${flags[@]}" "${pch[@]}" -I"$inc" -DCTGRAD_VEC_PROGRAM="$k" -DCTGRAD_VEC_ACTIVATIONS="$n_acts" -c "$src" \
      -o /dev/null > "$tmp/$k.out" 2>&1; echo $? > "$tmp/$k.rc" ) &
  while [ "$(jobs -rp | wc -l)" -ge "$max_jobs" ]; do sleep 0.2; done
done
wait

fail=0
for k in "${!names[@]}"; do
  name=${names[$k]}
  out=$(cat "$tmp/$k.out")
  if [ "$(cat "$tmp/$k.rc")" -ne 0 ]; then printf '%s\n' "$out" | head -30; echo "vectorise_test: program $k ($name) does not compile"; exit 1; fi
  kern=$(printf '%s\n' "$out" | in_kernels)
  n_good=$(printf '%s\n' "$kern" | grep -cF "$good")
  n_bad=$(printf '%s\n' "$kern" | grep -cF "$bad")
  for n in $chunk_lines; do  # a chunk loop's report does not count when its inner loop vectorised
    if printf '%s\n' "$kern" | grep -F "compile.hpp:$n:" | grep -qF "$bad" &&
       printf '%s\n' "$kern" | grep -F "compile.hpp:$((n + 1)):" | grep -qF "$good"; then
      n_bad=$((n_bad - $(printf '%s\n' "$kern" | grep -F "compile.hpp:$n:" | grep -cF "$bad")))
    fi
  done
  known=0; for s in $KNOWN_SCALAR; do [ "$s" = "$name" ] && known=1; done
  if [ "$n_good" -gt 0 ] && [ "$n_bad" -eq 0 ]; then
    if [ $known -eq 1 ]; then
      echo "now vectorised: $name (program $k): remove it from KNOWN_SCALAR in $0 and docs/activations.md"; fail=$((fail + 1))
    else
      echo "vectorised:     $name (program $k)"
    fi
  else
    reason=$(printf '%s\n' "$out" | grep -F "$why" | grep -v -e absl -e '/c++/' | head -1 | sed -E "s/.*$why//")
    if [ $known -eq 1 ]; then
      echo "known scalar:   $name (program $k): ${reason:-no report}"
    else
      echo "NOT vectorised: $name (program $k): ${reason:-no report}"; fail=$((fail + 1))
    fi
  fi
done
for g in "${!gemv_ids[@]}"; do
  k=${gemv_ids[$g]}; name=${gemv_names[$g]}
  out=$(cat "$tmp/$k.out")
  if [ "$(cat "$tmp/$k.rc")" -ne 0 ]; then printf '%s\n' "$out" | head -30; echo "vectorise_test: program $k ($name) does not compile"; exit 1; fi
  missing=""
  for n in "${gemv_lines[@]}"; do
    at=$(printf '%s\n' "$out" | grep -F "gemm.hpp:$n:")
    if ! printf '%s\n' "$at" | grep -qF "$good" || printf '%s\n' "$at" | grep -qF -e "$bad" -e "$in_order"; then
      missing="$missing $n"
    fi
  done
  if [ -z "$missing" ]; then
    echo "vectorised:     $name (program $k): gemm.hpp lines ${gemv_lines[*]}"
  else
    echo "NOT vectorised: $name (program $k): gemm.hpp line(s)$missing"; fail=$((fail + 1))
  fi
done
echo "$((${#names[@]} + ${#gemv_ids[@]})) programs, $fail unexpected"
[ $fail -eq 0 ]
