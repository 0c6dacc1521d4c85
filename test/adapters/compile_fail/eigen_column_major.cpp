// A column-major Eigen matrix bound to a rank-2 variable: its memory holds the transpose.
// expect: eigen::bind: a column-major Eigen matrix bound to a rank-2 variable
// max-lines: 20
#include "ctgrad/adapters/eigen.hpp"
using namespace ctgrad;
int main() {
  var<"W", float, shape<2, 3>> W;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  Eigen::MatrixXf w(2, 3);
#else
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> w(2, 3);
#endif
  auto b = eigen::bind(W, w);
  (void)b;
}
