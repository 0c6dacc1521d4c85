// mse with integer class labels as targets.
// expect: mse/binary_cross_entropy: targets must be floating-point values (for class labels use cross_entropy)
// max-lines: 20
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"p", float, shape<8>> p;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"y", int, shape<8>> y;     // error
#else
  var<"y", float, shape<8>> y;   // ok
#endif
  auto l = mse(p, y);
  (void)l;
}
