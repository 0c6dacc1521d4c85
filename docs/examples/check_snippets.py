#!/usr/bin/env python3
"""Checks that every code block of the given Markdown pages is cut from a real file.

Usage: check_snippets.py <repository root> <page.md | directory>...
A directory stands for every *.md file under it, so a page added to docs/ is checked without
being listed anywhere (the Meson test `docs_snippets` passes README.md and docs/).

The rule. Every code block is fenced (``` or ~~~); an indented code block is an error, since it
would escape the check. The source of a block is the last Markdown link to a source file (below)
written before it in the same section: a heading forgets the source, so each section names the
file its code comes from (e.g. "From [examples/embedding_buffers.cpp](examples/embedding_buffers.cpp):"),
and consecutive blocks from one file need one link. Every non-blank line of the block, leading and
trailing spaces aside, must appear in that file, in the same order (a block may leave lines out).
In the file, `@NAME@` (a configure_file placeholder) matches any text, so a block may show a wrap
file with its values filled in.

Source files are files that tests build, run or compare against:
- docs/examples/: C++ examples, each built and run as a test (docs/examples/meson.build); golden
  files of output (*.txt) that a test compares a program's output with; commands.sh, the shell
  commands the pages show, which check_commands.py validates (bash -n, the scripts and files it
  names exist, Meson options, targets, tests and suites exist, tool flags are defined). Shell
  commands come from commands.sh rather than from the scripts they describe because the pages show
  commands a person types (build/, /tmp/asan), which CI and the scripts spell differently.
- test/consumer/: the consumer project built by the test consumer/install_and_consume.
- test/compile_fail/, test/adapters/compile_fail/: snippets that must not compile (suite
  compile_fail). A block cut from one must follow the message the snippet's test expects (its
  `// expect:` line) in the text since the previous block, so a page cannot quote a message other
  than the one the compiler prints.
- include/ctgrad/: the public headers, for API synopses cut from the declarations themselves (every
  header is compiled alone by the test headers/self_contained and by every test that includes it).
"""
import os
import re
import sys

LINK = re.compile(r"\]\(([^)#\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^#{1,6}\s")
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")
SOURCES = ("docs/examples/", "test/consumer/", "test/compile_fail/", "test/adapters/compile_fail/",
           "include/ctgrad/")
COMPILE_FAIL = ("test/compile_fail/", "test/adapters/compile_fail/")


def source_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f]


def expected_message(path):
    """The `// expect:` text of a compile-fail snippet."""
    for line in source_lines(path):
        if line.startswith("// expect:"):
            return line[len("// expect:"):].strip()
    return None


def line_matches(pattern_line, block_line):
    if "@" not in pattern_line:
        return pattern_line == block_line
    parts = re.split(r"@[A-Z0-9_]+@", pattern_line)
    regex = ".+".join(re.escape(p) for p in parts)
    return re.fullmatch(regex, block_line) is not None


def words(text):
    return " ".join(text.split())


def check_block(root, where, block, source, prose):
    rel = os.path.relpath(source, root)
    file_lines = source_lines(source)
    k = 0
    for b in block:
        while k < len(file_lines) and not line_matches(file_lines[k], b):
            k += 1
        if k == len(file_lines):
            return [f"{where}: line not found (in order) in {rel}: {b}"]
        k += 1
    if rel.startswith(COMPILE_FAIL):
        expect = expected_message(source)
        if expect is None:
            return [f"{where}: {rel} has no '// expect:' line"]
        if words(expect) not in words(prose):
            return [f"{where}: the text before this block does not quote the message {rel} expects: {expect}"]
    return []


def check_page(root, page):
    errors = []
    page_path = os.path.join(root, page)
    page_dir = os.path.dirname(page_path)
    with open(page_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    source = None
    prose = []          # the text since the previous block
    list_indent = 0     # content column of the list item the text is in (0: none)
    blank_before = True
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].strip().startswith(fence.group(1)):
                j += 1
            block = [l.strip() for l in lines[start:j] if l.strip()]
            where = f"{page}:{start}"
            if source is None:
                errors.append(f"{where}: no link to the file this block comes from before it (in its section)")
            else:
                errors += check_block(root, where, block, source, "\n".join(prose))
            prose = []
            blank_before = False
            i = j + 1
            continue
        if not line.strip():
            blank_before = True
            prose.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip(" "))
        item = LIST_ITEM.match(line)
        if item:
            list_indent = len(item.group(0))
        elif blank_before and indent >= list_indent + 4:
            errors.append(f"{page}:{i + 1}: an indented code block: write it as a fenced block cut from a file")
        elif blank_before and indent < list_indent:
            list_indent = 0
        if HEADING.match(line):
            source = None
        blank_before = False
        prose.append(line)
        for target in LINK.findall(line):
            if "://" in target:
                continue
            candidate = os.path.normpath(os.path.join(page_dir, target))
            rel = os.path.relpath(candidate, root)
            if os.path.isfile(candidate) and rel.startswith(SOURCES):
                source = candidate
        i += 1
    return errors


def pages(root, args):
    for arg in args:
        path = os.path.join(root, arg)
        if os.path.isdir(path):
            for d, _, files in sorted(os.walk(path)):
                for f in sorted(files):
                    if f.endswith(".md"):
                        yield os.path.relpath(os.path.join(d, f), root)
        else:
            yield arg


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    root = sys.argv[1]
    errors = []
    checked = list(pages(root, sys.argv[2:]))
    for page in checked:
        errors += check_page(root, page)
    for e in errors:
        print(e)
    print(f"{len(checked)} pages checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
