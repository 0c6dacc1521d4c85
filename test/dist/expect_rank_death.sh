#!/usr/bin/env bash
# A rank that dies ends the whole job: runs `mpirun ... rank_death HOW` under `timeout` and passes
# when mpirun exits non-zero before the timeout and its own messages name rank 1 ("process rank 1"
# for a signal; the process name [[job,1],1], whose last number is the rank, for an exit status).
# Prints how long mpirun took to end the job after rank 1 died.
# Usage: expect_rank_death.sh SECONDS HOW mpirun [mpirun args...] rank_death
set -u
seconds=$1 how=$2
shift 2
start=$(date +%s)
out=$(timeout --kill-after=5 "$seconds" "$@" "$how" 2>&1)
status=$?
end=$(date +%s.%N)
echo "$out"
died=$(sed -n 's/^rank_death: dying ([a-z]*) at \([0-9.]*\)$/\1/p' <<<"$out")
after=$(python3 -c "print(f'{$end - $died:.2f}')" 2>/dev/null || echo "?")
echo "--- mpirun exited with status $status, $after s after rank 1 died"
if [ $(( $(date +%s) - start )) -ge "$seconds" ]; then
  echo "FAIL: mpirun was still running after $seconds s (the job hung)"
  exit 1
fi
if [ "$status" -eq 0 ]; then
  echo "FAIL: mpirun exited 0 although rank 1 died"
  exit 1
fi
if ! grep -q -E "process rank 1 |Process name: \[\[[0-9]+,[0-9]+\],1\]" <<<"$out"; then
  echo "FAIL: mpirun's messages do not name rank 1"
  exit 1
fi
echo "ok: rank 1's death ended the job"
