// An elementwise function of two arguments called with one.
// expect: elementwise<F>: wrong number of arguments (F::arity, or 1 when F declares none)
// max-lines: 20
#include "ctgrad/scalar.hpp"
using namespace ctgrad;
struct hypot_fn {
  static constexpr std::string_view name = "hypot";
  static constexpr std::size_t arity = 2;
  template <class T> static constexpr T value(T x, T y) noexcept { return math::sqrt(x * x + y * y); }
  template <std::size_t I, class T> static constexpr T d1(T x, T y, T h) noexcept { return (I == 0 ? x : y) / h; }
};
int main() {
  var<"x", double> x;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto f = elementwise<hypot_fn>(x);        // one argument of two: error
#else
  auto f = elementwise<hypot_fn>(x, 1.0);   // a number is a constant argument: ok
#endif
  (void)f;
}
