// matmul with a vector on the left: ctgrad's matmul is matrix-matrix or matrix-vector.
// expect: matmul: the left operand must be a matrix (rank 2); for a vector-matrix product write matmul(transpose(W), v)
// max-lines: 20
#include "ctgrad/ops/linalg.hpp"
using namespace ctgrad;
int main() {
  var<"v", float, shape<4>> v;
  var<"W", float, shape<4, 2>> W;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto y = matmul(v, W);              // error
#else
  auto y = matmul(transpose(W), v);   // [2]: ok
#endif
  (void)y;
}
