#!/usr/bin/python3
"""Mutation harness for ctgrad's derivative rules (issue 25): is the test suite able to catch a wrong
derivative?

Each mutation in mutations.toml replaces one exact piece of text in one source file by a wrong
derivative (a relative error, a wrong sign, a dropped parameter, a wrong kink value, a wrong VJP, an
error in one evaluator only). One at a time, the harness applies it, rebuilds only the derivative
tests that the mutated file feeds (from ninja's recorded header dependencies), runs them, and
restores the file's original bytes (also on Ctrl-C or an exception). Outcomes:

  KILLED           a test failed
  KILLED_STATIC    a static_assert of a test failed (a compile-time test: value_at is constexpr)
  KILLED_COMPILER  the mutated tree does not compile otherwise (a bad mutation: it should compile)
  TIMEOUT          a build or a test ran past its time limit
  SURVIVED         every test fed by the file passed: a hole in the suite
  STALE            the original text is not in the file exactly once (the list must be updated)

A mutation marked `expect = "survive"` is a control (e.g. a comment-only change): if it is killed,
the harness is broken. Exit status: 0 when every mutation is killed and every control survives,
1 when a mutation survived, timed out or is stale, 2 when a control was killed or the unmutated tree
fails its tests, 3 for a usage or setup error.

The mutated tree is a copy (--copy-to; by default build-mutation/tree in the checkout, with its build
in build-mutation/build), so the checked-out sources are never written and Meson may build them meanwhile;
--in-place mutates the checkout itself (restoring each file, and checking `git diff --quiet` at the
end). docs/gradcheck.md, "Mutation testing", describes the design and the last full run.

Usage:
  test/mutation/run.py                         # every mutation (about an hour on 2 cores)
  test/mutation/run.py --subset ci             # the CI subset (a few minutes)
  test/mutation/run.py --only 'elu|celu' --markdown out.md
"""

import argparse
import datetime
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# The tests that check derivatives, cheapest to build first (the run of a mutation stops at the first
# test that fails, unless --all-tests). Each is a `meson test` name; its executable and the files it
# is built from come from the build directory (meson introspect, ninja's dependency log).
DERIVATIVE_TESTS = [
    "ops/elementwise",        # VJPs of the arithmetic ops, grad of grad
    "ops/reduce",             # VJPs of the reductions
    "ops/linalg",             # matmul and transpose VJPs against finite differences
    "ops/reshape",            # reshape's values, grad and jvp in both directions
    "autodiff/grad",          # grad(), fan-out, grad of grad
    "fn/activations",         # d1, d2, kinks of every activation against a long double reference
    "fn/activations_reference",  # f, f', f'' against the mpmath table, both evaluators
    "fn/softmax_losses_reference",  # softmax, log_softmax, their VJPs and the losses' derivatives (mpmath)
    "check/graph",            # the gradient checker on ctgrad graphs (scalar and tensor)
    "fn/activation_graph",    # the graph computes the definition; value_at == compile()
    "fn/losses",
    "fn/softmax",
    "eval/compile",
    "eval/matvec_pair",
    "tools/gradcheck_suite",  # every activation (default and changed parameters), losses, MLPs
    "autodiff/jvp",           # forward mode through every op against grad and central differences
    "autodiff/hessian",       # exact Hessians, hvp against central differences of the gradient
    "autodiff/jacobian",      # both accumulation orders, the stacking ops under grad and jvp
    "ops/function",           # elementwise functions of the user's own: every partial, both orders
]

# Meson options of the build the harness configures itself (when --build-dir has none): CI's g++
# build (release: -O3 -march=native) without the tools and benchmarks. Not -O1, which compiles a third
# faster: fn/activations_reference's known-gap ceilings were measured at -O3 and silu's f'' exceeds
# them at -O1 (108 ulp against 102), so the unmutated tree would fail.
DEFAULT_MESON_OPTIONS = ["--buildtype=release", "-Dbenchmarks=disabled", "-Dtools=false"]

