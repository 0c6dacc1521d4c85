#!/usr/bin/python3
"""Reference table of every activation of the registry (PyTorch's default parameters): value, first and
second derivative at a grid of points, computed with mpmath at 240 significant digits from forms that
do not cancel (so the reference is exact to the 21 digits written, far beyond double's 17).

Run by hand (python3-mpmath; not needed by CI, which reads the checked-in output):
    /usr/bin/python3 test/fn/reference/generate.py > test/fn/reference/activations.csv
    /usr/bin/python3 test/fn/reference/generate.py --softmax-losses > test/fn/reference/softmax_losses.csv
Read by test/fn/activations_reference_test.cpp. Kink points carry the conventions of
docs/activations.md's kink table (PyTorch's), written out below branch by branch.

Grid (per activation, ~590 points; every x is a float, so the same row serves float and double):
a walk over [-12, 12], a denser one over [-16, 16] (step 1/8), bands where a dense scan found an error
between the walk's points (BANDS), a logarithmic walk of both tails out to +-1e4, small |x| down to 1e-7, the
saturation points +-30 and 100, and every kink with its neighbours 1 and 4 float ulps (and 1 double
ulp) away. Columns: name, x (exact, 17 digits), f, f', f''.
"""
import struct
import sys

import mpmath as mp

mp.mp.dps = 240


def f32(v):
    return struct.unpack('f', struct.pack('f', float(v)))[0]


def next_f32(v, n):
    b = struct.unpack('<i', struct.pack('<f', v))[0]
    if v == 0:
        return struct.unpack('<f', struct.pack('<i', abs(n)))[0] * (1 if n > 0 else -1)
    b += n if v > 0 else -n
    return struct.unpack('<f', struct.pack('<i', b))[0]


def next_f64(v, n):
    b = struct.unpack('<q', struct.pack('<d', v))[0]
    b += n if v > 0 else -n
    return struct.unpack('<d', struct.pack('<q', b))[0]


def sig(x):  # sigmoid without cancellation in either tail
    return 1 / (1 + mp.exp(-x))


def sig_pair(x):  # sigma(x) sigma(-x) = e / (1 + e)^2, e = exp(-|x|)
    e = mp.exp(-abs(x))
    return e / (1 + e) ** 2


ONE, ZERO = mp.mpf(1), mp.mpf(0)


def relu(x):
    return (x, ONE, ZERO) if x > 0 else (ZERO, ZERO, ZERO)


def leaky_relu(x, ns=mp.mpf('0.01')):
    return (x, ONE, ZERO) if x > 0 else (ns * x, ns, ZERO)


def relu6(x):
    return (min(max(x, ZERO), mp.mpf(6)), ONE if 0 < x < 6 else ZERO, ZERO)


def hardtanh(x, lo=-1, hi=1):
    return (min(max(x, mp.mpf(lo)), mp.mpf(hi)), ONE if lo < x < hi else ZERO, ZERO)


def elu(x, alpha=ONE):
    if x > 0:
        return (x, ONE, ZERO)
    return (alpha * mp.expm1(x), alpha * mp.exp(x), alpha * mp.exp(x) if x < 0 else ZERO)  # f''(0) = 0


SELU_ALPHA = mp.mpf('1.6732632423543772848170429916717')
SELU_SCALE = mp.mpf('1.0507009873554804934193349852946')


def selu(x):
    return tuple(SELU_SCALE * v for v in elu(x, SELU_ALPHA))


def celu(x, alpha=ONE):
    if x > 0:
        return (x, ONE, ZERO)
    return (alpha * mp.expm1(x / alpha), mp.exp(x / alpha), mp.exp(x / alpha) / alpha if x < 0 else ZERO)


def sigmoid(x):
    d1 = sig_pair(x)
    return (sig(x), d1, -mp.tanh(x / 2) * d1)  # 1 - 2 sigma(x) = -tanh(x/2)


def logsigmoid(x):
    return (-mp.log1p(mp.exp(-x)), sig(-x), -sig_pair(x))


def hardsigmoid(x):
    return (min(max(x + 3, ZERO), mp.mpf(6)) / 6, mp.mpf(1) / 6 if -3 < x < 3 else ZERO, ZERO)


def tanh(x):
    s2 = 1 / mp.cosh(x) ** 2
    return (mp.tanh(x), s2, -2 * mp.tanh(x) * s2)


def softsign(x):
    d = 1 + abs(x)
    sgn = 1 if x > 0 else (-1 if x < 0 else 0)
    return (x / d, 1 / d ** 2, -2 * sgn / d ** 3)


def silu(x):
    sp, sn = sig(x), sig(-x)
    return (x * sp, sp * (1 + x * sn), sig_pair(x) * (2 - x * mp.tanh(x / 2)))


