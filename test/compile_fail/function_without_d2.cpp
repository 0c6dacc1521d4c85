// grad of grad through an elementwise function that declares no second derivatives (no d2).
// expect: grad: this function needs the derivative of a derivative that has no rule of its own (a third derivative of an activation, a second derivative of binary_cross_entropy or of a function without d2; the op is named in the note below)
// expect-note: next_derivative_rule_for<ctgrad::fixed_string<5>{"cube"}>::defined
// max-lines: 20
#include "ctgrad/scalar.hpp"
using namespace ctgrad;
struct cube_fn {
  static constexpr std::string_view name = "cube";
  template <class T> static constexpr T value(T x) noexcept { return x * x * x; }
  template <class T> static constexpr T d1(T x, T /*y*/) noexcept { return 3 * x * x; }
};
int main() {
  var<"x", double> x;
  auto f = elementwise<cube_fn>(x);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto d2 = grad(grad(f, x), x);   // cube declares no d2: error
#else
  auto d2 = grad(f, x);            // the first derivative needs d1 only: ok
#endif
  static_assert(value_at(grad(elementwise<cube_fn>(var<"t", double>{}), var<"t", double>{}), var<"t", double>{} = 2.0) == 12.0);
  (void)d2;
}
