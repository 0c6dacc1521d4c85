// ctgrad/core/math.hpp — the scalar math of ctgrad's fused elementwise loops: exp, expm1, log, log1p,
// tanh, erf, erfc, sqrt and branch-free helpers, usable in constant expressions and written so that a
// loop calling them auto-vectorises without -ffast-math. Not a general libm: float and double are
// implemented here (range reduction + minimax polynomials); long double forwards to <cmath> at run time.
#pragma once

#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

namespace ctgrad::math {

// Every function below is `template <std::floating_point T> constexpr T f(T x) noexcept`.
// Accuracy is the largest error measured against a long double reference (test/core/math_test.cpp,
// dense grids over the whole range plus edges), in units in the last place (ulp) of the result.
// Special values are produced by selects at the end of the computation, never by branches, so the
// results are the same in a vectorised loop. Subnormal inputs and outputs are handled (no flushing).
// In a constant expression the same code runs (bit manipulation is done with std::bit_cast), except
// that NaN and infinite arguments are answered up front because the compilers reject NaN-producing or
// overflowing arithmetic during constant evaluation.
// Vectorisation: checked by test/core/check_vectorised.sh (g++ -O2 -march=x86-64-v3).
// One value at a time, math::scalar_math (at the end of this header) computes the same results with
// branches instead of the selects: what value_at uses.
// This header is what callers use: the functions' declarations with their contracts, and the two
// policies. How they are computed (bit-level view, minimax coefficients, kernels, constant-evaluation
// fallbacks) is core/detail/math_kernels.hpp, included below.

/// |x|: clears the sign bit (so abs(-0.0) == +0.0 and abs(NaN) is a NaN). Exact.
template <std::floating_point T> constexpr T abs(T x) noexcept;

/// The magnitude of `mag` with the sign bit of `sgn` (like std::copysign). Exact.
template <std::floating_point T> constexpr T copysign(T mag, T sgn) noexcept;

/// `cond ? a : b` computed with bit masks, so that both a and b are evaluated and no branch is ever
/// made (GCC would otherwise sink the computation of a into a branch that it cannot if-convert under
/// -ftrapping-math, which blocks vectorisation). Compiles to a blend in vector loops.
template <std::floating_point T> constexpr T select(bool cond, T a, T b) noexcept;

/// The larger of x and y as `x < y ? y : x`: a NaN in x is returned (propagates), a NaN in y is
/// ignored; compiles to one (v)maxps/maxpd. Unlike std::fmax, a NaN x is not dropped.
template <std::floating_point T> constexpr T max(T x, T y) noexcept;

/// The smaller of x and y as `y < x ? y : x`: a NaN in x propagates, a NaN in y is ignored.
template <std::floating_point T> constexpr T min(T x, T y) noexcept;

/// e^x. Overflow (x > 88.72 float, > 709.78 double) gives +inf, exp(-inf) == 0, results below the
/// smallest normal are rounded once into the subnormal range and go to 0 below it; NaN propagates.
/// Max error (measured by test/core/math_test): 1.0 ulp float, 1.01 ulp double.
template <std::floating_point T> constexpr T exp(T x) noexcept;

/// e^x - 1, accurate for small |x| (expm1(x) == x for tiny x, -0.0 preserved). expm1(-inf) == -1,
/// overflow gives +inf, NaN propagates. Max error: 1.4 ulp float, 1.9 ulp double (measured).
template <std::floating_point T> constexpr T expm1(T x) noexcept;

/// Natural logarithm. log(±0) == -inf, log(x < 0) == NaN, log(+inf) == +inf, NaN propagates;
/// subnormal arguments are exact-scaled first. Max error: 0.74 ulp (measured, float and double).
template <std::floating_point T> constexpr T log(T x) noexcept;

/// log(1 + x), accurate for small |x| (log1p(x) == x for tiny x). log1p(-1) == -inf,
/// log1p(x < -1) == NaN, log1p(+inf) == +inf, NaN propagates. Max error: 0.75 ulp (measured, float and double).
template <std::floating_point T> constexpr T log1p(T x) noexcept;

/// Hyperbolic tangent: an odd minimax polynomial for |x| < 0.625, else sign(x) * (1 - 2 / (expm1(2|x|) + 2)).
/// tanh(±inf) == ±1, tanh(-0.0) == -0.0, NaN propagates. Max error: 1.3 ulp float, 1.35 ulp double (measured).
template <std::floating_point T> constexpr T tanh(T x) noexcept;

/// The error function 2/sqrt(pi) * integral_0^x e^(-t^2) dt. For |x| < 1 an odd minimax polynomial,
/// else 1 - e^(-x^2) * R(|x|) with a minimax R (two pieces in double). erf(±inf) == ±1, NaN propagates.
/// Max error: 1.0 ulp float, 1.05 ulp double (measured).
template <std::floating_point T> constexpr T erf(T x) noexcept;

/// The complementary error function 1 - erf(x), relatively accurate over its whole range (the tail
/// included, down to underflow): 1 - erf(x) for x < 1, else e^(-x^2) erfcx(x) with an exactly split
/// x^2, erfcx from a minimax polynomial and, far out, a continued fraction. erfc(-inf) == 2,
/// erfc(+inf) == 0, NaN propagates. Max error: 1.1 / 1.2 ulp (float / double) for x < 0.5; beyond,
/// 4.3 ulp in float, and in double 4.1 for 0.5 <= x < 1 (1 - erf(x)) and 2.3 past x = 1 (own fits on
/// [1, 2] and [2, 2.3], x^2's low part in exp's argument; measured against mpmath, 2026-12-07).
template <std::floating_point T> constexpr T erfc(T x) noexcept;

/// Square root, correctly rounded. At run time this is std::sqrt (the hardware instruction); note that
/// GCC and Clang vectorise a loop calling it only under -fno-math-errno, because sqrt(x < 0) must set
/// errno otherwise. In a constant expression an exact integer square root is used, so the constexpr
/// and run-time results are identical. sqrt(-0.0) == -0.0, sqrt(x < 0) == NaN, sqrt(+inf) == +inf.
template <std::floating_point T> constexpr T sqrt(T x) noexcept;

}  // namespace ctgrad::math