def gelu(x):
    cdf = mp.erfc(-x / mp.sqrt(2)) / 2
    pdf = mp.exp(-x * x / 2) / mp.sqrt(2 * mp.pi)
    return (x * cdf, cdf + x * pdf, pdf * (2 - x * x))


def gelu_tanh(x):
    k, c = mp.sqrt(2 / mp.pi), mp.mpf('0.044715')
    u = k * (x + c * x ** 3)
    du, d2u = k * (1 + 3 * c * x * x), 6 * k * c * x
    s, ss = sig(2 * u), sig_pair(2 * u)
    return (x * s, s + 2 * x * ss * du, ss * (4 * du - 4 * x * mp.tanh(u) * du * du + 2 * x * d2u))


def mish(x):
    sp = mp.log1p(mp.exp(x))
    t, sech2, s = mp.tanh(sp), 1 / mp.cosh(sp) ** 2, sig(x)
    g = sech2 * s
    return (x * t, t + x * g, g * (2 + x * (sig(-x) - 2 * t * s)))


def softplus(x, beta=ONE, thr=mp.mpf(20)):
    z = beta * x
    if z > thr:
        return (x, ONE, ZERO)
    return (mp.log1p(mp.exp(z)) / beta, sig(z), beta * sig_pair(z) if z < thr else ZERO)  # kink: f'' = 0


def hardswish(x):
    f = x * min(max(x + 3, ZERO), mp.mpf(6)) / 6
    d1 = ZERO if x < -3 else (x / 3 + mp.mpf(1) / 2 if x <= 3 else ONE)
    return (f, d1, mp.mpf(1) / 3 if -3 < x < 3 else ZERO)


# name -> (definition, kinks, smooth): the registry's order (fn/registry.hpp's activation_list).
ACTIVATIONS = [
    ('relu', relu, [0.0]), ('leaky_relu', leaky_relu, [0.0]), ('relu6', relu6, [0.0, 6.0]),
    ('hardtanh', hardtanh, [-1.0, 1.0]), ('elu', elu, [0.0]), ('selu', selu, [0.0]), ('celu', celu, [0.0]),
    ('sigmoid', sigmoid, []), ('logsigmoid', logsigmoid, []), ('hardsigmoid', hardsigmoid, [-3.0, 3.0]),
    ('tanh', tanh, []), ('softsign', softsign, [0.0]), ('silu', silu, []), ('gelu', gelu, []),
    ('gelu_tanh', gelu_tanh, []), ('mish', mish, []), ('softplus', softplus, [20.0]),
    ('hardswish', hardswish, [-3.0, 3.0]),
]


# Bands denser than the grid, per activation: where an evaluation once failed between grid points (a
# dense scan, docs/activations.md "Accuracy"). gelu_tanh: sigmoid(2u) is subnormal while f, f', f'' are
# normal (|x| ~ 21.2).
# A band added for a fix was checked to fail (> 4 ulp) with the code it replaced, with g++ -O2 or -O3
# -march=native.
BANDS = {
    # silu f'': the rounding of 1 + e entered (1 + e)^3 three times (x = -4.25).
    'silu': [(-4.5, -4.0, 1 / 128), (-7, -5, 1 / 32)],
    # gelu f: math::erfc's polynomial on [2, 2.3] (x = -3.25), its tail and x times the corrected Phi.
    'gelu': [(-3.5, -2.75, 1 / 128), (-24, -16, 1 / 16)],
    # gelu_tanh: the far tails (subnormal sigmoid(2u)); f' where s + 2x s (1-s) u' cancels (x = -1.62,
    # -3.19, -4.5); f'' from the corrected sigmoid pair and P in plain Horner (x = 4.13, +-17.5).
    'gelu_tanh': [(-21.5, -20.9, 1 / 128), (20.9, 21.5, 1 / 128), (-1.75, -1.5, 1 / 128),
                  (-3.25, -3.125, 1 / 128), (-4.625, -4.375, 1 / 128), (4.0, 4.25, 1 / 128),
                  (-6.0, -5.75, 1 / 128), (-18, -17.25, 1 / 64), (17.25, 18, 1 / 64)],
    # mish f', f'' for x < 0: t + x g and g (2 + x (sn - 2 t sp)) (x = -2.6, -15.8).
    'mish': [(-2.75, -2.25, 1 / 128), (-15.25, -14.75, 1 / 128), (-16.75, -15.5, 1 / 128)],
    # tanh f'' in float: one point of the dense scan (a band of width 0), where the rounding of 1 + e
    # entered sech^2 twice (4.06 ulp at x = -3.9046199).
    'tanh': [(-3.9046199321746826 - 3 / 2048, -3.9046199321746826 - 3 / 2048, 1)],
}


