// test/support/same_sums.hpp — compares two results that compute the same sums in the same order
// in different places of a program (kernel::gemv_pair against gemm's two products, a fused
// matrix-vector pair against the unfused program): equal without FMA instructions; with them
// (-march=native on FMA hardware) the compiler may contract a multiply-add into an FMA in one place
// and not in the other, so within a few roundings of the sums' magnitude.
#pragma once

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace ctgrad_test {

template <class T> bool same_sums(T a, T b) {
#if defined(__FMA__)
  const T tol = std::is_same_v<T, float> ? T(1e-4) : T(1e-11);
  return std::abs(a - b) <= tol * std::max(T(1), std::abs(b));
#else
  return a == b;
#endif
}

}  // namespace ctgrad_test