// Forces inlining of the kernels: a loop that calls an out-of-line kernel cannot be vectorised, and
// GCC's -O2 heuristics leave the larger kernels (log1p, erf) out of line otherwise.
#define CTGRAD_DETAIL_MATH_INLINE [[gnu::always_inline]] inline

// The definitions of the functions above (before the policies, which name the scalar variants).
#include "ctgrad/core/detail/math_kernels.hpp"

namespace ctgrad::math {

// ---- math policies: which form of these functions an evaluator calls ----------------------------
// The activations (fn/definitions/) and the exp and log ops (ops/elementwise.hpp) call exp, expm1,
// log, log1p, tanh, erf and erfc through a policy M, a template parameter that the evaluator chooses:
// compile()'s loops take loop_math (the functions above: branch-free, so the loops vectorise),
// value_at and value_and_grad_at take scalar_math, which computes one value at a time with a branch
// around the special arguments instead of the selects. The two give the same results, bit for bit
// (test/core/math_test.cpp compares them at every branch edge and its neighbours, over bit patterns
// spread across the whole encoding and on a dense grid), so the choice is one of speed only.
// scalar_math's erf and erfc are loop_math's (no scalar variant yet); the losses (fn/losses.hpp)
// call the functions above directly.

/// The branch-free functions of this header: for loops that must vectorise. The default policy.
struct loop_math {
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T exp(T x) noexcept { return math::exp(x); }
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T expm1(T x) noexcept { return math::expm1(x); }
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T log(T x) noexcept { return math::log(x); }
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T log1p(T x) noexcept { return math::log1p(x); }
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T tanh(T x) noexcept { return math::tanh(x); }
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T erf(T x) noexcept { return math::erf(x); }
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T erfc(T x) noexcept { return math::erfc(x); }
};

/// The same functions for one value at a time (scalar code): the ordinary arguments take a branch
/// past the special-value selects. Identical results to loop_math; in a constant expression, and
/// for long double, it is loop_math.
struct scalar_math {
#define CTGRAD_DETAIL_SCALAR_MATH(f)                                                              \
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T f(T x) noexcept { \
    if constexpr (std::is_same_v<T, long double>) {                                              \
      return math::f(x);                                                                         \
    } else {                                                                                     \
      if (std::is_constant_evaluated()) return math::f(x);                                       \
      return ctgrad::detail::math::f##_scalar(x);                                                \
    }                                                                                            \
  }
  CTGRAD_DETAIL_SCALAR_MATH(exp)
  CTGRAD_DETAIL_SCALAR_MATH(expm1)
  CTGRAD_DETAIL_SCALAR_MATH(log)
  CTGRAD_DETAIL_SCALAR_MATH(log1p)
  CTGRAD_DETAIL_SCALAR_MATH(tanh)
#undef CTGRAD_DETAIL_SCALAR_MATH
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T erf(T x) noexcept { return math::erf(x); }
  template <std::floating_point T> CTGRAD_DETAIL_MATH_INLINE static constexpr T erfc(T x) noexcept { return math::erfc(x); }
};

}  // namespace ctgrad::math
