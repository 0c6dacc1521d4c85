// A reduction (sum) of integer labels.
// expect: sum/mean/max: needs a float or double expression
// max-lines: 20
#include "ctgrad/ops/reduce.hpp"
using namespace ctgrad;
int main() {
  var<"y", int, shape<8>> y;
  var<"z", float, shape<8>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto s = sum(y);   // y int: error
#else
  auto s = sum(z);   // ok
#endif
  (void)y;
  (void)z;
  (void)s;
}
