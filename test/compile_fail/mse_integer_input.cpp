// mse of an integer prediction.
// expect: mse/binary_cross_entropy: the input must have float or double values
// max-lines: 20
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"y", float, shape<8>> y;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"p", int, shape<8>> p;     // error
#else
  var<"p", float, shape<8>> p;   // ok
#endif
  auto l = mse(p, y);
  (void)l;
}
