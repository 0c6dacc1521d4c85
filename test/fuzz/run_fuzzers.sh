#!/usr/bin/env bash
# Runs each libFuzzer harness of a build configured with -Dfuzz=enabled for a bounded time and fails
# on any crash, leak, timeout, out-of-memory or invariant violation (see docs/reliability.md).
# Usage: test/fuzz/run_fuzzers.sh BUILD_DIR SECONDS [FUZZER...]   (FUZZER: idx gzip checkpoint)
# The seed corpus in test/fuzz/corpus/<name> is read, never written: new inputs go to
# BUILD_DIR/fuzz/corpus/<name>, crashing inputs to BUILD_DIR/fuzz/artifacts/<name>-crash-<sha1>.
# A crashing input becomes a regression test: add it to test/io/*_test.cpp (the readers must return
# an absl::Status naming the file) and, if small, to the seed corpus.
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [idx|gzip|checkpoint ...]" >&2
  exit 2
fi
build=$1 seconds=$2
shift 2
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(idx gzip checkpoint)
here=$(cd "$(dirname "$0")" && pwd)

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:print_stacktrace=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# The harnesses run side by side (each is one process on one core), so the wall time is SECONDS
# rather than SECONDS per reader; their reports are printed afterwards, in order.
fail=0
declare -A pid
for name in "${names[@]}"; do
  exe=$build/test/fuzz/fuzz_$name
  if [ ! -x "$exe" ]; then
    echo "fuzz_$name: $exe is missing (configure with CXX=clang++ -Dfuzz=enabled and build it)" >&2
    fail=1
    continue
  fi
  corpus=$build/fuzz/corpus/$name
  artifacts=$build/fuzz/artifacts
  mkdir -p "$corpus" "$artifacts"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds memory (the readers cap
  # their allocations far lower); -max_len 4096 keeps inputs near the size of the seeds' variants.
  "$exe" "$corpus" "$here/corpus/$name" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" >"$build/fuzz/$name.log" 2>&1 &
  pid[$name]=$!
done
for name in "${names[@]}"; do
  [ -n "${pid[$name]:-}" ] || continue
  wait "${pid[$name]}"
  rc=$?
  log=$build/fuzz/$name.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+')
  if [ $rc -eq 0 ]; then
    echo "fuzz_$name: ok, ${execs:-?} executions in ${seconds} s (${cov:-no stats}); log $log"
  else
    fail=1
    echo "fuzz_$name: FAILED (exit $rc) after ${execs:-?} executions; log $log" >&2
    grep -E 'ERROR: |SUMMARY: |invariant violated|Test unit written to' "$log" | head -8 >&2
  fi
done
exit $fail
