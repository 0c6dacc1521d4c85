// test/support/policy_probe.hpp — a test-only activation, softexp(x) = exp(x) - 1, that counts the
// run-time calls of its value, d1 and d2 per math policy (math::scalar_math or math::loop_math): the
// tests of which policy value_at and compile() evaluate through (fn/activation_policy,
// eval/value_at_unbatched). Never registered in activation_list.
#pragma once

#include <array>
#include <cmath>
#include <string_view>
#include <type_traits>

#include "ctgrad/core/math.hpp"
#include "ctgrad/fn/definitions/param.hpp"

// A named namespace: clang's -Wunused-const-variable flags the unused members of an activation in an
// anonymous one.
namespace policy_test {
using ctgrad::param_info;

inline int scalar_calls = 0, loop_calls = 0;  // run-time calls of policy_probe's functions, per policy

template <class M> inline void count() {
  if constexpr (std::is_same_v<M, ctgrad::math::scalar_math>) ++scalar_calls;
  else if constexpr (std::is_same_v<M, ctgrad::math::loop_math>) ++loop_calls;
}

// What both test activations share: softexp(x) = exp(x) - 1, f' = f'' = exp(x), no parameters.
struct softexp_info {
  static constexpr std::string_view formula = "exp(x) - 1";
  static constexpr std::string_view derivative = "exp(x)";
  static constexpr std::string_view range = "(-1, inf)";
  static constexpr std::string_view kink_convention = "none (smooth)";
  static constexpr std::array<param_info, 0> params{};
  static constexpr bool smooth = true;
  static constexpr bool uses_value_in_derivative = false;
  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  static long double reference(long double x) { return std::expm1(x); }
  static long double reference_d1(long double x) { return std::exp(x); }
};

// softexp, policy-aware, counting which policy its functions were called with.
struct policy_probe : softexp_info {
  static constexpr std::string_view name = "policy_probe";
  template <class T, class M = ctgrad::math::loop_math> static constexpr T value(T x) noexcept {
    if (!std::is_constant_evaluated()) count<M>();
    return M::expm1(x);
  }
  template <class T, class M = ctgrad::math::loop_math> static constexpr T d1(T x, T /*y*/) noexcept {
    if (!std::is_constant_evaluated()) count<M>();
    return M::exp(x);
  }
  template <class T, class M = ctgrad::math::loop_math> static constexpr T d2(T x, T /*y*/) noexcept {
    if (!std::is_constant_evaluated()) count<M>();
    return M::exp(x);
  }
};
}  // namespace policy_test
