// matmul of a float matrix by a double matrix: ctgrad never converts silently.
// expect: matmul: operands have different element types (e.g. float and double); convert one of them
// max-lines: 20
#include "ctgrad/ops/linalg.hpp"
using namespace ctgrad;
int main() {
  var<"A", float, shape<3, 4>> A;
  var<"B", float, shape<4, 2>> B;
  var<"Bd", double, shape<4, 2>> Bd;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto y = matmul(A, Bd);   // A float, Bd double: error
#else
  auto y = matmul(A, B);    // both float: ok
#endif
  (void)B;
  (void)Bd;
  (void)y;
}