# The tests a mutation of a file under these folders is most likely to fail: tried first (the
# others follow, those that killed most mutations so far first).
PREFERRED = {
    "include/ctgrad/fn/definitions/": ["fn/activations", "fn/activations_reference", "check/graph"],
    "include/ctgrad/ops/function.hpp": ["autodiff/grad", "check/graph", "fn/activation_graph", "ops/function"],
    "include/ctgrad/ops/": ["ops/elementwise", "ops/linalg", "ops/reduce", "autodiff/grad", "check/graph"],
    "include/ctgrad/autodiff/": ["autodiff/grad", "ops/elementwise", "check/graph", "autodiff/jvp"],
    "include/ctgrad/core/": ["fn/activation_graph", "fn/activations_reference"],
    "include/ctgrad/eval/": ["eval/compile", "eval/matvec_pair", "check/graph"],
}

KILLS = {}  # test -> mutations it killed in this run (tried earlier for the next mutation)

OUTCOMES = ["KILLED", "KILLED_STATIC", "KILLED_COMPILER", "TIMEOUT", "SURVIVED", "STALE"]
KILLED = ("KILLED", "KILLED_STATIC", "KILLED_COMPILER")


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


def log(*args):
    print(*args, flush=True)


def run(cmd, timeout, cwd=None, env=None):
    """Runs cmd in its own process group; returns (returncode or None on timeout, output)."""
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace", start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return None, out
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise


# ---- the mutation list --------------------------------------------------------------------------

def load_mutations(path):
    with open(path, "rb") as f:
        data = tomllib.load(f)
    muts = data.get("mutation", [])
    names = set()
    for m in muts:
        for key in ("name", "category", "file", "original", "replacement"):
            if key not in m:
                sys.exit(f"{path}: mutation {m.get('name', '?')}: missing '{key}'")
        if m["name"] in names:
            sys.exit(f"{path}: mutation name '{m['name']}' appears twice")
        if m["original"] == m["replacement"]:
            sys.exit(f"{path}: mutation {m['name']}: the replacement equals the original")
        names.add(m["name"])
        m.setdefault("expect", "kill")
        m.setdefault("subset", [])
    return muts, data.get("subsets", {})


# ---- the tree the mutations are applied to ------------------------------------------------------

