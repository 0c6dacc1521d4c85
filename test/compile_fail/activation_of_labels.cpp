// An activation (relu) of an integer label variable.
// expect: activation: needs a float or double expression
// max-lines: 20
#include "ctgrad/fn/activations.hpp"
using namespace ctgrad;
int main() {
  var<"y", int, shape<8>> y;
  var<"z", float, shape<8>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto h = relu(y);   // y int: error
#else
  auto h = relu(z);   // ok
#endif
  (void)y;
  (void)z;
  (void)h;
}
