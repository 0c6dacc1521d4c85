// The hand-fused W1 loops without -ffast-math (see fused_loops.hpp), in their own translation unit
// like a user's function would be (so the benchmark's constant n is not propagated into them).
#include "fused_loops.hpp"

#include <cmath>

#include "ctgrad/core/math.hpp"

float ctgrad_bench::fused_ctgrad_math(const float* x, float* dx, std::size_t n) noexcept {
  return detail::fused(x, dx, n, [](float v) { return ctgrad::math::exp(v); },
                       [](float v) { return ctgrad::math::tanh(v); });
}
float ctgrad_bench::fused_std(const float* x, float* dx, std::size_t n) noexcept {
  return detail::fused(x, dx, n, [](float v) { return std::exp(v); }, [](float v) { return std::tanh(v); });
}
