#!/usr/bin/env python3
"""Checks the shell commands the docs show (docs/examples/commands.sh) without running them.

Usage: check_commands.py <repository root> <build dir> <meson> <commands.sh>
Running them would mean installing packages, configuring builds and training for minutes, so each
command is checked for what can go stale instead:
- the file is valid bash (bash -n);
- a repository script it runs (scripts/ctgrad, test/bench/run_benchmarks.sh, ...) exists and is
  executable, a file passed to `bash` exists, and a script whose usage line reads
  `usage: <script> a|b|c` is given one of those subcommands;
- a tool it runs (build/src/tools/ctgrad-NAME) has its source src/tools/NAME.cpp, which defines
  every --flag given (ABSL_FLAG);
- `meson setup`: every -D or --option is an option of this project or of Meson, with a valid value;
- `meson compile`: every target exists; `meson test`: every test and --suite exists, and so does
  every suite a comment lists after "area:" or "suite:".
Targets and tests are looked up in <build dir> (meson introspect). A name missing there fails,
unless the function it is in configures a build whose project options (meson_options.txt, which
decide what is built) differ from <build dir>'s, as the fuzz harnesses exist only with
-Dfuzz=enabled: such names are listed as not checked here. Suites are
also looked up in the suite: arguments of every meson.build, so an optional one (adapters, without
Eigen) is not an error. `ls DIR` followed by comment lines: where DIR exists, each name in the
comments must be in it.
"""
import json
import os
import re
import shlex
import subprocess
import sys

FLAG = re.compile(r"ABSL_FLAG\(\s*[\w:<>, ]+?,\s*(\w+)\s*,")
SUITE_ARG = re.compile(r"suite:\s*(\[[^\]]*\]|'[^']*')")
USAGE = re.compile(r"usage: (\S+) ([\w|-]+)")


