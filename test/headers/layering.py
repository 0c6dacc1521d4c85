#!/usr/bin/env python3
"""ctgrad's layering rule, as data, checked over the includes of include/ctgrad/ and src/.

Usage: layering.py <repository root> [--write]   (the Meson test `headers_layering`, suite headers)

The rule. Every file under include/ctgrad/ and src/ belongs to one layer of LAYERS (the most
specific entry of a layer's `files` that matches it: a folder ends in '/', anything else is one
file). A file may include files of its own layer and of the layers its layer lists in `may_include`;
a layer may only list layers above it in LAYERS, so the layers read bottom up and only look down.
EXCEPTIONS names the includes today's tree has that the rule forbids, each with its reason; an
exception that no longer occurs is an error too, so the list stays the true one.
docs/contributing.md ("Layers") shows LAYERS and EXCEPTIONS as a table generated from them: the
check fails when the page's table differs, and --write rewrites it.

The style, checked over include/, src/, test/, docs/ and README.md:
- ctgrad's own headers are included as "ctgrad/..." (quotes, the form README.md shows users, the
  same as "absl/..."); <...> is for the standard library and other libraries.
- C++ sources end in .cpp and headers in .hpp (no .cc, .cxx, .hh or .h).
- A src/ file's include of a file that is not ctgrad's public header ("train_run.hpp") names a file
  beside it.

Each problem is printed as `path:line: what is wrong (the rule)`; the exit status is 1 when there is
one. To see the test fail, add `#include "ctgrad/eval/compile.hpp"` to include/ctgrad/ops/reduce.hpp.
"""
import os
import re
import sys

# Bottom first. `files`: folders (ending in '/') and files, relative to the repository root.
LAYERS = [
    {"name": "core", "files": ["include/ctgrad/core/"], "may_include": [],
     "holds": "shapes, tensors, the node concept, variables and constants, type lists, the math library"},
    {"name": "io", "files": ["include/ctgrad/io/", "src/io/"], "may_include": [],
     "holds": "IDX/gzip reader, checkpoints, training history and progress: bytes and spans, no graphs"},
    {"name": "dist", "files": ["include/ctgrad/dist/"], "may_include": ["core"],
     "holds": "reducers across threads and MPI ranks, allreduce of a program's outputs"},
    {"name": "ops", "files": ["include/ctgrad/ops/"], "may_include": ["core"],
     "holds": "elementwise arithmetic, functions, linear algebra, reductions, opaque ops"},
    {"name": "fn", "files": ["include/ctgrad/fn/", "src/fn/"], "may_include": ["core", "ops"],
     "holds": "activations (definitions, registry, functions), softmax, losses, the build-time check of derivative rules"},
    {"name": "autodiff", "files": ["include/ctgrad/autodiff/"], "may_include": ["core", "ops"],
     "holds": "grad (adjoint graphs at the type level), jvp, hessian, jacobian, lowering of scalar graphs"},
    {"name": "eval", "files": ["include/ctgrad/eval/"], "may_include": ["core", "ops", "autodiff"],
     "holds": "compile(): buffer plan, fused loops, gemm; value_at for scalars"},
    {"name": "umbrella",
     "files": ["include/ctgrad/ctgrad.hpp", "include/ctgrad/scalar.hpp", "include/ctgrad/version.hpp",
               "src/version.cpp"],
     "may_include": ["core", "ops", "fn", "autodiff", "eval"],
     "holds": "ctgrad.hpp and scalar.hpp (the expression graph, nothing that trains, checks or reads files), version"},
    {"name": "adapters", "files": ["include/ctgrad/adapters/"],
     "may_include": ["core", "ops", "fn", "autodiff", "eval"],
     "holds": "other libraries' types bound to the graph (Eigen)"},
    {"name": "nn", "files": ["include/ctgrad/nn/"],
     "may_include": ["core", "io", "dist", "ops", "fn", "autodiff", "eval"],
     "holds": "what trains: the MLP, optimisers, training options, the thread team, data-parallel steps, the trainer"},
    {"name": "check", "files": ["include/ctgrad/check/", "src/check/"],
     "may_include": ["core", "ops", "fn", "autodiff", "eval"],
     "holds": "the numeric gradient checker, its Boost.Test adapter, the suite behind ctgrad-gradcheck"},
    {"name": "tools", "files": ["src/tools/"],
     "may_include": ["core", "io", "dist", "ops", "fn", "autodiff", "eval", "umbrella",
                     "nn", "check"],
     "holds": "the command-line tools ctgrad-train and ctgrad-gradcheck"},
]

