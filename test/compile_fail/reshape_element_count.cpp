// reshape to a shape with another number of elements: reshape keeps every element, row-major.
// expect: reshape: the target shape must have as many elements as the expression
// max-lines: 20
#include "ctgrad/ops/reshape.hpp"
using namespace ctgrad;
int main() {
  var<"W", float, shape<2, 3>> W;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto v = reshape<shape<5>>(W);   // error
#else
  auto v = reshape<shape<6>>(W);   // ok: W's rows one after the other
#endif
  (void)v;
}