def split_comment(line):
    """(code, comment) of one line of shell: '#' starts a comment at a word's start, outside quotes."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1:].strip()
    return line, ""


def functions(path):
    """[(function name, [(line number, code, comment)])], continuation lines joined."""
    groups = []
    pending = ""
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            if line.endswith("\\"):
                pending = line[:-1].rstrip()
                continue
            m = re.match(r"^(\w+)\(\)\s*\{", line)
            if m:
                groups.append((m.group(1), []))
                continue
            if line.strip() == "}" or not groups:
                continue
            code, comment = split_comment(line)
            groups[-1][1].append((n, code.strip(), comment))
    return groups


def commands(code):
    """The simple commands of a line (split at && || ; |), each a list of words."""
    lexer = shlex.shlex(code, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    out, cur = [], []
    for tok in lexer:
        if tok in ("&&", "||", ";", "|", "&"):
            out.append(cur)
            cur = []
        else:
            cur.append(tok)
    out.append(cur)
    return [c for c in out if c]


class Project:
    def __init__(self, root, build, meson):
        self.root, self.build = root, build
        data = json.loads(subprocess.run(
            [meson, "introspect", "--buildoptions", "--targets", "--tests", build],
            check=True, capture_output=True, text=True).stdout)
        self.options = {o["name"]: o for o in data["buildoptions"] if not o.get("machine") == "build"}
        self.targets = set()
        for t in data["targets"]:
            for f in t["filename"]:
                self.targets.add(os.path.splitext(os.path.relpath(f, build))[0])
        self.tests = {t["name"] for t in data["tests"]}
        self.suites = {s.split(":", 1)[-1] for t in data["tests"] for s in t["suite"]}
        for d, _, files in os.walk(root):
            if "meson.build" in files and not os.path.relpath(d, root).startswith(("build", ".")):
                with open(os.path.join(d, "meson.build"), encoding="utf-8") as f:
                    for arg in SUITE_ARG.findall(f.read()):
                        self.suites.update(re.findall(r"'([^']+)'", arg))

    def option_error(self, name, value):
        o = self.options.get(name)
        if o is None:
            return f"no Meson option '{name}'"
        choices = o.get("choices")
        if o["type"] == "boolean":
            choices = ["true", "false"]
        if o["type"] == "array":
            values = [v for v in value.split(",") if v]
            bad = [v for v in values if choices and v not in choices]
            return f"option {name}: {bad} not in {choices}" if bad else None
        if choices and value not in choices:
            return f"option {name}={value}: not one of {choices}"
        return None

    def is_project_option(self, name):
        """An option of meson_options.txt: these decide which targets and tests exist."""
        return self.options.get(name, {}).get("section") == "user"

    def differs(self, name, value):
        o = self.options.get(name)
        current = o["value"] if o else None
        if isinstance(current, bool):
            current = "true" if current else "false"
        if isinstance(current, list):
            current = ",".join(current)
        return str(current) != value


def check(root, project, path):
    errors, unchecked = [], []
    if subprocess.run(["bash", "-n", path]).returncode != 0:
        errors.append(f"{path}: bash -n fails")
    for name, lines in functions(path):
        setup = {}   # options the function's `meson setup` sets
        for _, code, _ in lines:
            for cmd in commands(code):
                if cmd[:2] == ["meson", "setup"] or (cmd[0].startswith("CXX=") and cmd[1:3] == ["meson", "setup"]):
                    for w in cmd:
                        m = re.match(r"^(?:-D|--)([\w.]+)=(.*)$", w)
                        if m:
                            setup[m.group(1)] = m.group(2)
        other_build = any(project.differs(k, v) for k, v in setup.items() if project.is_project_option(k))
        last_ls = None
        for n, code, comment in lines:
            where = f"commands.sh:{n} ({name})"
            if not code:
                if last_ls and comment and os.path.isdir(last_ls):
                    for entry in comment.split():
                        if not os.path.exists(os.path.join(last_ls, entry)):
                            errors.append(f"{where}: {entry} is not in {last_ls}")
                continue
            last_ls = None
            for cmd in commands(code):
                while cmd and re.match(r"^\w+=", cmd[0]):
                    cmd = cmd[1:]
                if not cmd or cmd[0] in ("export", "cd", "sudo", "gnuplot"):
                    continue
                prog, args = cmd[0], cmd[1:]

                def missing(kind, what):
                    if other_build:
                        unchecked.append(f"{where}: {kind} {what} (this function configures another build)")
                    else:
                        errors.append(f"{where}: no {kind} '{what}' in {project.build}")

                if prog == "ls":
                    last_ls = args[-1] if args else None
                elif prog == "bash":
                    if not os.path.isfile(os.path.join(root, args[0])):
                        errors.append(f"{where}: no file {args[0]}")
                elif prog.startswith("build/test/"):
                    # A test or benchmark executable: its source must exist (build/test/<area>_<name>_test
                    # from test/<area>/<name>_test.cpp, build/test/bench/<name> from test/bench/<name>.cpp).
                    exe = prog[len("build/test/"):]
                    if exe.startswith("bench/"):
                        srcs = [os.path.join("test", exe + ".cpp")]
                    else:
                        area, _, rest = exe.partition("_")
                        srcs = [os.path.join("test", area, rest + ".cpp")]
                    if not any(os.path.isfile(os.path.join(root, x)) for x in srcs):
                        errors.append(f"{where}: {prog}: no source {srcs[0]}")
                elif prog.startswith("build/src/tools/ctgrad-"):
                    src = os.path.join(root, "src/tools", prog.split("ctgrad-", 1)[1] + ".cpp")
                    if not os.path.isfile(src):
                        errors.append(f"{where}: no tool source {os.path.relpath(src, root)}")
                        continue
                    with open(src, encoding="utf-8") as f:
                        flags = set(FLAG.findall(f.read())) | {"help", "helpfull"}
                    for a in args:
                        flag = re.match(r"^--(\w+)", a)
                        if flag and flag.group(1) not in flags:
                            errors.append(f"{where}: {prog} has no flag --{flag.group(1)}")
                elif "/" in prog and not prog.startswith("/"):  # an absolute path is a system program
                    script = os.path.join(root, prog)
                    if not (os.path.isfile(script) and os.access(script, os.X_OK)):
                        errors.append(f"{where}: {prog} is not an executable file of the repository")
                        continue
                    with open(script, encoding="utf-8") as f:
                        usage = USAGE.search(f.read())
                    if usage and usage.group(1) == prog and args and args[0] not in usage.group(2).split("|"):
                        errors.append(f"{where}: {prog} has no subcommand '{args[0]}' ({usage.group(2)})")
                elif prog == "meson" and args:
                    sub, rest = args[0], args[1:]
                    positional, i = [], 0
                    while i < len(rest):
                        w = rest[i]
                        if w in ("-C", "-j", "--suite"):
                            if w == "--suite" and rest[i + 1] not in project.suites:
                                errors.append(f"{where}: no test suite '{rest[i + 1]}'")
                            i += 2
                            continue
                        m = re.match(r"^(?:-D|--)([\w.]+)=(.*)$", w)
                        if m and sub == "setup":
                            e = project.option_error(m.group(1), m.group(2))
                            if e:
                                errors.append(f"{where}: {e}")
                        elif not w.startswith("-"):
                            positional.append(w)
                        i += 1
                    if sub == "compile":
                        for t in positional:
                            if t.split(":")[0] not in project.targets:
                                missing("target", t)
                    elif sub == "test":
                        for t in positional:
                            if t not in project.tests:
                                missing("test", t)
                        listed = re.search(r"\b(?:area|suites?):\s*(.*)$", comment)
                        for s in (listed.group(1).split() if listed else []):
                            if s not in project.suites:
                                errors.append(f"{where}: no test suite '{s}' (listed in the comment)")
                    elif sub != "setup":
                        errors.append(f"{where}: meson {sub}: not a subcommand this checker knows")
    return errors, unchecked


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    root, build, meson, path = sys.argv[1:]
    errors, unchecked = check(root, Project(root, build, meson), path)
    for u in unchecked:
        print(f"not checked here: {u}")
    for e in errors:
        print(e)
    print(f"{os.path.basename(path)}: {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
