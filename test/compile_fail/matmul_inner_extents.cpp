// matmul of a [3, 4] matrix by a [5, 2] matrix: the inner extents (4 and 5) differ.
// expect: matmul: inner extents differ (the left operand's columns must equal the right operand's rows)
// max-lines: 20
#include "ctgrad/ops/linalg.hpp"
using namespace ctgrad;
int main() {
  var<"A", float, shape<3, 4>> A;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"B", float, shape<5, 2>> B;   // error
#else
  var<"B", float, shape<4, 2>> B;   // ok: matmul(A, B) is [3, 2]
#endif
  auto y = matmul(A, B);
  (void)y;
}
