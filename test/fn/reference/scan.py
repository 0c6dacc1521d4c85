#!/usr/bin/python3
"""A dense scan of every activation against mpmath, between the reference grid's points (issue 25).

    ninja -C build test/fn_activation_scan
    python3 test/fn/reference/scan.py --points > /tmp/xs.txt       # 4,873 points: step 1/64 on [-24, 24], random
    build/test/fn_activation_scan < /tmp/xs.txt | python3 test/fn/reference/scan.py [digits]

prints, per activation, precision and order whose maximum exceeds 3 ulp: the maximum (and where, which
evaluator), and the range of the points over 4 ulp; and every point that breaks the law outright (NaN, a
normal number where the reference is subnormal, ...: ulp_law.py). x not exactly a float is judged in
double only.
The references are generate.py's forms (no cancellation), at 50 digits by default."""
import os
import random
import struct
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate as g
from ulp_law import DOUBLE, FLOAT, ulp_error
import mpmath as mp
if sys.argv[1:] == ['--points']:
    def f32(v):
        return struct.unpack('f', struct.pack('f', v))[0]
    xs = {i / 64 + 3 / 2048 for i in range(-24 * 64, 24 * 64 + 1)}
    rng = random.Random(7)
    xs.update(f32(rng.uniform(-30, 30)) for _ in range(1500))
    xs.update(rng.uniform(-1e4, 1e4) for _ in range(300))
    print('\n'.join(repr(x) for x in sorted(xs)))
    sys.exit(0)
mp.mp.dps = int(sys.argv[1]) if len(sys.argv) > 1 else 50
funs = dict((n, f) for n, f, _ in g.ACTIVATIONS)
worst = {}
over = {}
broken = []
for line in sys.stdin:
    p = line.split()
    name, x = p[0], float.fromhex(p[1])
    vals = [float.fromhex(v) for v in p[2:]]
    ref = funs[name](mp.mpf(x))
    xf_ok = struct.unpack('f', struct.pack('f', x))[0] == x
    for col, (prec, ev) in enumerate((('f64', 'value_at'), ('f64', 'compile'), ('f32', 'value_at'), ('f32', 'compile'))):
        isf = prec == 'f32'
        if isf and not xf_ok:
            continue
        for k in range(3):
            e = ulp_error(vals[col * 3 + k], ref[k], *(FLOAT if isf else DOUBLE))
            key = (name, prec, k)
            if e is None:
                broken.append((name, prec, k, x, ev, vals[col * 3 + k]))
                continue
            e = float(e)
            if e > worst.get(key, (0, 0, ''))[0]:
                worst[key] = (e, x, ev)
            if e > 4:
                over.setdefault(key, []).append(x)
for (name, prec, k), (e, x, ev) in sorted(worst.items()):
    if e > 3:
        xs = over.get((name, prec, k), [])
        rng = ' over 4 on %d points in [%g, %g]' % (len(xs), min(xs), max(xs)) if xs else ''
        print('%-12s %s f%-2s max %8.2f ulp at x = %r (%s)%s' % (name, prec, "'" * k, e, x, ev, rng))
for name, prec, k, x, ev, got in broken:
    print('%-12s %s f%-2s breaks the law at x = %r (%s): %r' % (name, prec, "'" * k, x, ev, got))
