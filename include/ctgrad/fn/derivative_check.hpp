// ctgrad/fn/derivative_check.hpp — an activation's derivative rules checked against its own value in a
// constant evaluation: d1 against a central difference of value, d2 against a central difference of
// d1, both Richardson-extrapolated (h = 1e-3 and 5e-4: the difference's error is about 1e-12), in
// double, at six points away from the kinks, with the default parameters and with every parameter
// scaled by 1.5. src/fn/derivative_rules.cpp static_asserts it for every registered activation, so a
// wrong rule stops libctgrad_support from compiling. Not the gradient checker (check/): this is a
// build-time guard; the checker and test/fn/reference measure accuracy.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "ctgrad/core/math.hpp"

namespace ctgrad::detail {

/// The first disagreement found (ok = true: none): derivative order, point, the rule's value and the
/// extrapolated difference.
struct rule_check_result {
  bool ok = true;
  int order = 0;
  double x = 0, rule = 0, difference = 0;
  int argument = 0, argument2 = 0;  // a function of several arguments (check/function.hpp): which partial
};

inline constexpr std::array<double, 6> rule_check_points{-2.3, -0.9, -0.35, 0.45, 1.3, 2.7};
inline constexpr double rule_check_tolerance = 1e-9;  // relative to max(1, |rule|)

template <class F, std::size_t... I>
constexpr rule_check_result check_rules_with(double scale, std::index_sequence<I...>) {
  const std::array<double, sizeof...(I)> p{(F::params[I].default_value * scale)...};
  (void)scale;  // unused by an activation without parameters
  const auto value = [&](double x) { return F::template value<double>(x, p[I]...); };
  const auto d1 = [&](double x) { return F::template d1<double>(x, value(x), p[I]...); };
  const auto d2 = [&](double x) { return F::template d2<double>(x, value(x), p[I]...); };
  const auto diff = [](const auto& g, double x) {
    constexpr double h = 1e-3;
    const double wide = (g(x + h) - g(x - h)) / (2 * h);
    const double narrow = (g(x + h / 2) - g(x - h / 2)) / h;
    return (4 * narrow - wide) / 3;
  };
  const auto kinks = F::template kinks<double>(p[I]...);
  for (double x : rule_check_points) {
    bool near_kink = false;
    for (double k : kinks) near_kink = near_kink || ::ctgrad::math::abs(x - k) < 0.01;
    if (near_kink) continue;
    const double r1 = d1(x), c1 = diff(value, x);
    const double r2 = d2(x), c2 = diff(d1, x);
    const double s1 = ::ctgrad::math::abs(r1) > 1 ? ::ctgrad::math::abs(r1) : 1.0;
    const double s2 = ::ctgrad::math::abs(r2) > 1 ? ::ctgrad::math::abs(r2) : 1.0;
    if (!(::ctgrad::math::abs(r1 - c1) <= rule_check_tolerance * s1)) return {false, 1, x, r1, c1};
    if (!(::ctgrad::math::abs(r2 - c2) <= rule_check_tolerance * s2)) return {false, 2, x, r2, c2};
  }
  return {};
}

/// F's rules against its value, with the parameters' defaults times `scale`.
template <class F> constexpr rule_check_result check_rules(double scale = 1.0) {
  return check_rules_with<F>(scale, std::make_index_sequence<F::params.size()>{});
}

/// True, or a compile error in the instantiation for F (which names the activation) when d1 or d2
/// disagrees with the central difference.
template <class F> constexpr bool derivative_rules_agree() {
  static_assert(check_rules<F>(1.0).ok, "derivative rules: d1 or d2 disagrees with a central difference of value (default parameters)");
  static_assert(check_rules<F>(1.5).ok, "derivative rules: d1 or d2 disagrees with a central difference of value (parameters x 1.5)");
  return true;
}

}  // namespace ctgrad::detail
