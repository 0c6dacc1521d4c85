// sum<2> of a matrix: a matrix has axes 0 and 1.
// expect: sum/mean/max: axis out of range for the expression's rank (axis 0 or 1 for a matrix, 0 for a vector; none for all elements)
// max-lines: 20
#include "ctgrad/ops/reduce.hpp"
using namespace ctgrad;
int main() {
  var<"m", float, shape<3, 4>> m;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto s = sum<2>(m);   // error
#else
  auto s = sum<1>(m);   // [3]: ok
#endif
  (void)s;
}
