// Adding a [3, 4] matrix and a [3] vector: trailing extents 4 and 3 do not broadcast.
// expect: elementwise op: shapes do not broadcast
// max-lines: 20
#include <ctgrad/ops/elementwise.hpp>
using namespace ctgrad;
int main() {
  var<"a", float, shape<3, 4>> a;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"b", float, shape<3>> b;
#else
  var<"b", float, shape<4>> b;
#endif
  auto y = a + b;
  (void)y;
}
