// Adding a [3, 4] matrix and a [3] vector: trailing extents 4 and 3 do not broadcast.
// expect: elementwise op: shapes do not broadcast (trailing extents must be equal or 1)
// max-lines: 20
#include "ctgrad/ops/elementwise.hpp"
using namespace ctgrad;
int main() {
  var<"a", float, shape<3, 4>> a;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"b", float, shape<3>> b;   // 4 vs 3: error
#else
  var<"b", float, shape<4>> b;   // b added to each row: ok
#endif
  auto y = a + b;
  (void)y;
}
