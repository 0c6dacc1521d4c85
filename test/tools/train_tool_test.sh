#!/usr/bin/env bash
# End-to-end test of ctgrad-train: --help, bad flags and data as clear errors (exit 2 / 1, message
# naming the problem), a short real run (2,000 Fashion-MNIST images, relu and sigmoid, evaluated on
# the first 1,000 test images) with its
# history, figure data and checkpoints, and --resume continuing a run exactly (the resumed 3-epoch
# history equals an uninterrupted 3-epoch run's, timings aside), also after a SIGKILL mid-epoch
# (with --threads=2), and a checkpoint is refused with another --threads.
# usage: train_tool_test.sh <ctgrad-train> [images of the killed run]   (default 20,000; the
# sanitized CI build passes fewer: its epochs are 20x slower, so a short epoch still outlasts the kill)
set -uo pipefail
train=$(realpath "$1")
kill_limit=${2:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_error() {  # expect_error <exit code> <text in stderr> <args...>
  local code=$1 text=$2; shift 2
  "$train" "$@" > out.txt 2> err.txt; local got=$?
  [ "$got" -eq "$code" ] || fail "ctgrad-train $* exited $got, expected $code"
  grep -qF -- "$text" err.txt || { fail "ctgrad-train $*: stderr lacks '$text'"; cat err.txt; }
}

"$train" --help > help.txt 2>&1
for flag in --activation --epochs --batch --threads --hidden --optimizer --lr --seed --data_dir --limit \
            --history_csv --plot --checkpoint --resume; do
  grep -qF -- "$flag" help.txt || fail "--help does not explain $flag"
done

expect_error 2 "--optimizer=no-such-optimizer: use adam" --optimizer=no-such-optimizer
expect_error 2 "--epochs=0: must be >= 1" --epochs=0
expect_error 2 "--hidden=77 is not compiled into this build" --hidden=77
expect_error 2 "relu/128" --activation=softsign
expect_error 2 "--resume needs --checkpoint" --resume
expect_error 2 "batch size must be >= 1" --batch=0
expect_error 2 "--threads=-2: must be 0 (one per core) or a count in [1, 256]" --threads=-2
expect_error 2 "threads must be in [1, 256], got 257" --threads=257
expect_error 2 "sgd: momentum must be in [0, 1), got 1.5" --optimizer=sgd --momentum=1.5
expect_error 2 "adam: learning rate must be > 0, got -0.1" --lr=-0.1
# --threads=0 is one thread per core: chosen after the batch size is checked, which still fails.
expect_error 2 "batch size must be >= 1, got 0" --batch=0 --threads=0
# Training runs evaluate on the whole test set after every epoch: most of them below use a copy of
# the data with the first 1,000 test images (and the training images they use) instead of 10,000,
# so that evaluation does not take most of their time (under the sanitizers it did: 2.6 s per
# evaluation). The first --threads=0 run reads the default data directory.
small=$work/small-data
python3 - /usr/share/datasets/fashion-mnist "$small" "$kill_limit" 1000 <<'PY' || fail "cannot copy a part of the data"
import gzip, os, sys
src, dst, n_train, n_test = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(dst)
for name, n in (("train-images-idx3-ubyte", n_train), ("train-labels-idx1-ubyte", n_train),
                ("t10k-images-idx3-ubyte", n_test), ("t10k-labels-idx1-ubyte", n_test)):
    data = gzip.open(os.path.join(src, name + ".gz")).read()
    dims = data[3]                       # IDX: 0, 0, type, rank, then rank big-endian uint32 extents
    item = 1
    for d in range(1, dims):
        item *= int.from_bytes(data[4 + 4 * d:8 + 4 * d], "big")
    head = 4 + 4 * dims
    with open(os.path.join(dst, name), "wb") as f:  # uncompressed: the reader takes both
        f.write(data[:4] + n.to_bytes(4, "big") + data[8:head] + data[head:head + n * item])
PY

# --threads=0: one thread per core, at most one per 256 rows of a batch.
cores=$(nproc)
for batch in 32 256 512; do
  want=$(( cores < batch / 256 ? cores : batch / 256 ))
  data=(); [ "$batch" -eq 32 ] || data=(--data_dir="$small")
  "$train" "${data[@]}" --limit=200 --activation=relu --epochs=1 --batch=$batch --threads=0 --plot= --history_csv= > auto.txt 2>&1 ||
    fail "--batch=$batch run failed: $(cat auto.txt)"
  header=$(grep -m1 '^== relu' auto.txt)
  if [ "$want" -gt 1 ]; then
    grep -qF ", $want threads ==" <<< "$header" || fail "--batch=$batch on $cores cores: expected $want threads: $header"
  else
    grep -qF " threads" <<< "$header" && fail "--batch=$batch on $cores cores: expected 1 thread: $header"
  fi
done
expect_error 2 "unexpected argument 'extra'" extra
expect_error 1 "dataset-fashion-mnist" --data_dir="$work/no-such-dir"
mkdir bad && head -c 100 /dev/urandom > bad/train-images-idx3-ubyte
expect_error 1 "train-images-idx3-ubyte" --data_dir="$work/bad"


common=(--data_dir="$small" --limit=2000 --activation=relu,sigmoid --quiet --seed=5)
"$train" "${common[@]}" --epochs=3 --history_csv=straight.csv --plot= > straight.txt 2>&1 \
  || { fail "3-epoch run failed"; cat straight.txt; }
grep -q "relu" straight.txt && grep -q "sigmoid" straight.txt || fail "no comparison table"
rows=$(grep -c -E '^(relu|sigmoid),' straight.csv)
[ "$rows" -eq 6 ] || fail "straight.csv has $rows epoch rows, expected 6"
# Accuracy after 3 epochs on 2,000 images must beat chance (0.1) by far.
awk -F, '$2 == 3 && $6 < 0.6 { bad = 1 } END { exit bad }' straight.csv || fail "val_accuracy < 0.6 after 3 epochs"
# Loss decreases epoch over epoch for both runs.
awk -F, 'NR > 1 { if ($1 == a && $3 >= l) bad = 1; a = $1; l = $3 } END { exit bad }' straight.csv \
  || fail "training loss did not decrease every epoch"

# Interrupted run: 2 epochs with checkpoints, then --resume to 3 epochs.
"$train" "${common[@]}" --epochs=2 --checkpoint=ck --history_csv= --plot=fig > first.txt 2>&1 \
  || { fail "2-epoch checkpointed run failed"; cat first.txt; }
[ -s ck.relu.ckpt ] && [ -s ck.sigmoid.ckpt ] || fail "checkpoints not written"
[ -s fig.gp ] && [ -s fig.dat ] || fail "plot script and data not written"
if command -v gnuplot > /dev/null; then [ -s fig.svg ] || fail "gnuplot is installed but fig.svg is missing"; fi
"$train" "${common[@]}" --epochs=3 --checkpoint=ck --resume --history_csv=resumed.csv --plot= > resumed.txt 2>&1 \
  || { fail "resumed run failed"; cat resumed.txt; }
strip() { cut -d, -f1-6 "$1"; }   # drop the seconds column
diff <(strip straight.csv) <(strip resumed.csv) > /dev/null || { fail "resumed history differs from the straight run"; diff <(strip straight.csv) <(strip resumed.csv); }

# Killed run: SIGKILL in the middle of epoch 2 (the epoch-1 checkpoint exists), then --resume: the
# history equals an uninterrupted run's (checkpoints are written to a temporary file and renamed, so
# a kill never leaves a half-written one).
# With --threads=2: the data-parallel steps resume exactly too.
# Batches of 8: an epoch of 20,000 images lasts about 0.4 s on one core (at batch 32 it took 0.1 s
# once Adam's update was vectorised, and the kill below came after epoch 2 had ended).
big=(--data_dir="$small" --limit=$kill_limit --activation=relu --seed=7 --threads=2 --batch=8 --plot=)
"$train" "${big[@]}" --quiet --epochs=3 --history_csv=big_straight.csv > big_straight.txt 2>&1 \
  || { fail "3-epoch run on $kill_limit images failed"; cat big_straight.txt; }
"$train" "${big[@]}" --epochs=3 --checkpoint=kill --history_csv= > killed.txt 2>&1 &
pid=$!
for _ in $(seq 1 6000); do [ -s kill.relu.ckpt ] && break; sleep 0.05; done  # up to 5 min (sanitized, loaded)
sleep 0.02  # into epoch 2
if kill -9 "$pid" 2> /dev/null; then
  wait "$pid" 2> /dev/null
  # It died after epoch 1's line and before epoch 2's summary line (the one with val_loss).
  grep -q "epoch 1/3  loss" killed.txt && ! grep -q "epoch 2/3  loss" killed.txt \
    || { fail "the run was not killed during epoch 2"; cat killed.txt; }
  "$train" "${big[@]}" --quiet --epochs=3 --checkpoint=kill --resume --history_csv=big_resumed.csv > big_resumed.txt 2>&1 \
    || { fail "run resumed after SIGKILL failed"; cat big_resumed.txt; }
  diff <(strip big_straight.csv) <(strip big_resumed.csv) > /dev/null \
    || { fail "history resumed after SIGKILL differs from the straight run"; diff <(strip big_straight.csv) <(strip big_resumed.csv); }
else
  fail "the run to be killed had already exited"
fi

# A corrupt checkpoint is a clear error, not a silent restart.
printf 'garbage' > ck.relu.ckpt
expect_error 1 "ck.relu.ckpt" "${common[@]}" --epochs=3 --checkpoint=ck --resume
# A checkpoint of other settings is refused.
"$train" --data_dir="$small" --limit=500 --activation=relu --quiet --epochs=1 --checkpoint=other --plot= --history_csv= > /dev/null 2>&1
expect_error 1 "checkpoint seed is '1' but this run has '5'" --data_dir="$small" --limit=500 --activation=relu --quiet --epochs=2 \
  --checkpoint=other --resume --seed=5
"$train" --data_dir="$small" --limit=500 --activation=relu --quiet --epochs=1 --threads=2 --checkpoint=two --plot= --history_csv= \
  > /dev/null 2>&1 || fail "--threads=2 run failed"
# ... but not one of another thread count: every count computes the same numbers, so a 2-thread run
# resumed on 1 thread ends with the history of a 1-thread run that never stopped.
"$train" --data_dir="$small" --limit=500 --activation=relu --quiet --epochs=2 --checkpoint=two --resume --threads=1 \
  --plot= --history_csv=resumed.csv > /dev/null 2>&1 || fail "resuming a --threads=2 checkpoint with --threads=1 failed"
"$train" --data_dir="$small" --limit=500 --activation=relu --quiet --epochs=2 --threads=1 --plot= --history_csv=straight.csv \
  > /dev/null 2>&1 || fail "the straight 1-thread run failed"
diff <(strip straight.csv) <(strip resumed.csv) > /dev/null ||
  { fail "a --threads=2 checkpoint resumed with --threads=1 differs from a 1-thread run"; diff <(strip straight.csv) <(strip resumed.csv); }

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
