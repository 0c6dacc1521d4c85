// jacobian with respect to an integer label variable: labels are not differentiable.
// expect: jacobian: cannot differentiate with respect to an integer (label) variable; name the float variables only
// max-lines: 20
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"z", float, shape<8, 10>> z;
  var<"b", float, shape<10>> b;
  var<"y", int, shape<8>> y;
  auto scores = matmul(z, tanh(b));   // [8]
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto J = jacobian(scores, b, y);   // error
#else
  auto J = jacobian(scores, b);      // ok: [8, 10]
#endif
  (void)y;
  (void)J;
}
