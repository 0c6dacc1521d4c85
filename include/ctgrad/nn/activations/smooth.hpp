// ctgrad/nn/activations/smooth.hpp — the smooth-rectifier family as scalar definitions: silu, gelu,
// gelu_tanh, mish, softplus, hardswish (value, d1, d2, kinks, docs, PyTorch parameters, long double
// reference). Not expression nodes: the core graph wraps these structs.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <type_traits>

#include <ctgrad/core/math.hpp>
#include <ctgrad/nn/activations/detail/stable.hpp>
#include <ctgrad/nn/activations/param.hpp>

namespace ctgrad::detail::act {
template <class M = ::ctgrad::math::loop_math, class W> CTGRAD_DETAIL_MATH_INLINE constexpr W gelu_cdf(W x) noexcept;
template <class M = ::ctgrad::math::loop_math, class W> CTGRAD_DETAIL_MATH_INLINE constexpr W gelu_pdf(W x) noexcept;
template <class W> struct gelu_tanh_parts;
template <class M = ::ctgrad::math::loop_math, class W> CTGRAD_DETAIL_MATH_INLINE constexpr gelu_tanh_parts<W> gelu_tanh_eval(W x) noexcept;
template <class T> struct mish_parts;
template <class M = ::ctgrad::math::loop_math, class T> CTGRAD_DETAIL_MATH_INLINE constexpr mish_parts<T> mish_eval(T x) noexcept;
}  // namespace ctgrad::detail::act

namespace ctgrad::fn {

/// silu(x) = x * sigmoid(x) (a.k.a. swish), sigmoid from exp(-|x|) so both tails are accurate.
/// d1 = sigmoid(x) (1 + x sigmoid(-x)); d2 = sigmoid(x) sigmoid(-x) (2 + x (sigmoid(-x) - sigmoid(x))).
/// Accuracy: value <= 4 ulp; d1 <= 4 ulp except near its zero at x = -1.2785 where the error is
/// absolute, <= 4 eps * |x f''(x)| (the sum 1 + x sigmoid(-x) cancels).
struct silu {
  static constexpr std::string_view name = "silu";
  static constexpr std::string_view formula = "x * sigmoid(x)";
  static constexpr std::string_view derivative = "sigmoid(x) * (1 + x * (1 - sigmoid(x)))";
  static constexpr std::string_view range = "[-0.278465, inf)";
  static constexpr std::string_view kink_convention = "none (smooth)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept { return x * detail::act::logistic<M>(x).pos; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept {
    const auto s = detail::act::logistic<M>(x);
    return s.pos * (T(1) + x * s.neg);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/) noexcept {
    const auto s = detail::act::logistic<M>(x);
    return s.pos * s.neg * (T(2) + x * (s.neg - s.pos));
  }
  static long double reference(long double x) { return x / (1.0L + std::exp(-x)); }
  static long double reference_d1(long double x) {
    const long double s = 1.0L / (1.0L + std::exp(-x));
    const long double sm = 1.0L / (1.0L + std::exp(x));
    return s + x * s * sm;
  }
};

/// gelu(x) = x * Phi(x) = x/2 * erfc(-x / sqrt(2)) (PyTorch's approximate='none'; erfc avoids the
/// cancellation of 1 + erf in the left tail). The rounding of x / sqrt(2) is compensated with an exact
/// product, so the relative error stays <= 4 ulp even in the far left tail. float evaluates in double.
/// d1 = Phi(x) + x phi(x); d2 = phi(x) (2 - x^2), phi(x) = exp(-x^2/2) / sqrt(2 pi) with x^2 exact.
/// d1 is accurate to 1e-14 relative except near its zero at x = -0.7518 (absolute, 4 eps |x f''|).
struct gelu {
  static constexpr std::string_view name = "gelu";
  static constexpr std::string_view formula = "x * Phi(x) = x / 2 * (1 + erf(x / sqrt(2)))";
  static constexpr std::string_view derivative = "Phi(x) + x * exp(-x^2 / 2) / sqrt(2 pi)";
  static constexpr std::string_view range = "[-0.169972, inf)";
  static constexpr std::string_view kink_convention = "none (smooth)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T value(T x) noexcept {
    using W = detail::act::wide_t<T>;
    return T(W(x) * detail::act::gelu_cdf<M>(W(x)));
  }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d1(T x, T /*y*/) noexcept {
    using W = detail::act::wide_t<T>;
    const W w = W(x);
    return T(detail::act::gelu_cdf<M>(w) + w * detail::act::gelu_pdf<M>(w));
  }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d2(T x, T /*y*/) noexcept {
    using W = detail::act::wide_t<T>;
    const W w = W(x);
    return T(detail::act::gelu_pdf<M>(w) * (W(2) - ::ctgrad::math::select(W(1e6) < w * w, W(1e6), w * w)));
  }
  static long double reference(long double x) {
    return 0.5L * x * std::erfc(-x / std::sqrt(2.0L));
  }
  static long double reference_d1(long double x) {
    const long double pi = 3.141592653589793238462643383279502884L;
    return 0.5L * std::erfc(-x / std::sqrt(2.0L)) + x * std::exp(-0.5L * x * x) / std::sqrt(2.0L * pi);
  }
};

