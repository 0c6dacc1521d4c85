// ctgrad/nn/activations/detail/stable.hpp — numerically stable building blocks shared by the activation
// families (logistic pair, softplus, exact products). Implementation detail: not part of the public API.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include <ctgrad/core/math.hpp>

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
template <class M = ::ctgrad::math::loop_math, class T> CTGRAD_DETAIL_MATH_INLINE constexpr logistic_pair<T> logistic(T x) noexcept {
  const T e = M::exp(-::ctgrad::math::abs(x));
  const T r = T(1) / (T(1) + e);
  const T small = e * r;  // sigma(-|x|)
  const bool pos = x >= T(0);
  return {::ctgrad::math::select(pos, r, small), ::ctgrad::math::select(pos, small, r)};
}

/// sech(x)^2 = 1 - tanh(x)^2 = 4e / (1 + e)^2 with e = exp(-2|x|): relative accuracy for every x (no
/// cancellation near tanh = +-1), underflows to 0 only where the true value does. Computed in T, not
/// widened: a float loop that calls the double exp is not vectorised (tanh' is in W1's chain).
template <class M = ::ctgrad::math::loop_math, class T> CTGRAD_DETAIL_MATH_INLINE constexpr T sech2(T x) noexcept {
  const T e = M::exp(T(-2) * ::ctgrad::math::abs(x));
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

}  // namespace ctgrad::detail::act