def grid(kinks, name=''):
    xs = set()
    for i in range(121):  # [-12, 12], step 0.2 (rounded to float)
        xs.add(f32(-12 + 0.2 * i + 0.0123))
    for i in range(-128, 129):  # [-16, 16], step 1/8, off the dyadic points by 3/2048 (exact floats)
        xs.add(i / 8 + 3 / 2048)
    for lo, hi, step in BANDS.get(name, []):
        n = int(round((hi - lo) / step))
        xs.update(f32(lo + step * i + 3 / 2048) for i in range(n + 1))
    for i in range(49):  # 12 .. 1e4, logarithmic, both signs
        v = f32(12 * (1e4 / 12) ** (i / 48))
        xs.update((v, -v))
    for i in range(15):  # 1e-7 .. 0.1
        v = f32(1e-7 * 1e6 ** (i / 14))
        xs.update((v, -v))
    xs.update((0.0, 30.0, -30.0, 100.0, -100.0, 15.5, -15.5, -20.0, -25.0, 1e4, -1e4))
    for k in kinks:
        xs.add(k)
        for n in (1, 4):
            xs.update((next_f32(k, n), next_f32(k, -n)))
        if k != 0:
            xs.update((next_f64(k, 1), next_f64(k, -1)))
        else:
            xs.update((5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308))
    return sorted(xs)


def check(name, fun, x):
    """The closed forms agree with mpmath's own differentiation (smooth points only)."""
    xm = mp.mpf(x)
    v = fun(xm)
    d1 = mp.diff(lambda t: fun(t)[0], xm)
    d2 = mp.diff(lambda t: fun(t)[0], xm, 2)
    for got, want in ((v[1], d1), (v[2], d2)):
        if abs(got - want) > mp.mpf(10) ** -60 * max(abs(want), mp.mpf(10) ** -30):
            raise SystemExit(f'{name}: closed-form derivative disagrees with mp.diff at {x}: {got} vs {want}')


# ---- softmax, log_softmax, their vector-Jacobian products, cross-entropy and BCE with logits ----------
# Rows of softmax_losses.csv: kind,label,z0,z1,z2,g0,g1,g2,o0,o1,o2 (inputs are floats, so a row serves
# float and double; an unused output is written as -). Per logit vector z (3 classes; saturated gaps of
# 15 .. 1000, ties, moderate values), with the cotangent g = (1, -0.5, 0.25) and the labels argmax and
# argmin of z:
#   softmax          o = p = softmax(z)
#   log_softmax      o = log p (from z - logsumexp(z): no cancellation)
#   softmax_vjp      o = p * (g - <g, p>)          (the gradient of sum(softmax(z) * g))
#   log_softmax_vjp  o = g - p * sum(g)            (the gradient of sum(log_softmax(z) * g))
#   ce               o0 = -log p[label]            (cross_entropy, one row, reduction sum)
#   ce_grad          o = p - onehot(label)         (its gradient in z)
#   ce_hvp           o = p * (g - <g, p>)          (its Hessian diag(p) - p p^T times g)
#   bce (label = -1) z0 = x, g0 = t: o = l, dl/dx = sigmoid(x) - t, d2l/dx2 = sigmoid(x) sigmoid(-x),
#                    l = max(x, 0) - x t + log1p(exp(-|x|))
# 1 - p for the dominant class is formed as sum_{j != k} p_j, so the references keep their relative
# accuracy where p rounds to 1.

LOGITS = [
    (1.5, -0.75, 2.0), (0.0, -15.0, -17.25), (0.0, -30.0, -30.5), (30.0, 0.0, 0.25), (0.0, -40.0, -88.0),
    (0.0, -100.0, -101.0), (-20.0, 10.0, 10.0), (0.0, -1000.0, -1000.5), (1000.0, 0.0, -1000.0),
    (-3.0, 27.0, -60.0),
]
COTANGENT = (1.0, -0.5, 0.25)
BCE_POINTS = [(x, t) for x in (-1000.0, -100.0, -30.0, -17.0, -2.5, 0.0, 0.75, 17.0, 30.0, 100.0, 1000.0)
              for t in (0.0, 1.0, 0.25)]


def softmax_parts(z):
    z = [mp.mpf(v) for v in z]
    m = max(z)
    s = mp.fsum(mp.exp(v - m) for v in z)
    logp = [v - m - mp.log(s) for v in z]
    p = [mp.exp(v) for v in logp]
    return p, logp


def one_minus(p, k):  # 1 - p[k] without cancellation
    return mp.fsum(p[j] for j in range(len(p)) if j != k)


def softmax_vjp(p, g):
    # p_i (g_i - <g, p>); for the dominant i, g_i - <g, p> = g_i (1 - p_i) - sum_{j != i} g_j p_j
    out = []
    for i in range(len(p)):
        inner = g[i] * one_minus(p, i) - mp.fsum(g[j] * p[j] for j in range(len(p)) if j != i)
        out.append(p[i] * inner)
    return out


