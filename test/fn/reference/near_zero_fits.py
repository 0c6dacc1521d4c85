#!/usr/bin/python3
"""Polynomials for the activations' derivatives near their simple zeros (issue 25), in double.

Near a zero x0 of f' or f'' the closed form is a sum of terms of opposite sign whose rounding errors
(an ulp or two of terms ~1) are amplified by |terms| / |sum|; within the window |x - x0| < h below that
exceeds ~2 ulp, so there the definitions evaluate instead f(x) = t q(t), t = (x - x0_hi) - x0_lo
(x - x0_hi is exact there), q a Chebyshev fit of f(x0 + t) / t on [-h, h] (relative error below
2^-56, so the product keeps a few ulp relative error down to the zero itself).

Run by hand (python3-mpmath) and paste the output into include/ctgrad/fn/definitions/smooth.hpp:
    /usr/bin/python3 test/fn/reference/near_zero_fits.py
"""
import struct

import mpmath as mp

mp.mp.dps = 80


def sig(x):
    return 1 / (1 + mp.exp(-x))


def silu_d1(x):
    return sig(x) * (1 + x * sig(-x))


def silu_d2_abs(a):  # silu'' is even: a function of a = |x|
    e = mp.exp(-a)
    return e * ((2 - a) + e * (2 + a)) / (1 + e) ** 3


def gelu_d1(x):
    return mp.ncdf(x) + x * mp.npdf(x)


def mish_t(x):
    return mp.tanh(mp.log1p(mp.exp(x)))


def mish_d1(x):
    t = mish_t(x)
    return t + x * (1 - t * t) * sig(x)


def mish_d2(x):
    t = mish_t(x)
    return (1 - t * t) * sig(x) * (2 + x * (sig(-x) - 2 * t * sig(x)))


def gelu_tanh_d1(x):
    k0 = mp.sqrt(2 / mp.pi)
    k1 = mp.mpf('0.044715')
    u = k0 * (x + k1 * x ** 3)
    s = sig(2 * u)
    return s + 2 * x * s * (1 - s) * k0 * (1 + 3 * k1 * x * x)


def gelu_tanh_d2_abs(a):  # gelu_tanh'' is even (f(x) - f(-x) = x): a function of a = |x|
    k0 = mp.sqrt(2 / mp.pi)
    k1 = mp.mpf('0.044715')
    u = k0 * (a + k1 * a ** 3)
    du = k0 * (1 + 3 * k1 * a * a)
    d2u = 6 * k0 * k1 * a
    s = sig(2 * u)
    return s * (1 - s) * (4 * du - 4 * a * mp.tanh(u) * du * du + 2 * a * d2u)


FITS = [  # name, function, guess of the zero, half-width h of the window
    ('silu_d1', silu_d1, -1.28, 0.25),
    ('silu_d2', silu_d2_abs, 2.4, 0.35),
    ('gelu_d1', gelu_d1, -0.75, 0.6),
    ('mish_d1', mish_d1, -1.19, 1.1),
    ('gelu_tanh_d1', gelu_tanh_d1, -0.75, 0.6),
    ('gelu_tanh_d2', gelu_tanh_d2_abs, 1.42, 0.7),
    ('mish_d2', mish_d2, -2.26, 1.0),
    ('mish_d2_pos', mish_d2, 1.49, 0.3),
]


# float: the same form with float coefficients (relative error of the fit below 2^-27), for the results
# computed in float rather than widened to double.
FITS_FLOAT = [
    ('silu_d1', silu_d1, -1.28, 0.25),
    ('silu_d2', silu_d2_abs, 2.4, 0.3),
]


def f32(v):
    return struct.unpack('f', struct.pack('f', float(v)))[0]


def fit(f, guess, h, bits):
    x0 = mp.findroot(f, guess)
    q = lambda t: f(x0 + t) / t if t != 0 else mp.diff(f, x0)  # noqa: E731
    for n in range(3, 30):
        c, err = mp.chebyfit(q, [-h, h], n, error=True)
        rel = err / min(abs(q(mp.mpf(-h))), abs(q(mp.mpf(h))), abs(q(0)))
        if rel < mp.mpf(2) ** -bits:
            return x0, c, n, rel


def main():
    for name, f, guess, h in FITS_FLOAT:
        x0, c, n, rel = fit(f, guess, h, 27)
        hi = f32(x0)
        lo = f32(x0 - hi)
        coeffs = ', '.join(repr(f32(v)) + 'f' for v in reversed(c))
        print(f'// {name} (float): zero at {mp.nstr(x0, 12)}, window |t| < {h}, degree {n - 1}, '
              f'relative error of the fit {mp.nstr(rel, 2)}')
        print(f'inline constexpr near_zero_fit<{n}, float> {name}_fit_float{{{hi!r}f, {lo!r}f, {h!r}f, {{{coeffs}}}}};')
    for name, f, guess, h in FITS:
        x0 = mp.findroot(f, guess)
        q = lambda t: f(x0 + t) / t if t != 0 else mp.diff(f, x0)  # noqa: E731
        for n in range(6, 30):
            c, err = mp.chebyfit(q, [-h, h], n, error=True)
            rel = err / min(abs(q(mp.mpf(-h))), abs(q(mp.mpf(h))), abs(q(0)))
            if rel < mp.mpf(2) ** -56:
                break
        hi = float(x0)
        lo = float(x0 - hi)
        coeffs = ', '.join(repr(float(v)) for v in reversed(c))  # lowest degree first
        print(f'// {name}: zero at {mp.nstr(x0, 25)}, window |t| < {h}, degree {n - 1}, '
              f'relative error of the fit {mp.nstr(rel, 2)}')
        print(f'inline constexpr near_zero_fit<{n}> {name}_fit{{{hi!r}, {lo!r}, {h!r}, {{{coeffs}}}}};')


if __name__ == '__main__':
    main()
