// matmul of a [dyn, 4] batch by a [5, 2] matrix: the inner extents (4 and 5) differ. The note names
// both shapes, and the batch extent reads `dyn` (not 18446744073709551615).
// expect: matmul: inner extents differ (the left operand's columns must equal the right operand's rows)
// expect-note: shape_text<9>{"[dyn, 4]"}, ctgrad::shapes::shape_text<7>{"[5, 2]"}, false>::inner_extents_agree
// max-lines: 20
#include "ctgrad/ops/linalg.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"X", float, shape<dyn, 4>> X;   // error
#else
  var<"X", float, shape<dyn, 5>> X;   // ok: matmul(X, W) is [dyn, 2]
#endif
  var<"W", float, shape<5, 2>> W;
  auto y = matmul(X, W);
  (void)y;
}
