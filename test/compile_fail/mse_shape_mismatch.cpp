// mse of a [8] prediction against [8, 1] targets (PyTorch would broadcast to [8, 8]).
// expect: mse/binary_cross_entropy: input and targets must have the same shape
// max-lines: 20
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"p", float, shape<8>> p;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"y", float, shape<8, 1>> y;   // error
#else
  var<"y", float, shape<8>> y;      // ok
#endif
  auto l = mse(p, y);
  (void)l;
}