/// gelu_tanh(x) = x/2 * (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3) (PyTorch's
/// approximate='tanh'), evaluated as x * sigmoid(2u) so the left tail does not cancel. float evaluates in
/// double. d1 = s + 2 x s (1-s) u', s = sigmoid(2u), u' = sqrt(2/pi)(1 + 3 * 0.044715 x^2).
/// Accuracy: float <= 4 ulp; double 1e-14 relative except in the left tail, where the rounding of u
/// (relative ~3 eps) is amplified by 2|u|: relative error <= 4 eps * |x f'(x) / f(x)|, i.e. above 1e-14
/// only where |f(x)| < 1e-12; d1 near its zero at x = -0.7525 is absolute (4 eps |x f''|).
struct gelu_tanh {
  static constexpr std::string_view name = "gelu_tanh";
  static constexpr std::string_view formula = "x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))";
  static constexpr std::string_view derivative =
      "(1 + t) / 2 + x / 2 * (1 - t^2) * sqrt(2 / pi) * (1 + 3 * 0.044715 * x^2), t = tanh(u)";
  static constexpr std::string_view range = "[-0.170041, inf)";
  static constexpr std::string_view kink_convention = "none (smooth)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T value(T x) noexcept;
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d1(T x, T y) noexcept;
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d2(T x, T y) noexcept;
  static long double reference(long double x) {
    const long double u = std::sqrt(2.0L / 3.141592653589793238462643383279502884L) * (x + 0.044715L * x * x * x);
    return x / (1.0L + std::exp(-2.0L * u));  // x/2 (1 + tanh u), written without the 1 + tanh cancellation
  }
  static long double reference_d1(long double x) {
    const long double k = std::sqrt(2.0L / 3.141592653589793238462643383279502884L);
    const long double u = k * (x + 0.044715L * x * x * x);
    const long double sech = 1.0L / std::cosh(u);
    // (1 + tanh u) / 2 written as 1 / (1 + exp(-2u)), which does not cancel in the left tail
    return 1.0L / (1.0L + std::exp(-2.0L * u)) + 0.5L * x * sech * sech * k * (1.0L + 3.0L * 0.044715L * x * x);
  }
};

/// mish(x) = x * tanh(softplus(x)). tanh(softplus(x)) is evaluated as a rational function of
/// e = exp(-|x|) — (1 + 2e) / (1 + 2e + 2e^2) for x >= 0, e(e + 2) / (e(e + 2) + 2) for x < 0 — which
/// neither overflows nor cancels, and 1 - t^2 is formed from the same pieces, so the tails of d1 are
/// accurate too. d1 = t + x (1 - t^2) sigmoid(x). float evaluates in double (t + x g cancels by ~3x
/// around x = -2.3, which natively costs up to 4.3 ulp). Accuracy: <= 4 ulp in float, 1e-14 relative in
/// double; d1 near its zero at x = -1.1924 is absolute (4 eps |x f''|).
struct mish {
  static constexpr std::string_view name = "mish";
  static constexpr std::string_view formula = "x * tanh(log(1 + exp(x)))";
  static constexpr std::string_view derivative = "t + x * (1 - t^2) * sigmoid(x), t = tanh(softplus(x))";
  static constexpr std::string_view range = "[-0.308844, inf)";
  static constexpr std::string_view kink_convention = "none (smooth)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T value(T x) noexcept;
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d1(T x, T y) noexcept;
  template <class T, class M = ::ctgrad::math::loop_math> CTGRAD_DETAIL_MATH_INLINE static constexpr T d2(T x, T y) noexcept;
  static long double reference(long double x) {
    // log1p(exp(x)) overflows exp beyond x ~ 11356 in long double; tanh is 1 long before that.
    return x > 100 ? x : x * std::tanh(std::log1p(std::exp(x)));
  }
  static long double reference_d1(long double x) {
    if (x > 100) return 1.0L;
    const long double sp = std::log1p(std::exp(x));
    const long double sech = 1.0L / std::cosh(sp);
    return std::tanh(sp) + x * sech * sech / (1.0L + std::exp(-x));
  }
};

/// softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (defaults beta = 1,
/// threshold = 20, exactly PyTorch's switch). Below the switch it is evaluated as
/// (max(z, 0) + log1p(exp(-|z|))) / beta, z = beta x: no overflow for any threshold.
/// d1 = sigmoid(beta x), or 1 where beta x > threshold; d2 = beta sigmoid(z) sigmoid(-z) where
/// beta x < threshold, else 0 (PyTorch's softplus_double_backward). The switch at x = threshold / beta
/// is the kink: there f' = sigmoid(threshold) and f'' = 0. Accuracy <= 4 ulp, plus the rounding of
/// beta x amplified by |beta x| in the left tail (exact for the default beta = 1).
struct softplus {
  static constexpr std::string_view name = "softplus";
  static constexpr std::string_view formula = "log(1 + exp(beta * x)) / beta, or x where beta * x > threshold";
  static constexpr std::string_view derivative = "sigmoid(beta * x), or 1 where beta * x > threshold";
  static constexpr std::string_view range = "(0, inf)";
  static constexpr std::string_view kink_convention =
      "at beta * x == threshold the log branch is used: f'(threshold / beta) = sigmoid(threshold), f'' = 0 "
      "(PyTorch)";
  static constexpr std::array<param_info, 2> params{{{"beta", 1.0}, {"threshold", 20.0}}};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 1> kinks(T beta, T threshold) noexcept {
    return {threshold / beta};
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x, T beta, T threshold) noexcept {
    const T z = x * beta;
    return ::ctgrad::math::select(z > threshold, x, detail::act::softplus<M>(z) / beta);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/, T beta, T threshold) noexcept {
    const T z = x * beta;
    return ::ctgrad::math::select(z > threshold, T(1), detail::act::logistic<M>(z).pos);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/, T beta, T threshold) noexcept {
    const T z = x * beta;
    const auto s = detail::act::logistic<M>(z);
    return ::ctgrad::math::select(z < threshold, beta * (s.pos * s.neg), T(0));
  }
  static long double reference(long double x, long double beta, long double threshold) {
    return x * beta > threshold ? x : std::log1p(std::exp(beta * x)) / beta;
  }
  static long double reference_d1(long double x, long double beta, long double threshold) {
    return x * beta > threshold ? 1.0L : 1.0L / (1.0L + std::exp(-beta * x));
  }
};

/// hardswish(x) = x * min(max(x + 3, 0), 6) / 6. d1 = 0 for x < -3, x/3 + 1/2 on the closed [-3, 3],
/// 1 for x > 3 — so f'(-3) = -1/2 and f'(3) = 3/2, PyTorch's hardswish_backward (its scalar CPU and CUDA
/// kernels; the vectorised CPU path returns 1 at exactly x = 3, see pytorch#147801). d2 = 1/3 on the
/// open (-3, 3), else 0. Accuracy <= 2 ulp; d1 near its zero at x = -1.5 is absolute (4 eps |x f''|).
struct hardswish {
  static constexpr std::string_view name = "hardswish";
  static constexpr std::string_view formula = "x * min(max(x + 3, 0), 6) / 6";
  static constexpr std::string_view derivative = "0 if x < -3, x / 3 + 1/2 if -3 <= x <= 3, else 1";
  static constexpr std::string_view range = "[-0.375, inf)";
  static constexpr std::string_view kink_convention = "f'(-3) = -1/2, f'(3) = 3/2 (PyTorch: closed middle piece)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = false;
  static constexpr bool uses_value_in_derivative = false;

  template <class T> static constexpr std::array<T, 2> kinks() noexcept { return {T(-3), T(3)}; }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T value(T x) noexcept {
    const T s = x + T(3);
    return x * (s < T(0) ? T(0) : (s > T(6) ? T(6) : s)) / T(6);
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept {
    return ::ctgrad::math::select(x < T(-3), T(0), ::ctgrad::math::select(x <= T(3), x / T(3) + T(0.5), T(1)));
  }
  template <class T, class M = ::ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/) noexcept {
    return ::ctgrad::math::select((x > T(-3)) & (x < T(3)), T(1) / T(3), T(0));
  }
  static long double reference(long double x) {
    return x <= -3 ? 0.0L : (x >= 3 ? x : x * (x + 3) / 6);
  }
  static long double reference_d1(long double x) {
    return x < -3 ? 0.0L : (x <= 3 ? (2 * x + 3) / 6 : 1.0L);
  }
};

}  // namespace ctgrad::fn

