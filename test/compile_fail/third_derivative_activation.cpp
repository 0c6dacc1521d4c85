// The third derivative of tanh: activations provide first and second derivatives only.
// expect: grad: this function needs the derivative of a derivative that has no rule of its own (a third derivative of an activation, a second derivative of binary_cross_entropy or of a function without d2; the op is named in the note below)
// expect-note: next_derivative_rule_for<ctgrad::fixed_string<5>{"tanh"}>::defined
// max-lines: 20
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/eval/value_at.hpp"
#include "ctgrad/fn/activations.hpp"
using namespace ctgrad;
int main() {
  var<"x", double> x;
  auto d1 = grad(tanh(x), x);
  auto d2 = grad(d1, x);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto d3 = grad(d2, x);   // third derivative: error
#else
  auto d3 = d2;            // stop at the second derivative: ok
#endif
  constexpr var<"t", double> t;
  constexpr auto p3 = grad(grad(grad(t * t * t, t), t), t);   // arithmetic, any order: ok
  static_assert(value_at(p3, t = 2.0) == 6.0);
  (void)d3;
}
