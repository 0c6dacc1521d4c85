#!/usr/bin/env python3
"""Checks that every fenced code block of the given Markdown pages is cut from a real file.

The source of a block is the last Markdown link to a file under docs/examples/ or test/consumer/
(files built and run by tests) written before it (so consecutive blocks from one file need one link) (e.g. "From [examples/embedding_buffers.cpp](examples/embedding_buffers.cpp):").
Every non-blank line of the block, leading and trailing spaces aside, must appear in that file, in
the same order. In the file, `@NAME@` (a configure_file placeholder) matches any text, so a block may
show a wrap file with its values filled in.
Usage: check_snippets.py <repository root> <page.md>...
"""
import os
import re
import sys

LINK = re.compile(r"\]\(([^)#\s]+)\)")
SOURCES = ("docs/examples/", "test/consumer/")


def source_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f]


def line_matches(pattern_line, block_line):
    if "@" not in pattern_line:
        return pattern_line == block_line
    parts = re.split(r"@[A-Z0-9_]+@", pattern_line)
    regex = ".+".join(re.escape(p) for p in parts)
    return re.fullmatch(regex, block_line) is not None


def check_page(root, page):
    errors = []
    page_path = os.path.join(root, page)
    page_dir = os.path.dirname(page_path)
    with open(page_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    source = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            start = i + 1
            j = start
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            block = [l.strip() for l in lines[start:j] if l.strip()]
            where = f"{page}:{start}"
            if source is None:
                errors.append(f"{where}: no link to the file this block comes from before it")
            else:
                file_lines = source_lines(source)
                k = 0
                for b in block:
                    while k < len(file_lines) and not line_matches(file_lines[k], b):
                        k += 1
                    if k == len(file_lines):
                        errors.append(f"{where}: line not found (in order) in {os.path.relpath(source, root)}: {b}")
                        break
                    k += 1
            i = j + 1
            continue
        for target in LINK.findall(line):
            if "://" in target:
                continue
            candidate = os.path.normpath(os.path.join(page_dir, target))
            rel = os.path.relpath(candidate, root)
            if os.path.isfile(candidate) and rel.startswith(SOURCES):
                source = candidate
        i += 1
    return errors


def main():
    root = sys.argv[1]
    errors = []
    for page in sys.argv[2:]:
        errors += check_page(root, page)
    for e in errors:
        print(e)
    print(f"{len(sys.argv) - 2} pages checked, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
