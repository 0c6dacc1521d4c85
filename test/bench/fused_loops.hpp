// The W1 limit for test/bench/fused_bench.cpp: L = sum(sigmoid(x) * tanh(x) + relu(x)) and dL/dx
// written by hand as one fused pass, the way a careful user would: one plain loop.
// Benchmark support only, not part of the library.
#pragma once

#include <cstddef>

namespace ctgrad_bench {

/// Writes dL/dx to dx[0, n) and returns L, with exp/tanh from ctgrad::math (vectorisable).
float fused_ctgrad_math(const float* x, float* dx, std::size_t n) noexcept;
/// The same with std::exp / std::tanh (libm calls: not vectorised without -ffast-math).
float fused_std(const float* x, float* dx, std::size_t n) noexcept;
/// fused_std compiled with -ffast-math (fused_fastmath.cpp), the "with -ffast-math" limit.
float fused_std_fast_math(const float* x, float* dx, std::size_t n) noexcept;

namespace detail {
// sigmoid s, tanh t, relu: L_i = s t + max(x, 0); dL_i/dx = s (1 - s) t + s (1 - t^2) + [x > 0].
// One plain loop; g++ vectorises it with an in-order ("fold-left") reduction, so the sum is the
// same as the scalar loop's, without -ffast-math.
template <class Exp, class Tanh>
inline float fused(const float* __restrict x, float* __restrict dx, std::size_t n, Exp exp_, Tanh tanh_) noexcept {
  float total = 0.0f;
  for (std::size_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float s = 1.0f / (1.0f + exp_(-v));
    const float t = tanh_(v);
    const float pos = v > 0.0f ? 1.0f : 0.0f;
    total += s * t + (v > 0.0f ? v : 0.0f);
    dx[i] = s * (1.0f - s) * t + s * (1.0f - t * t) + pos;
  }
  return total;
}
}  // namespace detail

}  // namespace ctgrad_bench
