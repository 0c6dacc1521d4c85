// leaky_relu with two parameters: it has one (negative_slope).
// expect: activation: too many parameters (see the activation's parameter list)
// max-lines: 20
#include "ctgrad/fn/activations.hpp"
using namespace ctgrad;
int main() {
  var<"x", double, shape<8>> x;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto h = leaky_relu(x, 0.1, 0.2);   // one parameter (negative_slope): error
#else
  auto h = leaky_relu(x, 0.1);        // ok
#endif
  (void)h;
}
