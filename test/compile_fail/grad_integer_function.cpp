// grad of an integer-valued function (a scalar label variable).
// expect: grad: the function must have a float or double value
// max-lines: 20
#include "ctgrad/autodiff/grad.hpp"
using namespace ctgrad;
int main() {
  var<"x", float> x;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"n", int> n;     // error
#else
  var<"n", float> n;   // ok
#endif
  auto g = grad(n, x);
  (void)g;
}
