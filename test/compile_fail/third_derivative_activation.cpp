// The third derivative of tanh: activations provide first and second derivatives only.
// expect: grad: this function contains a derivative that ctgrad cannot differentiate again (third derivatives of activations, second derivatives of binary_cross_entropy); use binary_cross_entropy_with_logits or stop at the second derivative
// max-lines: 20
#include <ctgrad/autodiff/grad.hpp>
#include <ctgrad/eval/value_at.hpp>
#include <ctgrad/nn/activations.hpp>
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
