// Arithmetic on an integer label variable: labels are inputs of losses, not numbers to compute with.
// expect: elementwise op: arithmetic needs float or double operands (integer label variables are only for losses)
// max-lines: 20
#include "ctgrad/ops/elementwise.hpp"
using namespace ctgrad;
int main() {
  var<"y", int, shape<8>> y;     // class labels
  var<"t", float, shape<8>> t;   // numeric targets
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto r = y * 2.0;    // error
#else
  auto r = t * 2.0f;   // ok
#endif
  (void)y;
  (void)t;
  (void)r;
}
