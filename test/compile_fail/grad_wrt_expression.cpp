// grad with respect to an expression (y = 2x) instead of a variable.
// expect: grad: differentiate with respect to variables (ctgrad::var<...>) only, not expressions; to differentiate through an intermediate, make it a variable
// max-lines: 20
#include "ctgrad/autodiff/grad.hpp"
using namespace ctgrad;
int main() {
  var<"x", float> x;
  auto y = x * 2.0f;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto g = grad(y * y, y);   // error
#else
  auto g = grad(y * y, x);   // ok: 8x
#endif
  (void)g;
}
