// matmul of integer (label) matrices.
// expect: matmul: needs float or double operands
// max-lines: 20
#include "ctgrad/ops/linalg.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"A", int, shape<3, 4>> A;     // error
  var<"B", int, shape<4, 2>> B;
#else
  var<"A", float, shape<3, 4>> A;   // ok
  var<"B", float, shape<4, 2>> B;
#endif
  auto y = matmul(A, B);
  (void)y;
}
