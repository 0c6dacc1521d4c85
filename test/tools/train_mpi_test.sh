#!/usr/bin/env bash
# ctgrad-train under mpirun (2 ranks), end to end:
#   1. a 2-rank run (every rank computes its half of each batch; the sums run in rank order:
#      data_parallel.hpp) reaches the test accuracy of one process within 0.5 %, and is
#      reproducible (a second 2-rank run has the same history, digit for digit); the ranks'
#      parameters are checked identical after every epoch by the tool itself (a difference would
#      end the run with an error);
#   2. rank 0 alone prints and writes the history, the figure data and the checkpoint;
#   3. the checkpoint records the rank count: resuming it in one process is a clear error, and
#      resuming with 2 ranks continues exactly (equals the uninterrupted run);
#   4. a rank that cannot read the data ends the run on every rank, rank 0 naming it and the cause;
#   5. a rank killed mid-epoch ends the whole job (mpirun names the rank), and the last checkpoint
#      stays readable and resumable.
# usage: train_mpi_test.sh <ctgrad-train> <mpirun> [mpirun args...]
set -uo pipefail
train=$(realpath "$1")
mpirun=$2
shift 2
mpi=("$mpirun" "$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A small copy of the data (uncompressed IDX): 2,000 training and 1,000 test images.
small=$work/data
python3 - /usr/share/datasets/fashion-mnist "$small" 2000 1000 <<'PY' || fail "cannot copy a part of the data"
import gzip, os, sys
src, dst, n_train, n_test = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(dst)
for name, n in (("train-images-idx3-ubyte", n_train), ("train-labels-idx1-ubyte", n_train),
                ("t10k-images-idx3-ubyte", n_test), ("t10k-labels-idx1-ubyte", n_test)):
    data = gzip.open(os.path.join(src, name + ".gz")).read()
    dims = data[3]
    item = 1
    for d in range(1, dims):
        item *= int.from_bytes(data[4 + 4 * d:8 + 4 * d], "big")
    head = 4 + 4 * dims
    with open(os.path.join(dst, name), "wb") as f:
        f.write(data[:4] + n.to_bytes(4, "big") + data[8:head] + data[head:head + n * item])
PY
common=(--data_dir="$small" --activation=relu --seed=3 --plot=)
strip_seconds() { cut -d, -f1-6 "$1"; }  # the history without its timing column

# 1 + 2. Two ranks against one process, and against themselves.
"$train" "${common[@]}" --epochs=2 --history_csv=one.csv --quiet > one.txt 2>&1 \
  || { fail "1-process run failed"; cat one.txt; }
"${mpi[@]}" "$train" "${common[@]}" --epochs=2 --history_csv=two.csv --checkpoint=two > two.txt 2>&1 \
  || { fail "2-rank run failed"; cat two.txt; }
"${mpi[@]}" "$train" "${common[@]}" --epochs=2 --history_csv=again.csv --quiet > again.txt 2>&1 \
  || { fail "second 2-rank run failed"; cat again.txt; }
grep -qF "2 ranks" two.txt || { fail "the 2-rank run does not say it runs on 2 ranks"; cat two.txt; }
[ "$(grep -c "^epoch 2/2 " two.txt)" -eq 1 ] || { fail "epoch lines printed by more than rank 0"; cat two.txt; }
[ "$(strip_seconds two.csv)" = "$(strip_seconds again.csv)" ] \
  || { fail "two 2-rank runs differ"; cat two.csv again.csv; }
python3 - one.csv two.csv <<'PY' || fail "2 ranks do not reach 1 process's test accuracy within 0.5 %"
import csv, sys
acc = [float(list(csv.reader(open(f)))[-1][5]) for f in sys.argv[1:]]  # val_accuracy after the last epoch
print(f"test accuracy: 1 process {acc[0]:.4f}, 2 ranks {acc[1]:.4f}")
sys.exit(0 if abs(acc[0] - acc[1]) <= 0.005 else 1)
PY
[ -s two.relu.ckpt ] || fail "the 2-rank run wrote no checkpoint"

# 3. The checkpoint records 2 ranks.
"$train" "${common[@]}" --epochs=3 --history_csv= --checkpoint=two --resume > r1.txt 2> r1.err
[ $? -eq 1 ] || fail "resuming a 2-rank checkpoint in one process did not fail"
grep -qF "checkpoint ranks is '2' but this run has '1'" r1.err || { fail "no clear error for the rank count"; cat r1.err; }
"${mpi[@]}" "$train" "${common[@]}" --epochs=3 --history_csv=straight.csv --quiet > s.txt 2>&1 || fail "3-epoch 2-rank run failed"
"${mpi[@]}" "$train" "${common[@]}" --epochs=3 --history_csv=resumed.csv --checkpoint=two --resume > r2.txt 2>&1 \
  || { fail "resuming with 2 ranks failed"; cat r2.txt; }
[ "$(strip_seconds resumed.csv)" = "$(strip_seconds straight.csv)" ] \
  || { fail "the resumed 2-rank run differs from the uninterrupted one"; cat straight.csv resumed.csv; }

# 4. Rank 1 cannot read its data. MPMD form (program : program), one rank each, so the mpirun
# args are passed without their "-np N".
args=()
skip=0
for a in "$@"; do  # mpirun args without "-np N": the MPMD form gives each program one rank
  if [ $skip -eq 1 ]; then skip=0; continue; fi
  if [ "$a" = "-np" ] || [ "$a" = "-n" ]; then skip=1; continue; fi
  args+=("$a")
done
"$mpirun" "${args[@]}" -np 1 "$train" "${common[@]}" --epochs=1 --history_csv= \
  : -np 1 "$train" "${common[@]}" --epochs=1 --history_csv= --data_dir="$work/missing" > bad.txt 2>&1
code=$?
[ $code -ne 0 ] || fail "a rank without data did not fail the run"
grep -qF "rank 1: " bad.txt && grep -qF "missing" bad.txt \
  || { fail "the error does not name rank 1 and the missing directory"; cat bad.txt; }

# 5. Kill rank 1 mid-epoch (after epoch 1's checkpoint): the job ends, mpirun names the rank, and
# the checkpoint of epoch 1 is intact and resumable.
rm -f kill.relu.ckpt
"$mpirun" "${args[@]}" -np 1 "$train" "${common[@]}" --epochs=40 --history_csv= --checkpoint=kill --quiet \
  : -np 1 sh -c 'echo $$ > rank1.pid; exec "$0" "$@"' "$train" "${common[@]}" --epochs=40 --history_csv= \
  --checkpoint=kill --quiet > killed.txt 2>&1 &
job=$!
for _ in $(seq 1 2400); do [ -s kill.relu.ckpt ] && [ -s rank1.pid ] && break; sleep 0.05; done
if [ -s kill.relu.ckpt ] && [ -s rank1.pid ]; then
  kill -9 "$(cat rank1.pid)"
  for _ in $(seq 1 600); do kill -0 $job 2> /dev/null || break; sleep 0.1; done  # up to 60 s
  if kill -0 $job 2> /dev/null; then
    fail "mpirun still runs 60 s after rank 1 was killed"
    kill -9 $job 2> /dev/null
  fi
  wait $job
  code=$?
  [ $code -ne 0 ] || fail "the job exited 0 after rank 1 was killed"
  grep -qiE "rank 1|\[\[[0-9]+,1\],1\]" killed.txt || { fail "mpirun's message does not name rank 1"; cat killed.txt; }
  "${mpi[@]}" "$train" "${common[@]}" --epochs=1 --history_csv= --checkpoint=kill --resume > after.txt 2>&1 \
    || { fail "the checkpoint left by the killed job cannot be resumed"; cat after.txt; }
else
  fail "the 40-epoch job wrote no checkpoint in 120 s"
  kill -9 $job 2> /dev/null
fi

echo "train_mpi: $failures failure(s)"
[ $failures -eq 0 ]
