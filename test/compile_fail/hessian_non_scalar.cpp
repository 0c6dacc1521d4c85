// hessian of a vector expression: the Hessian is of a scalar function.
// expect: hessian: the function must be a scalar (rank 0) expression; reduce it with sum() or mean() first (for a vector function's second derivatives, take hessian of each element)
// max-lines: 20
#include "ctgrad/scalar.hpp"
using namespace ctgrad;
int main() {
  var<"v", double, shape<3>> v;
  var<"c", double> c;
  var<"a", double> a;
  var<"b", double> b;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto h = hessian(v * a * b, a, b);        // error
#else
  auto h = hessian(c * a * b, a, b);        // ok
#endif
  (void)h;
  (void)v;
  (void)c;
}
