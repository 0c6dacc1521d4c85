#!/usr/bin/env python3
"""Runs a program and checks that its output holds the lines of a golden file.

Usage: expect_output.py [--status=N] GOLDEN PROGRAM [ARGS...]
Every non-blank line of GOLDEN, leading and trailing spaces aside, must appear in the program's
output (stdout, then stderr) in the same order: the rule check_snippets.py applies to a page's block
and its source, so a page can quote GOLDEN and GOLDEN quotes the program. The program must exit
with status N (default 0).
"""
import subprocess
import sys


def main():
    args = sys.argv[1:]
    status = 0
    if args and args[0].startswith("--status="):
        status = int(args.pop(0).split("=", 1)[1])
    if len(args) < 2:
        print(__doc__)
        return 2
    golden, command = args[0], args[1:]
    run = subprocess.run(command, capture_output=True, text=True)
    output = [l.strip() for l in (run.stdout + run.stderr).split("\n")]
    ok = run.returncode == status
    if not ok:
        print(f"{' '.join(command)} exited with {run.returncode}, expected {status}")
    k = 0
    with open(golden, encoding="utf-8") as f:
        for line in (l.strip() for l in f):
            if not line:
                continue
            while k < len(output) and output[k] != line:
                k += 1
            if k == len(output):
                print(f"{golden}: line not found (in order) in the output of {' '.join(command)}: {line}")
                ok = False
                break
            k += 1
    if not ok:
        print("--- output:\n" + run.stdout + run.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
