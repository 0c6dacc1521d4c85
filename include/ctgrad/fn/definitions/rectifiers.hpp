// ctgrad/fn/definitions/rectifiers.hpp — the rectifier family as scalar definitions: relu, leaky_relu,
// relu6, hardtanh, elu, selu, celu (value, d1, d2, kinks, docs, PyTorch parameters, long double reference).
// Not expression nodes: the core graph wraps these structs; tensors and broadcasting live elsewhere.
#pragma once

#include <array>
#include <cmath>
#include <string_view>

#include "ctgrad/core/math.hpp"
#include "ctgrad/fn/definitions/detail/stable.hpp"
#include "ctgrad/fn/definitions/param.hpp"

namespace ctgrad::fn {

/// relu(x) = max(x, 0). d1 = 1 for x > 0 else 0 (relu'(0) = 0, PyTorch's threshold_backward); d2 = 0.
/// NaN propagates through value. Exact (0 ulp) in every precision.
struct relu {
  static constexpr std::string_view name = "relu";
  static constexpr std::string_view formula = "max(x, 0)";
  static constexpr std::string_view derivative = "1 if x > 0, else 0";
  static constexpr std::string_view range = "[0, inf)";
  static constexpr std::string_view kink_convention = "f'(0) = 0 (PyTorch)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 1> kinks() noexcept { return {T(0)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept { return x < T(0) ? T(0) : x; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept { return ::ctgrad::math::select(x > T(0), T(1), T(0)); }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T /*x*/, T /*y*/) noexcept { return T(0); }
  static long double reference(long double x) { return x > 0 ? x : 0.0L; }
  static long double reference_d1(long double x) { return x > 0 ? 1.0L : 0.0L; }
};

/// leaky_relu(x) = x for x > 0, else negative_slope * x (default 0.01). d1 = 1 or negative_slope,
/// with leaky_relu'(0) = negative_slope (PyTorch's leaky_relu_backward tests x > 0); d2 = 0.
/// Error <= 0.5 ulp.
struct leaky_relu {
  static constexpr std::string_view name = "leaky_relu";
  static constexpr std::string_view formula = "x if x > 0, else negative_slope * x";
  static constexpr std::string_view derivative = "1 if x > 0, else negative_slope";
  static constexpr std::string_view range = "(-inf, inf)";
  static constexpr std::string_view kink_convention = "f'(0) = negative_slope (PyTorch)";
  static constexpr std::array<param_info, 1> params{{{"negative_slope", 0.01}}};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 1> kinks(T /*negative_slope*/) noexcept { return {T(0)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x, T negative_slope) noexcept {
    return ::ctgrad::math::select(x > T(0), x, negative_slope * detail::act::nonpositive_part(x));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/, T negative_slope) noexcept {
    return ::ctgrad::math::select(x > T(0), T(1), negative_slope);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T /*x*/, T /*y*/, T /*negative_slope*/) noexcept { return T(0); }
  static long double reference(long double x, long double negative_slope) {
    return x > 0 ? x : negative_slope * x;
  }
  static long double reference_d1(long double x, long double negative_slope) {
    return x > 0 ? 1.0L : negative_slope;
  }
};

/// relu6(x) = min(max(x, 0), 6) (PyTorch: hardtanh(x, 0, 6)). d1 = 1 on the open (0, 6), 0 elsewhere
/// including both ends (PyTorch's hardtanh_backward); d2 = 0. Exact.
struct relu6 {
  static constexpr std::string_view name = "relu6";
  static constexpr std::string_view formula = "min(max(x, 0), 6)";
  static constexpr std::string_view derivative = "1 if 0 < x < 6, else 0";
  static constexpr std::string_view range = "[0, 6]";
  static constexpr std::string_view kink_convention = "f'(0) = f'(6) = 0 (PyTorch hardtanh_backward)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 2> kinks() noexcept { return {T(0), T(6)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept {
    return x < T(0) ? T(0) : (x > T(6) ? T(6) : x);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept {
    return ::ctgrad::math::select((x <= T(0)) | (x >= T(6)), T(0), T(1));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T /*x*/, T /*y*/) noexcept { return T(0); }
  static long double reference(long double x) { return x <= 0 ? 0.0L : (x >= 6 ? 6.0L : x); }
  static long double reference_d1(long double x) { return x > 0 && x < 6 ? 1.0L : 0.0L; }
};

/// hardtanh(x) = min(max(x, min_val), max_val) (defaults -1, 1; requires min_val < max_val).
/// d1 = 1 on the open (min_val, max_val), 0 elsewhere including both ends (PyTorch); d2 = 0. Exact.
struct hardtanh {
  static constexpr std::string_view name = "hardtanh";
  static constexpr std::string_view formula = "min(max(x, min_val), max_val)";
  static constexpr std::string_view derivative = "1 if min_val < x < max_val, else 0";
  static constexpr std::string_view range = "[min_val, max_val]";
  static constexpr std::string_view kink_convention = "f'(min_val) = f'(max_val) = 0 (PyTorch)";
  static constexpr std::array<param_info, 2> params{{{"min_val", -1.0}, {"max_val", 1.0}}};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 2> kinks(T min_val, T max_val) noexcept {
    return {min_val, max_val};
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x, T min_val, T max_val) noexcept {
    return x < min_val ? min_val : (x > max_val ? max_val : x);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/, T min_val, T max_val) noexcept {
    return ::ctgrad::math::select((x <= min_val) | (x >= max_val), T(0), T(1));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T /*x*/, T /*y*/, T /*min_val*/, T /*max_val*/) noexcept {
    return T(0);
  }
  static long double reference(long double x, long double min_val, long double max_val) {
    return x <= min_val ? min_val : (x >= max_val ? max_val : x);
  }
  static long double reference_d1(long double x, long double min_val, long double max_val) {
    return x > min_val && x < max_val ? 1.0L : 0.0L;
  }
};

/// elu(x) = x for x > 0, else alpha * (exp(x) - 1) (default alpha = 1, computed with expm1).
/// d1 = 1 for x > 0, else alpha * exp(x): elu'(0) = alpha because PyTorch's elu_backward takes the
/// exponential branch for x <= 0. d2 = 0 for x >= 0, else alpha * exp(x): elu''(0) = 0 as PyTorch's double
/// backward (d2 at the kink is not the left branch, unlike d1). Error <= 2 ulp.
struct elu {
  static constexpr std::string_view name = "elu";
  static constexpr std::string_view formula = "x if x > 0, else alpha * (exp(x) - 1)";
  static constexpr std::string_view derivative = "1 if x > 0, else alpha * exp(x)";
  static constexpr std::string_view range = "(-alpha, inf)";
  static constexpr std::string_view kink_convention = "f'(0) = alpha (PyTorch: x <= 0 takes the exp branch); f''(0) = 0 (PyTorch)";
  static constexpr std::array<param_info, 1> params{{{"alpha", 1.0}}};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 1> kinks(T /*alpha*/) noexcept { return {T(0)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x, T alpha) noexcept {
    return ::ctgrad::math::select(x > T(0), x, alpha * M::expm1(detail::act::nonpositive_part(x)));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/, T alpha) noexcept {
    return ::ctgrad::math::select(x > T(0), T(1), alpha * M::exp(detail::act::nonpositive_part(x)));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/, T alpha) noexcept {
    // f''(0) = 0 (PyTorch's elu double backward): the exp branch is taken only for x < 0 (NaN: the comparison is false, NaN stays NaN).
    return ::ctgrad::math::select(x >= T(0), T(0), alpha * M::exp(detail::act::nonpositive_part(x)));
  }
  static long double reference(long double x, long double alpha) {
    return x > 0 ? x : alpha * std::expm1(x);
  }
  static long double reference_d1(long double x, long double alpha) {
    return x > 0 ? 1.0L : alpha * std::exp(x);
  }
};

/// selu(x) = scale * elu(x, alpha) with PyTorch's fixed alpha = 1.6732632423543772848170429916717 and
/// scale = 1.0507009873554804934193349852946 (no parameters). selu'(0) = scale * alpha (exp branch for
/// x <= 0, as elu). Error <= 3 ulp.
struct selu {
  static constexpr long double alpha = 1.6732632423543772848170429916717L;
  static constexpr long double scale = 1.0507009873554804934193349852946L;
  static constexpr std::string_view name = "selu";
  static constexpr std::string_view formula = "scale * x if x > 0, else scale * alpha * (exp(x) - 1)";
  static constexpr std::string_view derivative = "scale if x > 0, else scale * alpha * exp(x)";
  static constexpr std::string_view range = "(-1.7580993408473769, inf)";
  static constexpr std::string_view kink_convention = "f'(0) = scale * alpha (PyTorch: x <= 0 takes the exp branch); f''(0) = 0 (PyTorch)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 1> kinks() noexcept { return {T(0)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept {
    return ::ctgrad::math::select(x > T(0), T(scale) * detail::act::positive_part(x),
                                  T(scale * alpha) * M::expm1(detail::act::nonpositive_part(x)));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept {
    return ::ctgrad::math::select(x > T(0), T(scale), T(scale * alpha) * M::exp(detail::act::nonpositive_part(x)));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/) noexcept {
    return ::ctgrad::math::select(x >= T(0), T(0), T(scale * alpha) * M::exp(detail::act::nonpositive_part(x)));  // f''(0) = 0, as elu
  }
  static long double reference(long double x) { return scale * (x > 0 ? x : alpha * std::expm1(x)); }
  static long double reference_d1(long double x) { return scale * (x > 0 ? 1.0L : alpha * std::exp(x)); }
};

/// celu(x) = x for x > 0, else alpha * (exp(x / alpha) - 1) (default alpha = 1; alpha != 0).
/// d1 = 1 for x > 0, else exp(x / alpha) — continuous, celu'(0) = 1; d2 = 0 for x > 0, else
/// exp(x / alpha) / alpha, which jumps at 0 (hence smooth = false). Error <= 2 ulp plus the rounding of
/// x / alpha, which exp amplifies by |x / alpha| (exact for the default alpha = 1).
struct celu {
  static constexpr std::string_view name = "celu";
  static constexpr std::string_view formula = "x if x > 0, else alpha * (exp(x / alpha) - 1)";
  static constexpr std::string_view derivative = "1 if x > 0, else exp(x / alpha)";
  static constexpr std::string_view range = "(-alpha, inf)";
  static constexpr std::string_view kink_convention = "f'(0) = 1 (continuous); f''(0) = 0 (PyTorch; f'' jumps from 1/alpha to 0)";
  static constexpr std::array<param_info, 1> params{{{"alpha", 1.0}}};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 1> kinks(T /*alpha*/) noexcept { return {T(0)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x, T alpha) noexcept {
    return ::ctgrad::math::select(x > T(0), x, alpha * M::expm1(detail::act::nonpositive_part(x) / alpha));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/, T alpha) noexcept {
    return ::ctgrad::math::select(x > T(0), T(1), M::exp(detail::act::nonpositive_part(x) / alpha));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/, T alpha) noexcept {
    return ::ctgrad::math::select(x >= T(0), T(0), M::exp(detail::act::nonpositive_part(x) / alpha) / alpha);  // f''(0) = 0, as elu
  }
  static long double reference(long double x, long double alpha) {
    return x > 0 ? x : alpha * std::expm1(x / alpha);
  }
  static long double reference_d1(long double x, long double alpha) {
    return x > 0 ? 1.0L : std::exp(x / alpha);
  }
};

}  // namespace ctgrad::fn
