// ctgrad/fn/definitions/sigmoids.hpp — the sigmoid family as scalar definitions: sigmoid, logsigmoid,
// hardsigmoid, tanh, softsign (value, d1, d2, kinks, docs, PyTorch parameters, long double reference).
// Not expression nodes and not softmax/log_softmax (row-wise, in the losses).
#pragma once

#include <array>
#include <cmath>
#include <string_view>

#include "ctgrad/core/math.hpp"
#include "ctgrad/fn/definitions/detail/stable.hpp"
#include "ctgrad/fn/definitions/param.hpp"

namespace ctgrad::fn {

/// sigmoid(x) = 1 / (1 + exp(-x)), evaluated from exp(-|x|) so it never overflows; saturates to exactly
/// 0 and 1. d1 = sigmoid(x) sigmoid(-x) and d2 = d1 (1 - 2 sigmoid(x)) are computed from x, not from y
/// (PyTorch's y (1 - y) is exactly 0 once y rounds to 1, e.g. float sigmoid'(30) = 9.36e-14).
/// Accuracy: value, d1 and d2 <= 4 ulp relative wherever the result is normal (test/fn/reference).
struct sigmoid {
  static constexpr std::string_view name = "sigmoid";
  static constexpr std::string_view formula = "1 / (1 + exp(-x))";
  static constexpr std::string_view derivative = "sigmoid(x) * sigmoid(-x)";
  static constexpr std::string_view range = "(0, 1)";
  static constexpr std::string_view kink_convention = "none (smooth)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  // value and d1 share exp(-|x|): the fused loop finds it in its one body; value_at's flat program
  // computes it once as its own instruction (ops::fn_has_shared).
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T shared(T x) noexcept {
    return M::exp(-::ctgrad::math::abs(x));
  }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T value_given(T x, T e) noexcept {
    return detail::act::logistic_given(x, e).pos;
  }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d1_given(T x, T e) noexcept {
    const auto s = detail::act::logistic_given(x, e);
    return s.pos * s.neg;
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept { return value_given<T, M>(x, shared<T, M>(x)); }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d1(T x, T /*y*/) noexcept {
    return d1_given<T, M>(x, shared<T, M>(x));
  }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d2(T x, T /*y*/) noexcept {
    // sigma(x) sigma(-x) (1 - 2 sigma(x)) = -e / (1 + e)^2 tanh(x / 2), e = exp(-|x|): tanh is accurate
    // relative near 0 (1 - e by expm1 cost up to 4.35 ulp there) and e / (1 + e)^2 rounds three times.
    // float works in double.
    using W = detail::act::wide_t<T>;
    const W w = W(x);
    const W e = M::exp(-::ctgrad::math::abs(w));
    const W d = W(1) + e;
    return T(-(e / (d * d)) * M::tanh(W(0.5) * w));
  }
  static long double reference(long double x) { return 1.0L / (1.0L + std::exp(-x)); }
  static long double reference_d1(long double x) {
    const long double e = std::exp(-std::fabs(x));
    return e / ((1.0L + e) * (1.0L + e));
  }
};

/// logsigmoid(x) = log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)): no overflow, no
/// cancellation. d1 = sigmoid(-x), d2 = -sigmoid(x) sigmoid(-x), both from exp(-|x|).
/// Accuracy: value and d1 <= 3 ulp.
struct logsigmoid {
  static constexpr std::string_view name = "logsigmoid";
  static constexpr std::string_view formula = "log(1 / (1 + exp(-x)))";
  static constexpr std::string_view derivative = "1 - sigmoid(x) = sigmoid(-x)";
  static constexpr std::string_view range = "(-inf, 0)";
  static constexpr std::string_view kink_convention = "none (smooth)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept {
    return ::ctgrad::math::min(x, T(0)) - M::log1p(M::exp(-::ctgrad::math::abs(x)));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept { return detail::act::logistic<M>(x).neg; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/) noexcept {
    const auto s = detail::act::logistic<M>(x);
    return -(s.pos * s.neg);
  }
  static long double reference(long double x) { return -std::log1p(std::exp(-x)); }
  static long double reference_d1(long double x) { return 1.0L / (1.0L + std::exp(x)); }
};

/// hardsigmoid(x) = min(max(x + 3, 0), 6) / 6. d1 = 1/6 on the open (-3, 3), else 0 — including at
/// x = -3 and x = 3 (PyTorch's hardsigmoid_backward); d2 = 0. Error <= 1 ulp.
struct hardsigmoid {
  static constexpr std::string_view name = "hardsigmoid";
  static constexpr std::string_view formula = "min(max(x + 3, 0), 6) / 6";
  static constexpr std::string_view derivative = "1/6 if -3 < x < 3, else 0";
  static constexpr std::string_view range = "[0, 1]";
  static constexpr std::string_view kink_convention = "f'(-3) = f'(3) = 0 (PyTorch)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 2> kinks() noexcept { return {T(-3), T(3)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept {
    const T s = x + T(3);
    return ::ctgrad::math::select(s < T(0), T(0), ::ctgrad::math::select(s > T(6), T(6), s)) / T(6);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept {
    return ::ctgrad::math::select((x > T(-3)) & (x < T(3)), T(1) / T(6), T(0));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T /*x*/, T /*y*/) noexcept { return T(0); }
  static long double reference(long double x) {
    return x <= -3 ? 0.0L : (x >= 3 ? 1.0L : (x + 3) / 6);
  }
  static long double reference_d1(long double x) { return x > -3 && x < 3 ? 1.0L / 6 : 0.0L; }
};

/// tanh(x), saturating to exactly +-1. d1 = sech(x)^2 = 4e / (1 + e)^2 with e = exp(-2|x|), computed from
/// x (PyTorch's (1 - y)(1 + y) is exactly 0 once y rounds to 1, although tanh'(30) = 3.5e-26); d2 = -2 y d1
/// (y = tanh(x) is accurate relative), its d1 with the rounding of 1 + e carried (float reached 4.06 ulp at
/// x = -3.9046 without it). Accuracy: value <= 1 ulp; d1, d2 <= 4 ulp wherever the result is
/// normal (test/fn/reference).
struct tanh {
  static constexpr std::string_view name = "tanh";
  static constexpr std::string_view formula = "(exp(x) - exp(-x)) / (exp(x) + exp(-x))";
  static constexpr std::string_view derivative = "1 - tanh(x)^2 = 4 e / (1 + e)^2, e = exp(-2 abs(x))";
  static constexpr std::string_view range = "(-1, 1)";
  static constexpr std::string_view kink_convention = "none (smooth)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true;
  static constexpr bool uses_value_in_derivative = true;

  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  // value and d1 share e = exp(-2|x|) (ops::fn_has_shared: value_at computes it once, and a loop
  // that needs both finds one exp): tanh|x| = (1 - e) / (1 + e) with its roundings corrected from
  // |x| = 0.625 on, below it math::tanh's odd polynomial (detail::act::tanh_given).
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T shared(T x) noexcept {
    return detail::act::sech2_exp<M>(x);
  }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T value_given(T x, T e) noexcept {
    return detail::act::tanh_given(x, e);
  }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d1_given(T /*x*/, T e) noexcept {
    return detail::act::sech2_given(e);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept { return value_given<T, M>(x, shared<T, M>(x)); }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d1(T x, T /*y*/) noexcept {
    return d1_given<T, M>(x, shared<T, M>(x));
  }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d2(T x, T y) noexcept {
    // sech2's 4e / d^2 with the rounding d_lo of d = 1 + e carried: (d + d_lo)^2 ~ d^2 + 2 d d_lo (d's
    // rounding entered d^2 twice: 4.1 ulp in float at x = -3.9).
    const T e = detail::act::sech2_exp<M>(x);
    const T d = T(1) + e;
    const T d_lo = (T(1) - d) + e;
    return T(-2) * y * (T(4) * e / (d * d + T(2) * d * d_lo));
  }
  static long double reference(long double x) { return std::tanh(x); }
  static long double reference_d1(long double x) {
    const long double c = std::cosh(x);
    return 1.0L / (c * c);
  }
};

/// softsign(x) = x / (1 + |x|). d1 = 1 / (1 + |x|)^2 (continuous, f'(0) = 1);
/// d2 = -2 sign(x) / (1 + |x|)^3 jumps at 0, where it is 0 (PyTorch's sgn(0) = 0), hence smooth = false;
/// float's d2 works in double. Error <= 2 ulp.
struct softsign {
  static constexpr std::string_view name = "softsign";
  static constexpr std::string_view formula = "x / (1 + |x|)";
  static constexpr std::string_view derivative = "1 / (1 + |x|)^2";
  static constexpr std::string_view range = "(-1, 1)";
  static constexpr std::string_view kink_convention = "f'(0) = 1 (continuous); f''(0) = 0 (sgn(0) = 0)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 1> kinks() noexcept { return {T(0)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept { return x / (T(1) + ::ctgrad::math::abs(x)); }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept {
    const T d = T(1) + ::ctgrad::math::abs(x);
    return T(1) / (d * d);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/) noexcept {
    // float works in double: 1 + |x|, d^3 and the division would round five times (4.35 ulp measured).
    using W = detail::act::wide_t<T>;
    const W d = W(1) + ::ctgrad::math::abs(W(x));
    const W sgn = ::ctgrad::math::select(x > T(0), W(1), ::ctgrad::math::select(x < T(0), W(-1), W(0)));
    return T(W(-2) * sgn / (d * d * d));
  }
  static long double reference(long double x) { return x / (1.0L + std::fabs(x)); }
  static long double reference_d1(long double x) { return 1.0L / std::pow(1.0L + std::fabs(x), 2.0L); }
};

}  // namespace ctgrad::fn
