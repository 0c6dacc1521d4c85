// jvp with a tangent whose shape is not the variable's: one direction per element of x.
// expect: jvp: the tangent must have the variable's shape and element type (one direction per element of the variable)
// max-lines: 20
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"x", float, shape<4>> x;
  var<"W", float, shape<3, 4>> W;
  var<"d", float, shape<3>> d3;
  var<"dx", float, shape<4>> dx;
  auto F = tanh(matmul(W, x));
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto t = jvp(F, x, d3);   // error
#else
  auto t = jvp(F, x, dx);   // ok: J dx, shape [3]
#endif
  (void)t;
  (void)d3;
  (void)dx;
}
