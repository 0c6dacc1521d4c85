// matmul of a matrix by a scalar: multiply elementwise instead.
// expect: matmul: the right operand must be a matrix or a vector
// max-lines: 20
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/linalg.hpp"
using namespace ctgrad;
int main() {
  var<"A", float, shape<3, 4>> A;
  var<"s", float> s;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto y = matmul(A, s);   // s is a scalar: error
#else
  auto y = A * s;          // ok
#endif
  (void)y;
}