// ---- implementation details ---------------------------------------------------------------------------
namespace ctgrad::detail::act {

// Phi(x) = erfc(w) / 2 with w = -x / sqrt(2). w is split exactly into w_hi + w_lo and the first-order
// correction erfc(w_hi + w_lo) = erfc(w_hi) (1 - R(w_hi) w_lo) is applied with R(w) ~ 2 max(w, 0)
// (the log-derivative of erfc; the approximation costs < 2 eps relative for every w).
template <class M, class W> CTGRAD_DETAIL_MATH_INLINE constexpr W gelu_cdf(W x) noexcept {
  constexpr long double k_ld = 0.707106781186547524400844362104849039L;
  constexpr W k = W(k_ld);
  constexpr W k_lo = W(k_ld - static_cast<long double>(k));
  const auto p = detail::act::two_prod(x, k);
  const bool in_range = ::ctgrad::math::abs(x) < W(1e100);
  const W w_hi = -p.hi;
  const W w_lo = ::ctgrad::math::select(in_range, -(p.lo + x * k_lo), W(0));
  // max(w_hi, 0) by bit masks: with math::max, GCC threads the comparison into erfc's blends and
  // the loop is no longer if-converted (no vectorisation).
  W w_pos;
  if constexpr (std::is_same_v<W, long double>)
    w_pos = ::ctgrad::math::max(w_hi, W(0));  // the long double reference: no vectorisation concern
  else
    w_pos = ::ctgrad::detail::math::blend(w_hi > W(0), w_hi, W(0));
  return W(0.5) * M::erfc(w_hi) * (W(1) - W(2) * w_pos * w_lo);
}

// phi(x) = exp(-x^2 / 2) / sqrt(2 pi) with x^2 = hi + lo exact: exp(-hi/2 - lo/2) = exp(-hi/2)(1 - lo/2).
template <class M, class W> CTGRAD_DETAIL_MATH_INLINE constexpr W gelu_pdf(W x) noexcept {
  constexpr W inv_sqrt_2pi = W(0.398942280401432677939946059934381868L);
  const auto sq = detail::act::two_prod(x, x);
  const W lo = ::ctgrad::math::select(::ctgrad::math::abs(x) < W(1e100), sq.lo, W(0));
  return inv_sqrt_2pi * M::exp(W(-0.5) * sq.hi) * (W(1) - W(0.5) * lo);
}

template <class W> struct gelu_tanh_parts {
  W s;       // sigmoid(2u)
  W ss;      // sigmoid(2u) sigmoid(-2u)
  W du;      // u'
  W d2u;     // u''
  W neg_minus_pos;  // sigmoid(-2u) - sigmoid(2u)
  W xc;      // x clamped to +-1e6 (only multiplies terms that vanish there)
};
template <class M, class W> CTGRAD_DETAIL_MATH_INLINE constexpr gelu_tanh_parts<W> gelu_tanh_eval(W x) noexcept {
  constexpr W k0 = W(0.797884560802865355879892119868763737L);  // sqrt(2/pi)
  constexpr W k1 = W(0.044715L);
  // A select, not min/max: GCC threads min/max's constants into du and d2u and leaves a branch.
  const W xc = ::ctgrad::math::select(x > W(1e6), W(1e6), ::ctgrad::math::select(x < W(-1e6), W(-1e6), x));
  const W xx = xc * xc;
  // u in double-W: in the left tail sigmoid(2u) ~ exp(2u) turns the absolute error of 2u into relative
  // error, and |2u| reaches ~700 before underflow (x ~ -21: ~600 ulp from u's roundings and the constants'
  // alone). So x^3, the constants (split against long double) and both products are carried with their
  // rounding errors, and sigmoid(2u_hi + 2u_lo) is corrected to first order: d sigma / dz = sigma sigma(-z).
  constexpr W k0_lo = W(0.797884560802865355879892119868763737L - static_cast<long double>(k0));
  constexpr W k1_lo = W(0.044715L - static_cast<long double>(k1));
  const auto sq = detail::act::two_prod(xc, xc);
  const auto cube = detail::act::two_prod(sq.hi, xc);
  const W cube_lo = cube.lo + sq.lo * xc;
  const auto c1 = detail::act::two_prod(k1, cube.hi);
  const W c1_lo = c1.lo + k1 * cube_lo + k1_lo * cube.hi;
  const W in_hi = xc + c1.hi;
  const W in_b = in_hi - xc;
  const W in_lo = ((xc - (in_hi - in_b)) + (c1.hi - in_b)) + c1_lo;
  const auto q = detail::act::two_prod(k0, in_hi);
  const W u_lo = q.lo + k0 * in_lo + k0_lo * in_hi;
  const W u = k0 * (x + k1 * (x * x * x));
  // |x| < 1e6: the exact products are valid (and u there is q.hi); beyond, sigma(2u) is 0 or 1 anyway.
  const W z_lo = ::ctgrad::math::select(::ctgrad::math::abs(x) < W(1e6), W(2) * u_lo, W(0));
  const auto s = detail::act::logistic<M>(W(2) * ::ctgrad::math::select(::ctgrad::math::abs(x) < W(1e6), q.hi, u));
  const W pos = s.pos * (W(1) + z_lo * s.neg);
  const W neg = s.neg * (W(1) - z_lo * s.pos);
  return {pos, pos * neg, k0 * (W(1) + W(3) * k1 * xx), W(6) * k0 * k1 * xc, neg - pos, xc};
}

template <class T> struct mish_parts {
  T t;    // tanh(softplus(x))
  T g;    // (1 - t^2) sigmoid(x)
  T sp;   // sigmoid(x)
  T sn;   // sigmoid(-x)
};
template <class M, class T> CTGRAD_DETAIL_MATH_INLINE constexpr mish_parts<T> mish_eval(T x) noexcept {
  const T e = M::exp(-::ctgrad::math::abs(x));
  const T one_e = T(1) + e;
  const T n_pos = T(1) + T(2) * e;
  const T d_pos = n_pos + T(2) * e * e;
  const T n_neg = e * (e + T(2));
  const T d_neg = n_neg + T(2);
  const bool pos = x >= T(0);
  const T den = ::ctgrad::math::select(pos, d_pos, d_neg);
  const T t = ::ctgrad::math::select(pos, n_pos, n_neg) / den;
  const T r = T(1) / one_e;
  const T sig_small = e * r;
  // (1 - t^2) sigmoid(x) = 4 e^2 (1 + e) / d_pos^2 for x >= 0, 4 e (1 + e) / d_neg^2 for x < 0.
  const T g = T(4) * ::ctgrad::math::select(pos, e * e, e) * one_e / (den * den);
  return {t, g, ::ctgrad::math::select(pos, r, sig_small), ::ctgrad::math::select(pos, sig_small, r)};
}

}  // namespace ctgrad::detail::act