# Includes the rule forbids that today's tree has: (including file, included file) -> why.
EXCEPTIONS = {
    ("include/ctgrad/autodiff/lower.hpp", "include/ctgrad/eval/element.hpp"):
        "autodiff looks up into eval: lowering a scalar graph to a flat program reuses eval's "
        "one-element evaluator (loop_info, which nodes evaluate inline); element.hpp itself "
        "includes only core",
}

ROOTS_OF_LAYERS = ("include/ctgrad/", "src/")
ROOTS_OF_STYLE = ("include", "src", "test", "docs", "README.md")
CPP_SUFFIXES = (".hpp", ".cpp", ".cpp.in")
FORBIDDEN_SUFFIXES = (".cc", ".cxx", ".c++", ".hh", ".hxx", ".h")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
# In any file (prose, generated code in scripts): the angle form of ctgrad's own headers.
ANGLE_CTGRAD = re.compile(r'#\s*include\s*<ctgrad/')


def check_rule():
    """The data itself: known layer names, only looking down, no file claimed twice."""
    errors = []
    seen = {}
    for i, layer in enumerate(LAYERS):
        below = [l["name"] for l in LAYERS[:i]]
        for other in layer["may_include"]:
            if other not in below:
                errors.append(f"layering.py: layer {layer['name']} may include {other}, "
                              f"which is not a layer below it in LAYERS")
        for f in layer["files"]:
            if f in seen:
                errors.append(f"layering.py: {f} is in layers {seen[f]} and {layer['name']}")
            seen[f] = layer["name"]
    return errors


def layer_of(rel):
    best, best_len = None, -1
    for layer in LAYERS:
        for f in layer["files"]:
            hit = rel.startswith(f) if f.endswith("/") else rel == f
            if hit and len(f) > best_len:
                best, best_len = layer, len(f)
    return best


def files_under(root, top):
    path = os.path.join(root, top)
    if os.path.isfile(path):
        yield top
        return
    for d, dirs, files in os.walk(path):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        for f in sorted(files):
            yield os.path.relpath(os.path.join(d, f), root)


def read_lines(root, rel):
    try:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            return f.read().split("\n")
    except (UnicodeDecodeError, OSError):
        return None   # binary data (test/io's .gz files)


