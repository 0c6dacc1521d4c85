// matmul with a vector on the left: ctgrad's matmul is matrix-matrix or matrix-vector.
// expect: matmul: the left operand must be a matrix (rank 2)
// max-lines: 20
#include <ctgrad/ops/linalg.hpp>
using namespace ctgrad;
int main() {
  var<"v", float, shape<4>> v;
  var<"W", float, shape<4, 2>> W;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto y = matmul(v, W);
#else
  auto y = matmul(transpose(W), v);
#endif
  (void)y;
}
