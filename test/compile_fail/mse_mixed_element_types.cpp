// mse of a float prediction against double targets.
// expect: mse/binary_cross_entropy: input and targets have different element types (e.g. float and double); convert one of them
// max-lines: 20
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"p", float, shape<8>> p;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"y", double, shape<8>> y;   // error
#else
  var<"y", float, shape<8>> y;    // ok
#endif
  auto l = mse(p, y);
  (void)l;
}
