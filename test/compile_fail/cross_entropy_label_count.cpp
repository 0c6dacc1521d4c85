// cross_entropy of 8 rows of logits with 16 labels.
// expect: cross_entropy/nll: labels must have one label per row of the input (their extents differ)
// max-lines: 20
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"z", float, shape<8, 10>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"y", int, shape<16>> y;   // z has 8 rows: error
#else
  var<"y", int, shape<8>> y;    // ok (with z [dyn, 10], use y [dyn])
#endif
  auto l = cross_entropy(z, y);
  (void)l;
}
