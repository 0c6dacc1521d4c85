// grad without a variable to differentiate with respect to.
// expect: grad: name at least one variable to differentiate with respect to
// max-lines: 20
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/ops/reduce.hpp"
using namespace ctgrad;
int main() {
  var<"W", float, shape<4>> W;
  auto loss = sum(W * W);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto g = grad(loss);      // error
#else
  auto g = grad(loss, W);   // ok
#endif
  (void)g;
}
