// `dyn` (the batch extent) in the second position of a shape.
// expect: var: `dyn` is allowed only as the first extent (the batch); write shape<dyn, N>
// max-lines: 20
#include "ctgrad/core/node.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"x", float, shape<10, dyn>> x;   // error
#else
  var<"x", float, shape<dyn, 10>> x;   // ok: a batch of 10-feature rows
#endif
  (void)x;
}
