// grad with respect to an expression (y = 2x) instead of a variable.
// expect: grad: differentiate with respect to variables (ctgrad::var<...>) only
// max-lines: 20
#include <ctgrad/autodiff/grad.hpp>
using namespace ctgrad;
int main() {
  var<"x", float> x;
  auto y = x * 2.0f;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto g = grad(y * y, y);
#else
  auto g = grad(y * y, x);
#endif
  (void)g;
}
