// grad with respect to an integer label variable: labels are not differentiable.
// expect: grad: cannot differentiate with respect to an integer (label) variable
// max-lines: 20
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"z", float, shape<8, 10>> z;
  var<"y", int, shape<8>> y;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto g = grad(cross_entropy(z, y), y);   // error
#else
  auto g = grad(cross_entropy(z, y), z);   // ok
#endif
  (void)g;
}
