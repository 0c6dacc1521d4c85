#!/usr/bin/env bash
# Proves that loops calling ctgrad::math functions auto-vectorise (no -ffast-math): compiles
# vec_math.cpp with the project's compiler at -O2 -march=x86-64-v3 and requires the compiler's own
# vectorisation report for every source line marked VEC(...).
# usage: check_vectorised.sh <gcc|clang> <include dir> <vec_math.cpp> <compiler command...>
set -u
id=$1; inc=$2; src=$3; shift 3
case $id in
  gcc)   report=(-fopt-info-vec-optimized); pattern='optimized: loop vectorized' ;;
  clang) report=(-Rpass=loop-vectorize);    pattern='remark: vectorized loop' ;;
  *) echo "check_vectorised: compiler '$id' is not supported (gcc, clang)"; exit 77 ;;
esac
out=$("$@" -std=c++20 -O2 -march=x86-64-v3 "${report[@]}" -I"$inc" -c "$src" -o /dev/null 2>&1)
status=$?
if [ $status -ne 0 ]; then echo "$out"; echo "check_vectorised: $src does not compile"; exit 1; fi
base=$(basename "$src")
vectorised=$(printf '%s\n' "$out" | grep -F "$pattern" | grep -o "$base:[0-9]*:" | cut -d: -f2 | sort -un)
fail=0; total=0
while IFS= read -r entry; do
  line=${entry%%:*}; name=$(printf '%s' "${entry#*:}" | sed -E 's/.*VEC\(([^)]*)\).*/\1/')
  total=$((total + 1))
  if printf '%s\n' "$vectorised" | grep -qx "$line"; then
    echo "vectorised:     $name (line $line)"
  else
    echo "NOT vectorised: $name (line $line)"; fail=$((fail + 1))
  fi
done < <(grep -n 'VEC(' "$src" | grep -v -e '#define' -e '^[0-9]*: *//')
echo "$((total - fail)) passed, $fail failed"
[ $fail -eq 0 ]
