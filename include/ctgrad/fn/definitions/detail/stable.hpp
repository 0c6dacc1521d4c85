// ctgrad/fn/definitions/detail/stable.hpp — numerically stable building blocks shared by the activation
// families (logistic pair, softplus, exact products). Implementation detail: not part of the public API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <type_traits>

#include "ctgrad/core/math.hpp"

namespace ctgrad::detail::act {

/// The type an activation computes in internally: float is widened to double where the doc comment of
/// the activation says so (an ill-conditioned intermediate would otherwise cost more than 4 ulp).
template <class T> using wide_t = std::conditional_t<std::is_same_v<T, float>, double, T>;

/// sigma(x) and sigma(-x) from one exp(-|x|): both are accurate to a few ulp relative for every x,
/// including the tail where 1 - sigma(x) would cancel.
template <class T> struct logistic_pair {
  T pos;  // sigma(x)
  T neg;  // sigma(-x) = 1 - sigma(x)
};
/// The pair from e = exp(-|x|), computed by the caller (sigmoid's value and d1 share it).
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr logistic_pair<T> logistic_given(T x, T e) noexcept {
  const T r = T(1) / (T(1) + e);
  const T small = e * r;  // sigma(-|x|)
  const bool pos = x >= T(0);
  return {::ctgrad::math::select(pos, r, small), ::ctgrad::math::select(pos, small, r)};
}
template <class M = ::ctgrad::math::loop_math, class T> CTGRAD_DETAIL_MATH_INLINE constexpr logistic_pair<T> logistic(T x) noexcept {
  return logistic_given(x, M::exp(-::ctgrad::math::abs(x)));
}

/// e = exp(-2|x|), from which tanh's value (tanh_given), sech(x)^2 (sech2_given) and tanh'' are formed.
/// Computed in T, not widened: a float loop that calls the double exp is not vectorised (tanh' is in
/// W1's chain).
template <class M = ::ctgrad::math::loop_math, class T> CTGRAD_DETAIL_MATH_INLINE constexpr T sech2_exp(T x) noexcept {
  return M::exp(T(-2) * ::ctgrad::math::abs(x));
}
/// sech(x)^2 = 1 - tanh(x)^2 = 4e / (1 + e)^2 from e = sech2_exp(x): relative accuracy for every x (no
/// cancellation near tanh = +-1), underflows to 0 only where the true value does.
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T sech2_given(T e) noexcept {
  const T d = T(1) + e;
  return T(4) * e / (d * d);
}
/// The arguments of a rectifier's two arms: x where x > 0 else 0, and x where x <= 0 (or NaN) else 0.
/// The arms are computed branch-free (both evaluated, then math::select: the loops vectorise), so each
/// arm gets the clamped argument and never overflows on the other side (which would also stop a
/// constant expression); where an arm is taken its argument is x, bit for bit.
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T positive_part(T x) noexcept {
  return ::ctgrad::math::select(x > T(0), x, T(0));
}
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T nonpositive_part(T x) noexcept {
  return ::ctgrad::math::select(x > T(0), T(0), x);
}

/// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)).
template <class M = ::ctgrad::math::loop_math, class T> CTGRAD_DETAIL_MATH_INLINE constexpr T softplus(T x) noexcept {
  return ::ctgrad::math::max(x, T(0)) + M::log1p(M::exp(-::ctgrad::math::abs(x)));
}

/// Exact product: a * b == hi + lo (Dekker/Veltkamp, no FMA so it stays constexpr). Valid while
/// |a|, |b| < sqrt(max)/2^27; callers select the uncorrected result outside that range.
template <class T> struct exact_product {
  T hi;
  T lo;
};
template <class T> constexpr T split_factor() noexcept {
  return T(1) + T(std::uint64_t(1) << ((std::numeric_limits<T>::digits + 1) / 2));
}
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr exact_product<T> two_prod(T a, T b) noexcept {
#if defined(__FMA__)
  // With FMA hardware, the low part is one fused multiply-add. Dekker's splitting below is exact only
  // if the compiler keeps every product rounded: g++ (which contracts a * b + c by default in C++)
  // fuses `ah * bh - p` with p = a * b into a multiply-add of the unrounded product, and the low part
  // is lost (gelu_tanh's left tail in double: 77-135 ulp with g++, 3-11 with clang). Constant
  // evaluation has no contraction and keeps Dekker's form; both give the exact a * b - p.
  if (!std::is_constant_evaluated()) {
    const T p = a * b;
    if constexpr (std::is_same_v<T, float>) return {p, __builtin_fmaf(a, b, -p)};
    else if constexpr (std::is_same_v<T, double>) return {p, __builtin_fma(a, b, -p)};
    else return {p, __builtin_fmal(a, b, -p)};
  }
#endif
  const T p = a * b;
  const T ca = split_factor<T>() * a;
  const T a_big = ca - a;
  const T ah = ca - a_big;
  const T al = a - ah;
  const T cb = split_factor<T>() * b;
  const T b_big = cb - b;
  const T bh = cb - b_big;
  const T bl = b - bh;
  const T e1 = ah * bh - p;
  const T e2 = e1 + ah * bl;
  const T e3 = e2 + al * bh;
  return {p, e3 + al * bl};
}

/// tanh(x) from e = exp(-2|x|) (sech2_exp): (1 - e) / (1 + e) where |x| >= 0.625, below it math::tanh's
/// odd polynomial (1 - e cancels there; -0.0 stays -0.0). Both computed and selected, so a loop over it
/// vectorises. The quotient q is corrected by the roundings of 1 - e and 1 + e (exact two-sums) and
/// of q itself (q d - n exactly, two_prod): then only e's own error is left, damped by 2e / (1 - e^2)
/// <= 0.62, and the result is 0.91 ulp at most (float and double, against long double on a dense
/// grid; math::tanh 1.33, uncorrected 1.52). The correction is well below an ulp of q, so dividing it
/// by d is replaced by multiplying it by 1 - e (e^2 <= 8 % relative: < 0.1 ulp). In the tail q rounds
/// to 1 (no special case); NaN stays NaN. long double: math::tanh (no long double kernels).
template <class T> CTGRAD_DETAIL_MATH_INLINE constexpr T tanh_given(T x, T e) noexcept {
  if constexpr (std::is_same_v<T, long double>) {
    return ::ctgrad::math::tanh(x);
  } else {
    const T a = ::ctgrad::math::abs(x);
    const T n = T(1) - e, n_lo = (T(1) - n) - e;  // 1 - e == n + n_lo
    const T d = T(1) + e, d_lo = (T(1) - d) + e;  // 1 + e == d + d_lo
    const T q = n / d;
    const exact_product<T> qd = two_prod(q, d);
    const T r = (n - qd.hi) - qd.lo;              // n - q d, exactly
    const T large = q + ((r + n_lo) - q * d_lo) * n;
    return ::ctgrad::math::copysign(::ctgrad::math::select(a < T(0.625), ::ctgrad::detail::math::tanh_small(a), large), x);
  }
}

/// A derivative near a simple zero x0, where its closed form cancels (a sum of terms of opposite sign,
/// whose roundings are amplified by |terms| / |sum|): f(x) = t q(t), t = (x - x0_hi) - x0_lo, q a
/// polynomial (coefficients lowest degree first) fitted to f(x0 + t) / t on |t| < h to 2^-56 relative
/// by test/fn/reference/near_zero_fits.py (mpmath). x - x0_hi is exact in the window, so the result
/// keeps a few ulp relative error down to the zero itself. V: double, or float for a result computed
/// in float (most float results work in double instead, where the cancellation stays below float's ulp).
template <std::size_t N, class V = double> struct near_zero_fit {
  V x0_hi;
  V x0_lo;
  V h;
  std::array<V, N> c;
};
// Horner, unrolled at compile time (no inner loop in the caller's vectorised loop).
template <std::size_t N, class V, std::size_t... I>
CTGRAD_DETAIL_MATH_INLINE constexpr V near_zero_horner(const std::array<V, N>& c, V t, std::index_sequence<I...>) noexcept {
  V acc = c[N - 1];
  ((acc = acc * t + c[N - 2 - I]), ...);
  return acc;
}
/// The fit's value where |x - x0| < h, else `otherwise` (both computed: branch-free for the loops; t is
/// clamped to 0 outside the window so the polynomial never overflows, in constant expressions too).
template <std::size_t N, class V>
CTGRAD_DETAIL_MATH_INLINE constexpr V near_zero(const near_zero_fit<N, V>& f, V x, V otherwise) noexcept {
  const V d = x - f.x0_hi;
  const bool in = ::ctgrad::math::abs(d) < f.h;
  const V t = ::ctgrad::math::select(in, d - f.x0_lo, V(0));
  const V q = near_zero_horner(f.c, t, std::make_index_sequence<N - 1>{});
  return ::ctgrad::math::select(in, t * q, otherwise);
}

}  // namespace ctgrad::detail::act