def softmax_rows():
    g = [mp.mpf(v) for v in COTANGENT]
    for z in LOGITS:
        p, logp = softmax_parts(z)
        sg = mp.fsum(g)
        lsv = [g[i] - p[i] * sg if p[i] < mp.mpf(0.5) else (g[i] - sg) + one_minus(p, i) * sg for i in range(3)]
        yield 'softmax', -1, z, p
        yield 'log_softmax', -1, z, logp
        yield 'softmax_vjp', -1, z, softmax_vjp(p, g)
        yield 'log_softmax_vjp', -1, z, lsv
        for label in sorted({z.index(max(z)), z.index(min(z))}):
            yield 'ce', label, z, [-logp[label]]
            yield 'ce_grad', label, z, [-one_minus(p, i) if i == label else p[i] for i in range(3)]
            yield 'ce_hvp', label, z, softmax_vjp(p, g)


def bce(x, t):
    x, t = mp.mpf(x), mp.mpf(t)
    e = mp.exp(-abs(x))
    sp, sn = (1 / (1 + e), e / (1 + e)) if x >= 0 else (e / (1 + e), 1 / (1 + e))
    return [max(x, 0) - x * t + mp.log1p(e), (1 - t) - sn if x >= 0 else sp - t, sp * sn]


def check_softmax():
    """The closed forms agree with mpmath's differentiation at a moderate point."""
    z0 = [mp.mpf(v) for v in LOGITS[0]]
    g = [mp.mpf(v) for v in COTANGENT]
    p, _ = softmax_parts(z0)
    lse = lambda *z: mp.log(mp.fsum(mp.exp(v) for v in z))  # noqa: E731
    for i in range(3):
        e = [mp.mpf(int(i == j)) for j in range(3)]
        d_soft = mp.diff(lambda h: mp.fsum(g[j] * softmax_parts([z0[k] + h * e[k] for k in range(3)])[0][j]
                                           for j in range(3)), 0)
        d_ce = mp.diff(lambda h: lse(*[z0[k] + h * e[k] for k in range(3)]) - (z0[1] + h * e[1]), 0)
        for got, want in ((softmax_vjp(p, g)[i], d_soft), (p[i] - (i == 1), d_ce)):
            if abs(got - want) > mp.mpf(10) ** -50:
                raise SystemExit(f'softmax/ce: closed form disagrees with mp.diff: {got} vs {want}')
    for x, t in ((0.75, 0.25), (-2.5, 1.0)):
        v = bce(x, t)
        if abs(v[1] - mp.diff(lambda u: bce(u, t)[0], x)) > mp.mpf(10) ** -50 or \
                abs(v[2] - mp.diff(lambda u: bce(u, t)[0], x, 2)) > mp.mpf(10) ** -50:
            raise SystemExit('bce: closed-form derivative disagrees with mp.diff')


def softmax_main():
    check_softmax()
    out = sys.stdout
    out.write('# generated by test/fn/reference/generate.py --softmax-losses (mpmath, %d digits): '
              'kind,label,z0,z1,z2,g0,g1,g2,o0,o1,o2\n' % mp.mp.dps)
    fmt = lambda v: mp.nstr(mp.mpf(v), 21, min_fixed=1, max_fixed=0)  # noqa: E731
    for kind, label, z, o in softmax_rows():
        o = [fmt(v) for v in o] + ['-'] * (3 - len(o))
        out.write('%s,%d,%s,%s,%s\n' % (kind, label, ','.join(repr(v) for v in z),
                                        ','.join(repr(v) for v in COTANGENT), ','.join(o)))
    for x, t in BCE_POINTS:
        out.write('bce,-1,%r,0.0,0.0,%r,0.0,0.0,%s\n' % (x, t, ','.join(fmt(v) for v in bce(x, t))))


def main():
    if sys.argv[1:] == ['--softmax-losses']:
        return softmax_main()
    out = sys.stdout
    out.write('# generated by test/fn/reference/generate.py (mpmath, %d digits): name,x,f,d1,d2\n' % mp.mp.dps)
    for name, fun, kinks in ACTIVATIONS:
        for x in (-7.3, -1.1, -0.3, 0.4, 2.5, 9.0):
            if all(abs(x - k) > 0.1 for k in kinks):
                check(name, fun, x)
        for x in grid(kinks, name):
            v = fun(mp.mpf(x))
            out.write('%s,%r,%s\n' % (name, x, ','.join(mp.nstr(mp.mpf(t), 21, min_fixed=1, max_fixed=0) for t in v)))


if __name__ == '__main__':
    main()
