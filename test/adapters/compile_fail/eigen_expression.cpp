// An Eigen expression without storage (a sum) cannot be viewed: it must be evaluated first.
// expect: eigen::bind: the Eigen expression has no storage of its own
// max-lines: 20
#include "ctgrad/adapters/eigen.hpp"
using namespace ctgrad;
int main() {
  var<"v", double, shape<3>> v;
  Eigen::Vector3d a(1, 2, 3), c(4, 5, 6);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto b = eigen::bind(v, a + c);
#else
  Eigen::Vector3d sum = a + c;
  auto b = eigen::bind(v, sum);
#endif
  (void)b;
}