def tracked_files(src):
    """git's view of the tree (tracked and untracked-not-ignored files); outside a git checkout,
    every file but the top-level build* and .git folders."""
    p = subprocess.run(["git", "-C", src, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                       capture_output=True)
    if p.returncode == 0 and os.path.exists(os.path.join(src, ".git")):
        return [f for f in p.stdout.decode().split("\0") if f and os.path.isfile(os.path.join(src, f))]
    files = []
    for root, dirs, names in os.walk(src):
        rel = os.path.relpath(root, src)
        if rel == ".":
            dirs[:] = [d for d in dirs if not d.startswith("build") and d != ".git"]
        files += [os.path.normpath(os.path.join(rel, n)) for n in names]
    return files


def sync_copy(src, dst):
    """Makes dst a copy of src's files (git's view: tracked and untracked-not-ignored). A file whose
    bytes are already equal is left alone, so that its mtime, and the build, stay as they are."""
    files = tracked_files(src)
    changed = 0
    for rel in files:
        a, b = os.path.join(src, rel), os.path.join(dst, rel)
        with open(a, "rb") as f:
            data = f.read()
        if os.path.isfile(b):
            with open(b, "rb") as f:
                if f.read() == data:
                    continue
        os.makedirs(os.path.dirname(b), exist_ok=True)
        with open(b, "wb") as f:
            f.write(data)
        shutil.copymode(a, b)
        changed += 1
    return changed


# ---- the build: configure, targets, which test a file feeds -------------------------------------

class Build:
    def __init__(self, src, build, jobs, meson_options):
        self.src, self.dir, self.jobs = src, os.path.abspath(build), jobs
        if not os.path.isfile(os.path.join(self.dir, "build.ninja")):
            log(f"configuring {self.dir} (meson setup {' '.join(meson_options)})")
            rc, out = run(["meson", "setup", self.dir, src] + meson_options, timeout=600)
            if rc != 0:
                log(out[-3000:])
                sys.exit(3)
        import json
        rc, out = run(["meson", "introspect", self.dir, "--tests"], timeout=120)
        if rc != 0:
            log(out[-3000:])
            sys.exit(3)
        tests = {t["name"]: t for t in json.loads(out)}
        self.tests = {}
        for name in DERIVATIVE_TESTS:
            if name in tests:
                exe = tests[name]["cmd"][0]
                self.tests[name] = os.path.relpath(exe, self.dir)
            else:
                log(f"note: test {name} is not in this build (skipped)")
        self._feeds = None

    def ninja(self, targets, timeout):
        return run(["ninja", "-C", self.dir, f"-j{self.jobs}"] + targets, timeout=timeout)

    def _query_inputs(self, target):
        rc, out = run(["ninja", "-C", self.dir, "-t", "query", target], timeout=60)
        inputs, section = [], None
        for line in out.splitlines():
            if line.startswith("  input:"):
                section = "in"
            elif line.startswith("  outputs:"):
                section = None
            elif section == "in" and line.startswith("    "):
                item = line.strip()
                if item.startswith("||"):
                    continue
                inputs.append(item.lstrip("| ").strip())
        return inputs

    def feeds(self):
        """For each derivative test: the set of files (absolute, real paths) its objects were
        compiled from, sources and headers (ninja -t deps, recorded by the last build)."""
        if self._feeds is not None:
            return self._feeds
        self._feeds = {}
        for name, exe in self.tests.items():
            objects, seen, todo = [], set(), [exe]
            while todo:
                t = todo.pop()
                for i in self._query_inputs(t):
                    if os.path.isabs(i) or i in seen:
                        continue
                    seen.add(i)
                    if i.endswith(".o"):
                        objects.append(i)
                    elif i.endswith(".a") or i.endswith(".so") or ".so." in i:
                        todo.append(i)
            files = set()
            if objects:
                rc, out = run(["ninja", "-C", self.dir, "-t", "deps"] + objects, timeout=120)
                for line in out.splitlines():
                    if line.startswith("    "):
                        p = line.strip()
                        if not os.path.isabs(p):
                            p = os.path.join(self.dir, p)
                        files.add(os.path.realpath(p))
            self._feeds[name] = files
        return self._feeds

    def tests_fed_by(self, path):
        path = os.path.realpath(path)
        return [n for n in self.tests if path in self.feeds()[n]]

    def run_test(self, name, timeout_multiplier):
        return run(["meson", "test", "-C", self.dir, "--no-rebuild", "--print-errorlogs",
                    "--timeout-multiplier", str(timeout_multiplier), name],
                   timeout=330 * timeout_multiplier + 60)


# ---- one mutation -------------------------------------------------------------------------------

def apply_and_test(m, src, build, args):
    """Returns (outcome, detail, seconds). The file's original bytes are back when this returns or
    raises."""
    path = os.path.join(src, m["file"])
    start = time.time()
    if not os.path.isfile(path):
        return "STALE", f"{m['file']}: no such file", 0.0
    with open(path, "rb") as f:
        original = f.read()
    needle = m["original"].encode()
    count = original.count(needle)
    if count != 1:
        return "STALE", f"original text found {count} times in {m['file']}", 0.0
    fed = set(m.get("tests") or build.tests_fed_by(path)) & set(build.tests)
    order = list(m.get("tests") or []) + list(m.get("first") or [])
    for prefix, names in PREFERRED.items():
        if m["file"].startswith(prefix):
            order += names
    order += sorted(DERIVATIVE_TESTS, key=lambda t: (-KILLS.get(t, 0), DERIVATIVE_TESTS.index(t)))
    tests = []
    for t in order:
        if t in fed and t not in tests:
            tests.append(t)
    if not tests:
        return "SURVIVED", "no derivative test is built from this file", 0.0
    mutated = original.replace(needle, m["replacement"].encode())
    try:
        with open(path, "wb") as f:
            f.write(mutated)
        outcome, detail = "SURVIVED", "passed: " + ", ".join(tests)
        killers = []
        for t in tests:
            rc, out = build.ninja([build.tests[t]], timeout=args.build_timeout)
            if rc is None:
                outcome, detail = "TIMEOUT", f"building {t}"
                break
            if rc != 0:
                errors = [l for l in out.splitlines() if ": error:" in l][:3]
                # A static_assert of a test file that fails is a test (a compile-time check, e.g.
                # static_assert(value_at(grad(sigmoid(a), a), a = 0.0) == 0.25)), and so is the
                # library's own check of every activation's rules against a central difference of its
                # value (fn/derivative_check.hpp, which the tests instantiate); any other compile
                # error means the mutation itself is not valid C++ for this use.
                static = [e for e in errors if "static assertion failed" in e and
                          (os.path.relpath(e.split(":")[0], src).startswith("test" + os.sep) or
                           e.split(":")[0].endswith(os.path.join("fn", "derivative_check.hpp")))]
                outcome = "KILLED_STATIC" if static and len(static) == len(errors) else "KILLED_COMPILER"
                detail = f"{t}: " + " | ".join(os.path.relpath(e[:200], src) if e.startswith(src) else e[:200]
                                               for e in errors)
                break
            rc, out = build.run_test(t, args.timeout_multiplier)
            if rc is None:
                outcome, detail = "TIMEOUT", f"running {t}"
                break
            if rc != 0:
                killers.append(t)
                KILLS[t] = KILLS.get(t, 0) + 1
                outcome, detail = "KILLED", "failed: " + ", ".join(killers)
                if not args.all_tests:
                    break
        return outcome, detail, time.time() - start
    finally:
        with open(path, "wb") as f:
            f.write(original)
        with open(path, "rb") as f:
            if f.read() != original:
                raise RuntimeError(f"{path}: could not restore the original bytes")


# ---- reports ------------------------------------------------------------------------------------

def summarise(results, muts):
    mutants = [(m, r) for m, r in zip(muts, results) if m["expect"] == "kill"]
    controls = [(m, r) for m, r in zip(muts, results) if m["expect"] == "survive"]
    by_cat = {}
    for m, (o, _, _) in mutants:
        c = by_cat.setdefault(m["category"], {k: 0 for k in OUTCOMES})
        c[o] += 1
    killed = sum(1 for _, (o, _, _) in mutants if o in KILLED)
    counted = sum(1 for _, (o, _, _) in mutants if o != "STALE")
    return mutants, controls, by_cat, killed, counted


def markdown(results, muts, header):
    mutants, controls, by_cat, killed, counted = summarise(results, muts)
    lines = [header, "",
             "| category | mutations | killed by a test | by a static_assert | by another compile error | timeout | survived | stale |",
             "|---|---|---|---|---|---|---|---|"]
    tot = {k: 0 for k in OUTCOMES}
    for cat in sorted(by_cat):
        c = by_cat[cat]
        lines.append(f"| {cat} | {sum(c.values())} | {c['KILLED']} | {c['KILLED_STATIC']} | {c['KILLED_COMPILER']} "
                     f"| {c['TIMEOUT']} | {c['SURVIVED']} | {c['STALE']} |")
        for k in OUTCOMES:
            tot[k] += c[k]
    lines.append(f"| **total** | {sum(tot.values())} | {tot['KILLED']} | {tot['KILLED_STATIC']} | "
                 f"{tot['KILLED_COMPILER']} | {tot['TIMEOUT']} | {tot['SURVIVED']} | {tot['STALE']} |")
    rate = 100.0 * killed / counted if counted else 0.0
    lines += ["", f"Kill rate: {killed} of {counted} ({rate:.1f}%); controls: " +
              ", ".join(f"`{m['name']}` {r[0]}" for m, r in controls), "",
              "| mutation | category | file | outcome | detail | s |", "|---|---|---|---|---|---|"]
    for m, (o, d, s) in zip(muts, results):
        d = d.replace("|", "\\|")
        lines.append(f"| `{m['name']}` | {m['category']} | {m['file']} | {o} | {d} | {s:.0f} |")
    return "\n".join(lines) + "\n"


# ---- main ---------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutations", default=os.path.join(HERE, "mutations.toml"))
    ap.add_argument("--only", help="regular expression searched in the mutations' names and categories")
    ap.add_argument("--skip", help="regular expression: leave out the mutations it finds (name or category)")
    ap.add_argument("--start-at", help="start at the mutation of this name (to resume a run cut short)")
    ap.add_argument("--subset", help="only the mutations whose `subset` list has this name (e.g. ci)")
    ap.add_argument("--source", default=REPO, help="the ctgrad tree (default: this checkout)")
    ap.add_argument("--build-dir", help="build directory of the mutated tree (configured if missing; "
                    "default: build next to the copy, or build-mut in the checkout with --in-place)")
    ap.add_argument("--copy-to", help="directory the source tree is copied to and mutated there "
                    "(default: <source>/build-mutation/tree, which .gitignore's /build*/ covers)")
    ap.add_argument("--in-place", action="store_true", help="mutate the checkout itself (no copy)")
    ap.add_argument("--jobs", type=int, default=2, help="ninja -j (default 2)")
    ap.add_argument("--all-tests", action="store_true",
                    help="run every test a mutation feeds, not stop at the first that fails")
    ap.add_argument("--build-timeout", type=float, default=900, help="seconds per build of one test")
    ap.add_argument("--timeout-multiplier", type=float, default=1.0)
    ap.add_argument("--meson-option", action="append", default=None,
                    help="options for configuring a new build directory (repeat; default: "
                    + " ".join(DEFAULT_MESON_OPTIONS) + ")")
    ap.add_argument("--markdown", help="write the results as a markdown table to this file")
    ap.add_argument("--list", action="store_true", help="list the selected mutations and exit")
    ap.add_argument("--check", action="store_true",
                    help="only check that each original text is in its file exactly once (no build)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip building and running the unmutated tests first, in a build directory "
                    "that has built them before (to resume a run)")
    args = ap.parse_args()

    muts, subsets = load_mutations(args.mutations)
    if args.subset:
        muts = [m for m in muts if args.subset in m["subset"]]
        subset_options = subsets.get(args.subset, {}).get("meson_options")
        if subset_options and not args.meson_option:
            args.meson_option = subset_options
        only_tests = subsets.get(args.subset, {}).get("tests")
        if only_tests:  # the subset's own list of tests: the others are not even built
            DERIVATIVE_TESTS[:] = [t for t in DERIVATIVE_TESTS if t in only_tests]
    if args.only:
        rx = re.compile(args.only)
        muts = [m for m in muts if rx.search(m["name"]) or rx.search(m["category"])]
    if args.skip:
        rx = re.compile(args.skip)
        muts = [m for m in muts if not (rx.search(m["name"]) or rx.search(m["category"]))]
    if args.start_at:
        names = [m["name"] for m in muts]
        if args.start_at not in names:
            log(f"--start-at: no selected mutation is named {args.start_at}")
            return 3
        muts = muts[names.index(args.start_at):]
    if not muts:
        log("no mutation selected")
        return 3
    if args.list:
        for m in muts:
            log(f"{m['name']:40} {m['category']:24} {m['file']}")
        return 0

    src = os.path.abspath(args.source)
    if args.check:
        bad = 0
        for m in muts:
            p = os.path.join(src, m["file"])
            n = open(p, "rb").read().count(m["original"].encode()) if os.path.isfile(p) else -1
            if n != 1:
                bad += 1
                log(f"STALE {m['name']}: original text found {n} times in {m['file']}")
        log(f"{len(muts) - bad} of {len(muts)} mutations apply")
        return 1 if bad else 0
    if args.in_place:
        tree = src
        build_dir = args.build_dir or os.path.join(src, "build-mut")
    else:
        tree = os.path.abspath(args.copy_to or os.path.join(src, "build-mutation", "tree"))
        if os.path.realpath(tree) == os.path.realpath(src):
            log("--copy-to is the source tree itself: use --in-place")
            return 3
        os.makedirs(tree, exist_ok=True)
        n = sync_copy(src, tree)
        log(f"tree: {tree} (a copy of {src}; {n} files updated)")
        build_dir = args.build_dir or os.path.join(os.path.dirname(tree), "build")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    t0 = time.time()
    build = Build(tree, build_dir, args.jobs, args.meson_option or DEFAULT_MESON_OPTIONS)

    # The unmutated tree: every test the selected mutations feed must build and pass, else a "kill"
    # would mean nothing. This also records the header dependencies the mapping reads.
    wanted = set()
    for m in muts:
        wanted.update(m.get("tests") or [])
    targets = [build.tests[t] for t in build.tests]
    if args.no_baseline and all(build.feeds().values()):
        # A build directory that has built every derivative test before (its dependency log says
        # which files feed which test): each mutation rebuilds what it needs.
        log("no baseline: the unmutated tests are assumed to pass (an earlier run checked them)")
    else:
        log(f"building the derivative tests ({len(targets)} executables) in {build.dir}")
        rc, out = build.ninja(targets, timeout=args.build_timeout * 4)
        if rc != 0:
            log(out[-4000:])
            log("the unmutated tree does not build")
            return 2
        build._feeds = None
    for m in muts:
        p = os.path.join(tree, m["file"])
        if os.path.isfile(p):
            wanted.update(build.tests_fed_by(p))
    if not args.no_baseline:
        for t in [t for t in DERIVATIVE_TESTS if t in wanted and t in build.tests]:
            rc, out = build.run_test(t, args.timeout_multiplier)
            if rc != 0:
                log(out[-4000:])
                log(f"baseline: {t} fails on the unmutated tree")
                return 2
        log(f"baseline: {len(wanted)} tests pass on the unmutated tree ({time.time() - t0:.0f} s)")

    results = []
    interrupted = False
    try:
        for i, m in enumerate(muts, 1):
            o, d, s = apply_and_test(m, tree, build, args)
            results.append((o, d, s))
            flag = ""
            if m["expect"] == "survive":
                flag = " (control: ok)" if o == "SURVIVED" else " (CONTROL KILLED: the harness is broken)"
            log(f"[{i}/{len(muts)}] {m['name']}: {o}{flag} ({s:.0f} s) {d}")
    except (KeyboardInterrupt, Interrupted) as e:
        log(f"interrupted ({e}); the mutated file was restored")
        interrupted = True
        muts = muts[:len(results)]
    finally:
        if args.in_place:
            rc = subprocess.run(["git", "-C", tree, "diff", "--quiet"]).returncode
            if rc != 0:
                log("warning: `git diff --quiet` fails after the run: the checkout has changes "
                    "(they may be yours; the harness restores every file it mutates)")

    elapsed = time.time() - t0
    mutants, controls, by_cat, killed, counted = summarise(results, muts)
    log("")
    log(f"{'category':16} {'n':>3} {'killed':>6} {'static':>6} {'compiler':>8} {'timeout':>7} {'survived':>8} "
        f"{'stale':>5}")
    for cat in sorted(by_cat):
        c = by_cat[cat]
        log(f"{cat:16} {sum(c.values()):>3} {c['KILLED']:>6} {c['KILLED_STATIC']:>6} {c['KILLED_COMPILER']:>8} "
            f"{c['TIMEOUT']:>7} {c['SURVIVED']:>8} {c['STALE']:>5}")
    rate = 100.0 * killed / counted if counted else 0.0
    log(f"kill rate: {killed} of {counted} ({rate:.1f}%) in {elapsed:.0f} s")
    survivors = [m["name"] for m, (o, _, _) in mutants if o in ("SURVIVED", "TIMEOUT")]
    stale = [m["name"] for m, (o, _, _) in mutants + controls if o == "STALE"]
    broken = [m["name"] for m, (o, _, _) in controls if o != "SURVIVED"]
    if survivors:
        log("survived or timed out: " + ", ".join(survivors))
    if stale:
        log("STALE (update mutations.toml): " + ", ".join(stale))
    if broken:
        log("controls killed (the harness is broken): " + ", ".join(broken))
    if args.markdown:
        rev = subprocess.run(["git", "-C", src, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        head = (f"Run of {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {rev}, "
                f"{elapsed / 60:.0f} min")
        with open(args.markdown, "w") as f:
            f.write(markdown(results, muts, head))
    if broken:
        return 2
    if survivors or stale or interrupted:
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (KeyboardInterrupt, Interrupted) as e:
        log(f"interrupted ({e}) before or after the mutations: no source file was mutated")
        sys.exit(1)
