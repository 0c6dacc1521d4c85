// exp of an integer label variable: unary functions (exp, log, sqrt, ..., unary minus) need floats.
// expect: exp: needs a float or double expression
// max-lines: 20
#include "ctgrad/ops/elementwise.hpp"
using namespace ctgrad;
int main() {
  var<"y", int, shape<8>> y;
  var<"z", float, shape<8>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto r = exp(y);   // y is an int label variable: error
#else
  auto r = exp(z);   // z is float: ok
#endif
  (void)y;
  (void)z;
  (void)r;
}
