// test/support/test_softplus.hpp — a test-only activation with a wrong derivative on request (never
// registered in activation_list): the checker tests (check/graph, check/jacobian) show with it that a
// wrong first or second derivative fails their checks.
#pragma once

#include <array>
#include <cmath>
#include <string_view>

#include "ctgrad/fn/definitions/param.hpp"

namespace ctgrad_test {
using ctgrad::param_info;
// softplus-like smooth function log(1 + e^x) whose d1 is sigmoid(x) * (1 + Err) or -sigmoid(x).
template <int Mode>  // 0: correct, 1: d1 off by a relative 1e-3, 2: d1 with the wrong sign, 3: d2 off by 1e-3
struct test_softplus {
  static constexpr std::string_view name = "test_softplus";
  static constexpr std::array<param_info, 0> params{};
  template <class T> static constexpr std::array<T, 0> kinks() noexcept { return {}; }
  template <class T> static constexpr T value(T x) noexcept {
    return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
  template <class T> static constexpr T sig(T x) noexcept { return T(1) / (T(1) + std::exp(-x)); }
  template <class T> static constexpr T d1(T x, T) noexcept {
    if constexpr (Mode == 1) return sig(x) * T(1.001);
    else if constexpr (Mode == 2) return -sig(x);
    else return sig(x);
  }
  template <class T> static constexpr T d2(T x, T) noexcept {
    const T s = sig(x);
    return Mode == 3 ? s * (T(1) - s) * T(1.001) : s * (T(1) - s);
  }
};
}  // namespace ctgrad_test
