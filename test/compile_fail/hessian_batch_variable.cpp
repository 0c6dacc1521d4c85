// hessian with respect to a batch variable: its blocks would have a run-time extent; hvp never forms H.
// expect: hessian: the variables must have fixed extents (a batch variable's Hessian has no fixed shape); for a batch variable use hvp(f, x, v), the Hessian-vector product, which never forms the Hessian
// max-lines: 20
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"x", double, shape<dyn, 4>> x;
  var<"v", double, shape<dyn, 4>> v;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto h = hessian(sum(tanh(x) * x), x);      // error
#else
  auto h = hvp(sum(tanh(x) * x), x, v);       // ok: H v
#endif
  (void)h;
}
