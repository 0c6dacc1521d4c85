"""The accuracy law of the mpmath reference (issue 25), for the scripts beside it (scan.py,
pytorch_ulp.py); test/support/ulp_error.hpp states the same law for the C++ tests.
"""
import mpmath as mp

# digits (of the significand, with the hidden bit), smallest normal, smallest subnormal
FLOAT = (24, mp.mpf(2) ** -126, mp.mpf(2) ** -149)
DOUBLE = (53, mp.mpf(2) ** -1022, mp.mpf(2) ** -1074)


def ulp_error(got, want, digits, min_normal, denorm_min):
    """The error in ulps, or None where the law is broken outright (as ulp_error in the C++ test)."""
    if got != got:  # NaN
        return None
    got = mp.mpf(got)
    if want == 0:
        return mp.mpf(0) if got == 0 else None
    if abs(want) >= min_normal * (1 - mp.mpf(10) ** -19):  # the 21 digits of the CSV, read as C++'s long double does
        ulp = mp.mpf(2) ** (mp.floor(mp.log(abs(want), 2)) - digits + 1)
        return abs(got - want) / ulp
    if abs(want) >= denorm_min / 2:
        ok = abs(got) < min_normal and (got == 0 or (got < 0) == (want < 0))
        return mp.mpf(0) if ok else None
    return mp.mpf(0) if abs(got) <= denorm_min else None
