// The third derivative of tanh: activations provide first and second derivatives only.
// expect: grad: this function contains a derivative that ctgrad cannot differentiate again
// max-lines: 20
#include <ctgrad/autodiff/grad.hpp>
#include <ctgrad/nn/activations.hpp>
using namespace ctgrad;
int main() {
  var<"x", double> x;
  auto d1 = grad(tanh(x), x);
  auto d2 = grad(d1, x);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto d3 = grad(d2, x);
#else
  auto d3 = d2;  // stop at the second derivative
#endif
  (void)d3;
}
