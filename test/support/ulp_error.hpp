// test/support/ulp_error.hpp — the accuracy law of the mpmath reference tests (issue 25), shared by
// test/fn/activations_reference_test.cpp and test/fn/softmax_losses_reference_test.cpp:
// test/fn/reference/ulp_law.py states the same law for the scripts.
#pragma once

#include <cmath>
#include <limits>

namespace ctgrad_test {

/// The error of `got` in ulps of the reference `want` in T, or +inf where the law is broken outright:
/// NaN; anything but 0 where the reference is 0; where the reference is subnormal in T, a normal number
/// or the wrong sign (0 or a same-signed subnormal is right); where it underflows, more than the
/// smallest subnormal.
template <class T> long double ulp_error(T got, long double want) {
  constexpr long double inf = std::numeric_limits<long double>::infinity();
  if (std::isnan(got)) return inf;
  const long double aw = std::fabs(want);
  if (want == 0) return got == 0 ? 0 : inf;
  if (aw >= std::numeric_limits<T>::min()) {
    const long double ulp = std::ldexp(1.0L, std::ilogb(want) - std::numeric_limits<T>::digits + 1);
    return std::fabs(static_cast<long double>(got) - want) / ulp;
  }
  if (aw >= std::numeric_limits<T>::denorm_min() / 2)
    return std::fabs(got) < std::numeric_limits<T>::min() && (got == 0 || std::signbit(got) == std::signbit(want)) ? 0 : inf;
  return std::fabs(got) <= std::numeric_limits<T>::denorm_min() ? 0 : inf;
}

}  // namespace ctgrad_test