namespace ctgrad::fn {

template <class T, class M> CTGRAD_DETAIL_MATH_INLINE constexpr T gelu_tanh::value(T x) noexcept {
  using W = detail::act::wide_t<T>;
  return T(W(x) * detail::act::gelu_tanh_eval<M>(W(x)).s);
}
template <class T, class M> CTGRAD_DETAIL_MATH_INLINE constexpr T gelu_tanh::d1(T x, T /*y*/) noexcept {
  using W = detail::act::wide_t<T>;
  const auto p = detail::act::gelu_tanh_eval<M>(W(x));
  return T(p.s + W(2) * p.xc * p.ss * p.du);
}
template <class T, class M> CTGRAD_DETAIL_MATH_INLINE constexpr T gelu_tanh::d2(T x, T /*y*/) noexcept {
  using W = detail::act::wide_t<T>;
  const auto p = detail::act::gelu_tanh_eval<M>(W(x));
  return T(p.ss * (W(4) * p.du + W(4) * p.xc * p.neg_minus_pos * p.du * p.du + W(2) * p.xc * p.d2u));
}

template <class T, class M> CTGRAD_DETAIL_MATH_INLINE constexpr T mish::value(T x) noexcept {
  using W = detail::act::wide_t<T>;
  return T(W(x) * detail::act::mish_eval<M>(W(x)).t);
}
template <class T, class M> CTGRAD_DETAIL_MATH_INLINE constexpr T mish::d1(T x, T /*y*/) noexcept {
  using W = detail::act::wide_t<T>;
  const auto p = detail::act::mish_eval<M>(W(x));
  return T(p.t + W(x) * p.g);
}
template <class T, class M> CTGRAD_DETAIL_MATH_INLINE constexpr T mish::d2(T x, T /*y*/) noexcept {
  using W = detail::act::wide_t<T>;
  const W w = W(x);
  const auto p = detail::act::mish_eval<M>(w);
  return T(p.g * (W(2) + w * (p.sn - W(2) * p.t * p.sp)));
}

}  // namespace ctgrad::fn
