#!/usr/bin/env bash
# usage: run_compile_fail.sh SNIPPET COMPILER [COMPILER ARGS...] FLAGS...
# A compile-fail test (after Eigen's failtest): SNIPPET holds one misuse of ctgrad between
# `#ifndef CTGRAD_COMPILE_FAIL_FIXED` and `#else`, and its correction after `#else`. Passes when
#   1. the snippet compiles with -DCTGRAD_COMPILE_FAIL_FIXED (so the misuse, not a typo, is what fails),
#   2. it does not compile as written,
#   3. the first error line contains the snippet's `// expect:` text (ctgrad's own message),
#   4. the diagnostic has at most `// max-errors:` errors (default 1: no cascade after the message),
#   5. and at most `// max-lines:` lines (default 40);
#   6. with g++, a line of the diagnostic contains the snippet's `// expect-note:` text, if it has one
#      (clang++ prints the class template arguments these notes show as lists of numbers).
# Works with g++ and clang++ (both print the static_assert message on the first error line).
set -u
snippet=$1; shift
expect=$(sed -n 's|^// expect: *||p' "$snippet" | head -n1)
max_lines=$(sed -n 's|^// max-lines: *||p' "$snippet" | head -n1); max_lines=${max_lines:-40}
max_errors=$(sed -n 's|^// max-errors: *||p' "$snippet" | head -n1); max_errors=${max_errors:-1}
[ -n "$expect" ] || { echo "$snippet: no '// expect:' line"; exit 2; }
grep -q '^#ifndef CTGRAD_COMPILE_FAIL_FIXED' "$snippet" ||
  { echo "$snippet: no '#ifndef CTGRAD_COMPILE_FAIL_FIXED' block with the corrected code"; exit 2; }

# 1. The corrected snippet must compile.
fixed=$("$@" -fdiagnostics-color=never -DCTGRAD_COMPILE_FAIL_FIXED "$snippet" 2>&1)
if [ $? -ne 0 ]; then
  echo "FAIL: $snippet does not compile with CTGRAD_COMPILE_FAIL_FIXED (the test would pass for the wrong reason)"
  printf '%s\n' "$fixed" | head -n 30; exit 1
fi

# 2.-5. The snippet as written must fail, with ctgrad's message first and nothing after it.
out=$("$@" -fdiagnostics-color=never "$snippet" 2>&1); rc=$?
if [ $rc -eq 0 ]; then echo "FAIL: $snippet compiled, but must not"; exit 1; fi
error_re='(^|: )(fatal )?error: '
first=$(printf '%s\n' "$out" | grep -m1 -E "$error_re")
errors=$(printf '%s\n' "$out" | grep -c -E "$error_re")
lines=$(printf '%s\n' "$out" | wc -l)
echo "first error: $first"
echo "errors: $errors (bound $max_errors); diagnostic lines: $lines (bound $max_lines)"
if ! printf '%s\n' "$first" | grep -qF -- "$expect"; then
  echo "FAIL: first error does not contain: $expect"; printf '%s\n' "$out" | head -n 30; exit 1
fi
if [ "$errors" -gt "$max_errors" ]; then
  echo "FAIL: more errors than the one expected (a cascade)"; printf '%s\n' "$out" | grep -E "$error_re" | head -n 10; exit 1
fi
if [ "$lines" -gt "$max_lines" ]; then echo "FAIL: diagnostic too long"; printf '%s\n' "$out" | head -n 60; exit 1; fi
expect_note=$(sed -n 's|^// expect-note: *||p' "$snippet" | head -n1)
if [ -n "$expect_note" ]; then
  if "$1" --version 2>/dev/null | grep -q clang; then
    echo "expect-note not checked with clang++"
  elif ! printf '%s\n' "$out" | grep -qF -- "$expect_note"; then
    echo "FAIL: no line of the diagnostic contains: $expect_note"; printf '%s\n' "$out" | head -n 30; exit 1
  fi
fi
echo PASS