def check_layers(root):
    errors = []
    used_exceptions = set()
    for top in ROOTS_OF_LAYERS:
        for rel in files_under(root, top):
            if not rel.endswith(CPP_SUFFIXES):
                continue
            layer = layer_of(rel)
            if layer is None:
                errors.append(f"{rel}:1: belongs to no layer (add it to a layer's files in "
                              f"test/headers/layering.py and to the table in docs/contributing.md)")
                continue
            allowed = set(layer["may_include"]) | {layer["name"]}
            for n, line in enumerate(read_lines(root, rel) or [], 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(2)
                if target.startswith("ctgrad/"):
                    target_rel = "include/" + target
                    if not os.path.isfile(os.path.join(root, target_rel)):
                        errors.append(f"{rel}:{n}: includes {target}, which does not exist")
                        continue
                    target_layer = layer_of(target_rel)
                    if target_layer is None:
                        continue   # reported where that file itself is checked
                    if target_layer["name"] in allowed:
                        continue
                    if (rel, target_rel) in EXCEPTIONS:
                        used_exceptions.add((rel, target_rel))
                        continue
                    may = ", ".join(layer["may_include"]) or "nothing else"
                    errors.append(f"{rel}:{n}: includes {target} (layer {target_layer['name']}): "
                                  f"layer {layer['name']} may include only itself and {may}")
                elif m.group(1) == '"' and rel.startswith("src/") and not target.startswith("absl/"):
                    beside = os.path.join(os.path.dirname(rel), target)
                    if not os.path.isfile(os.path.join(root, beside)):
                        errors.append(f"{rel}:{n}: includes \"{target}\", which is neither ctgrad's "
                                      f"header nor a file beside it")
    for (src, dst), why in EXCEPTIONS.items():
        if (src, dst) not in used_exceptions:
            errors.append(f"layering.py: the exception {src} -> {dst} no longer occurs "
                          f"(or the rule allows it now): remove it from EXCEPTIONS")
    return errors


def check_style(root):
    errors = []
    me = os.path.relpath(os.path.abspath(__file__), os.path.abspath(root))
    for top in ROOTS_OF_STYLE:
        for rel in files_under(root, top):
            if rel.endswith(FORBIDDEN_SUFFIXES):
                errors.append(f"{rel}:1: C++ files end in .cpp or .hpp")
            if rel == me:
                continue
            for n, line in enumerate(read_lines(root, rel) or [], 1):
                if ANGLE_CTGRAD.search(line):
                    errors.append(f"{rel}:{n}: ctgrad's headers are included as \"ctgrad/...\", "
                                  f"not <ctgrad/...>")
    return errors


PAGE = "docs/contributing.md"
BEGIN = "<!-- layers: generated from test/headers/layering.py"
END = "<!-- end of layers -->"


def short(path):
    return path[len("include/"):] if path.startswith("include/") else path


def table():
    """The block of docs/contributing.md between BEGIN and END, generated from LAYERS and EXCEPTIONS."""
    out = [BEGIN + " (python3 test/headers/layering.py . --write); the test headers_layering "
                   "fails when this block differs -->",
           "",
           "| layer (bottom first) | files | what it holds | may include, besides itself |",
           "|---|---|---|---|"]
    for layer in LAYERS:
        files = ", ".join(f"`{short(f)}`" for f in layer["files"])
        may = ", ".join(layer["may_include"]) or "nothing"
        out.append(f"| {layer['name']} | {files} | {layer['holds']} | {may} |")
    out += ["", "Exceptions (includes the rule forbids that the tree has today):", ""]
    for (src, dst), why in EXCEPTIONS.items():
        out.append(f"- `{short(src)}` includes `{short(dst)}`: {why}.")
    out += ["", END]
    return out


def check_page(root, write):
    path = os.path.join(root, PAGE)
    lines = read_lines(root, PAGE)
    if lines is None:
        return [f"{PAGE}:1: missing: it shows the layers table"]
    starts = [i for i, l in enumerate(lines) if l.startswith(BEGIN)]
    ends = [i for i, l in enumerate(lines) if l == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        return [f"{PAGE}:1: needs one block from '{BEGIN} ...' to '{END}'"]
    a, b = starts[0], ends[0]
    want = table()
    if lines[a:b + 1] == want:
        return []
    if write:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines[:a] + want + lines[b + 1:]))
        print(f"{PAGE}: layers table rewritten")
        return []
    return [f"{PAGE}:{a + 1}: the layers table differs from LAYERS and EXCEPTIONS in "
            f"test/headers/layering.py (python3 test/headers/layering.py . --write rewrites it)"]


def main():
    args = [a for a in sys.argv[1:] if a != "--write"]
    if len(args) != 1:
        print(__doc__)
        return 2
    root = args[0]
    errors = check_rule()
    if not errors:
        errors = check_layers(root) + check_style(root) + check_page(root, "--write" in sys.argv)
    for e in errors:
        print(e)
    print(f"{len(LAYERS)} layers, {len(EXCEPTIONS)} exceptions, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
