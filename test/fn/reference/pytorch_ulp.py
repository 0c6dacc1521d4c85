#!/usr/bin/python3
"""PyTorch's column of docs/activations.md's accuracy table (issue 25): PyTorch's activations (default
parameters) and their first and second derivatives (autograd, create_graph=True) on the grid of
test/fn/reference/activations.csv, in float32 and float64, measured against the same mpmath reference
and under the same law as test/fn/activations_reference_test.cpp: the error in ulps of the reference
where it is a normal number; where it is 0, subnormal or underflows, a result that breaks the law
(nonzero where it is 0, a normal number where it is subnormal, ...) counts as a broken point.

Run by hand (python3-torch, python3-mpmath; not run in CI), one thread:
    /usr/bin/python3 test/fn/reference/pytorch_ulp.py
Prints a Markdown table: per activation, max ulp of f, f', f'' in float32 and float64, followed by
"(+n broken)" where n points break the law outright. With ctgrad's measurement beside it (the log of
the reference test, the larger of its two evaluators), as docs/activations.md shows it:
    build/test/fn_activations_reference_test --log_level=message > ctgrad.log
    /usr/bin/python3 test/fn/reference/pytorch_ulp.py --ctgrad-log ctgrad.log
each cell then reads "ctgrad / PyTorch".
"""
import os
import sys

import mpmath as mp
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ulp_law import DOUBLE, FLOAT, ulp_error  # noqa: E402

mp.mp.dps = 60
torch.set_num_threads(1)

HERE = os.path.dirname(os.path.abspath(__file__))

FUNCS = {
    'relu': F.relu, 'leaky_relu': F.leaky_relu, 'relu6': F.relu6, 'hardtanh': F.hardtanh, 'elu': F.elu,
    'selu': F.selu, 'celu': F.celu, 'sigmoid': torch.sigmoid, 'logsigmoid': F.logsigmoid,
    'hardsigmoid': F.hardsigmoid, 'tanh': torch.tanh, 'softsign': F.softsign, 'silu': F.silu,
    'gelu': F.gelu, 'gelu_tanh': lambda x: F.gelu(x, approximate='tanh'), 'mish': F.mish,
    'softplus': F.softplus, 'hardswish': F.hardswish,
}
TYPES = {'float': (torch.float32,) + FLOAT, 'double': (torch.float64,) + DOUBLE}


def read_table():
    rows = {}
    with open(os.path.join(HERE, 'activations.csv')) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            name, x, *want = line.strip().split(',')
            rows.setdefault(name, []).append((float(x), [mp.mpf(w) for w in want]))
    return rows


def derivatives(fun, xs, dtype):
    x = torch.tensor(xs, dtype=dtype, requires_grad=True)
    y = fun(x)
    (d1,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    d2 = None
    try:
        if d1.requires_grad:
            (d2,) = torch.autograd.grad(d1.sum(), x, allow_unused=True)
            if d2 is None:
                d2 = torch.zeros_like(x)
        else:  # a piecewise-linear function: d1 does not depend on x
            d2 = torch.zeros_like(x)
    except RuntimeError as e:  # e.g. hardsigmoid: "derivative for aten::hardsigmoid_backward is not implemented"
        print(f'# {fun}: no second derivative: {e}', file=sys.stderr)
    return [t.detach().tolist() if t is not None else None for t in (y, d1, d2)]


def read_ctgrad_log(path):
    """{(name, type): [f, f', f'']}: max over value_at and compile of the test's 'max-ulp' lines."""
    out = {}
    with open(path) as f:
        for line in f:
            if 'max-ulp ' not in line:
                continue
            w = line[line.index('max-ulp '):].split()
            name, tname = w[1], w[2]
            va, co = [float(v) for v in w[4:7]], [float(v) for v in w[8:11]]
            out[(name, tname)] = [max(a, b) for a, b in zip(va, co)]
    return out


def fmt_ulp(v):
    return '0' if v < 0.01 else (mp.nstr(v, 3) if v < 1000 else '%.2g' % float(v))


def main():
    ctgrad = read_ctgrad_log(sys.argv[2]) if sys.argv[1:2] == ['--ctgrad-log'] else None
    table = read_table()
    print(f'# PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)', file=sys.stderr)
    print('| activation | float f | float f\' | float f\'\' | double f | double f\' | double f\'\' |')
    print('|---|---|---|---|---|---|---|')
    for name, fun in FUNCS.items():
        cells = []
        for tname, (dtype, digits, min_normal, denorm_min) in TYPES.items():
            rows = [(x, w) for x, w in table[name] if float(torch.tensor(x, dtype=dtype)) == x]
            got = derivatives(fun, [x for x, _ in rows], dtype)
            for k in range(3):
                if got[k] is None:
                    mine = '' if ctgrad is None else fmt_ulp(mp.mpf(ctgrad[(name, tname)][k])) + ' / '
                    cells.append(mine + 'n/a')
                    continue
                worst, broken = mp.mpf(0), 0
                for i, (_, want) in enumerate(rows):
                    err = ulp_error(got[k][i], want[k], digits, min_normal, denorm_min)
                    if err is None:
                        broken += 1
                    else:
                        worst = max(worst, err)
                cell = fmt_ulp(worst) + (f' (+{broken} broken)' if broken else '')
                if ctgrad is not None:
                    mine = fmt_ulp(mp.mpf(ctgrad[(name, tname)][k]))
                    cell = (f'**{mine}**' if ctgrad[(name, tname)][k] > 4 else mine) + ' / ' + cell
                cells.append(cell)
        print(f'| {name} | ' + ' | '.join(cells) + ' |')


if __name__ == '__main__':
    main()
