// ctgrad/check/detail/splitmix64.hpp — the one random generator of the gradient checker: splitmix64
// (Steele, Lea, Flood 2014), tiny and the same sequence on every platform and standard library, so a
// check's seed reproduces its points anywhere. Not a general-purpose generator.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace ctgrad::check::detail {

struct splitmix64 {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// The top 53 bits of z as a double in [0, 1).
  static double unit(std::uint64_t z) noexcept { return static_cast<double>(z >> 11) * 0x1p-53; }
  double uniform() noexcept { return unit(next()); }  // [0, 1)
  // [lo, hi). Written as one expression in this order on purpose: with g++'s default FMA contraction,
  // lo + (hi - lo) * uniform() rounds some points differently, and the suite's points would change.
  double uniform(double lo, double hi) noexcept {
    return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1p-53;
  }
  double gaussian() noexcept {  // Box-Muller; u1 in (0, 1] so the log is finite
    const double u1 = static_cast<double>((next() >> 11) + 1) * 0x1p-53;
    const double u2 = uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(uniform() * static_cast<double>(n)); }
};

}  // namespace ctgrad::check::detail
