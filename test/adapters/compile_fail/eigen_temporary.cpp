// Binding a temporary matrix: the binding views its storage, which dies at the end of the statement.
// expect: eigen::bind: the matrix is a temporary
// max-lines: 20
#include "ctgrad/adapters/eigen.hpp"
using namespace ctgrad;
int main() {
  var<"v", double, shape<3>> v;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto b = eigen::bind(v, Eigen::Vector3d(1, 2, 3));
#else
  Eigen::Vector3d named(1, 2, 3);
  auto b = eigen::bind(v, named);
#endif
  (void)b;
}
