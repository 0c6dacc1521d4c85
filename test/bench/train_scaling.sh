#!/usr/bin/env bash
# Thread and rank scaling of the main job, measured on the tool itself (the code path users run):
# ctgrad-train --epochs=1 --quiet for each activation, each thread count and each condition, REPS
# times, interleaved (1, 2, 1, 2, ...) so that drifts of a shared machine hit every setting alike.
# Conditions: "idle" (nothing else started) and "busy" (one `yes > /dev/null` per core but one,
# started before and killed after each run). With MPI: mpirun -np 2 (1 thread per rank), idle.
# Prints one row per setting: the history's seconds per epoch (median, min-max) and the process's
# wall time (median), and the ratio to --threads=1 in the same condition.
# usage: test/bench/train_scaling.sh [BUILD_DIR] [REPS]     (default build, 5)
#   ACTIVATIONS="relu sigmoid" THREADS="1 2" CONDITIONS="idle busy" BATCH=32 MPI=auto|no
set -uo pipefail
build=${1:-build}
reps=${2:-5}
acts=${ACTIVATIONS:-relu sigmoid}
threads=${THREADS:-1 2}
conditions=${CONDITIONS:-idle busy}
batch=${BATCH:-32}
tool=$build/src/tools/ctgrad-train
[ -x "$tool" ] || { echo "train_scaling: $tool not found (build ctgrad-train first)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${hogs:-}" ] && kill $hogs 2> /dev/null' EXIT
cores=$(nproc)

run_one() {  # run_one <label> <command...>: appends "label epoch_seconds wall_seconds" to results
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  if ! "$@" --epochs=1 --quiet --plot= --batch="$batch" --history_csv="$work/h.csv" > "$work/out.txt" 2>&1; then
    echo "train_scaling: run failed: $*" >&2; cat "$work/out.txt" >&2; exit 1
  fi
  end=$(date +%s.%N)
  echo "$label $(tail -1 "$work/h.csv" | cut -d, -f7) $(echo "$end - $start" | bc)" >> "$work/results"
}

hogs=""
start_hogs() { hogs=""; for _ in $(seq 2 "$cores"); do yes > /dev/null & hogs="$hogs $!"; done; sleep 0.2; }
stop_hogs() { [ -n "$hogs" ] && kill $hogs 2> /dev/null; wait $hogs 2> /dev/null; hogs=""; }

mpirun_cmd=()
if [ "${MPI:-auto}" != no ] && command -v mpirun > /dev/null && ldd "$tool" | grep -q libmpi; then
  mpirun_cmd=(mpirun --oversubscribe -np 2)
  [ "$(id -u)" -eq 0 ] && mpirun_cmd+=(--allow-run-as-root)
fi

for r in $(seq 1 "$reps"); do
  for act in $acts; do
    for cond in $conditions; do
      for t in $threads; do
        [ "$cond" = busy ] && start_hogs
        run_one "$act $cond threads=$t" "$tool" --activation="$act" --threads="$t"
        [ "$cond" = busy ] && stop_hogs
      done
    done
    if [ ${#mpirun_cmd[@]} -gt 0 ]; then
      run_one "$act idle ranks=2" "${mpirun_cmd[@]}" "$tool" --activation="$act" --threads=1
    fi
  done
done

python3 - "$work/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    act, cond, setting, epoch, wall = line.split()
    rows.setdefault((act, cond, setting), []).append((float(epoch), float(wall)))
print(f"{'activation':10} {'condition':9} {'setting':10} {'s/epoch median (min-max)':>26} {'wall s':>7} {'vs threads=1':>13}")
for (act, cond, setting), v in rows.items():
    e = [x[0] for x in v]; w = [x[1] for x in v]
    base = rows.get((act, cond, "threads=1"))
    ratio = statistics.median(x[0] for x in base) / statistics.median(e) if base else float("nan")
    print(f"{act:10} {cond:9} {setting:10} {statistics.median(e):9.3f} ({min(e):.3f}-{max(e):.3f})      "
          f"{statistics.median(w):7.2f} {ratio:12.2f}x")
PY
