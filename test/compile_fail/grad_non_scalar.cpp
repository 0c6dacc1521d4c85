// grad of a vector expression: grad needs a scalar function (reverse mode seeds one adjoint).
// expect: grad: the function must be a scalar (rank 0) expression; reduce it with sum() or mean() first
// max-lines: 20
#include "ctgrad/autodiff/grad.hpp"
using namespace ctgrad;
int main() {
  var<"x", float, shape<4>> x;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto g = grad(x * x, x);        // error
#else
  auto g = grad(sum(x * x), x);   // ok: 2x
#endif
  (void)g;
}
