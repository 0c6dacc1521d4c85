// jacobian of a matrix-valued function whose rows are the batch: its Jacobian has no fixed shape.
// expect: jacobian: a matrix-valued function must have fixed extents (its rows cannot be the batch); take the jacobian of one example, or jvp along the directions you need
// max-lines: 20
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"W", float, shape<4, 3>> W;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"X", float, shape<dyn, 4>> X;   // error: a batch of rows
#else
  var<"X", float, shape<2, 4>> X;     // ok: two examples, J is [6, 12]
#endif
  auto J = jacobian(tanh(matmul(X, W)), W);
  (void)J;
}
