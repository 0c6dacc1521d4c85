// hessian with respect to a tensor variable: hessian_set holds scalar entries; hvp never forms H.
// expect: hessian: the variables must be scalars; for a tensor variable use hvp(f, x, v), the Hessian-vector product, which never forms the Hessian
// max-lines: 20
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"x", double, shape<1000>> x;
  var<"v", double, shape<1000>> v;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto h = hessian(sum(tanh(x) * x), x);      // error
#else
  auto h = hvp(sum(tanh(x) * x), x, v);       // ok: H v
#endif
  (void)h;
}
