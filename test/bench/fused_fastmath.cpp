// fused_std compiled with -ffast-math (see fused_loops.hpp): the "with -ffast-math" limit for W1.
#include <cmath>

#include "fused_loops.hpp"

float ctgrad_bench::fused_std_fast_math(const float* x, float* dx, std::size_t n) noexcept {
  return detail::fused(x, dx, n, [](float v) { return std::exp(v); }, [](float v) { return std::tanh(v); });
}
