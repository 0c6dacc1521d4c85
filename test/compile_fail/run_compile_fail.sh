#!/usr/bin/env bash
# usage: run_compile_fail.sh SNIPPET COMPILER FLAGS...
# Passes when SNIPPET fails to compile, the first error line contains the snippet's `// expect:`
# text, and the diagnostic has at most `// max-lines:` lines (default 40).
set -u
snippet=$1; shift
expect=$(sed -n 's|^// expect: *||p' "$snippet" | head -n1)
max_lines=$(sed -n 's|^// max-lines: *||p' "$snippet" | head -n1); max_lines=${max_lines:-40}
[ -n "$expect" ] || { echo "$snippet: no '// expect:' line"; exit 2; }
out=$("$@" -fdiagnostics-color=never "$snippet" 2>&1); rc=$?
if [ $rc -eq 0 ]; then echo "FAIL: $snippet compiled, but must not"; exit 1; fi
first=$(printf '%s\n' "$out" | grep -m1 -E 'error' )
lines=$(printf '%s\n' "$out" | wc -l)
echo "first error: $first"; echo "diagnostic lines: $lines (bound $max_lines)"
if ! printf '%s\n' "$first" | grep -qF -- "$expect"; then
  echo "FAIL: first error does not contain: $expect"; printf '%s\n' "$out" | head -n 30; exit 1
fi
if [ "$lines" -gt "$max_lines" ]; then echo "FAIL: diagnostic too long"; exit 1; fi
echo PASS
