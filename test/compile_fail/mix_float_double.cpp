// Multiplying a float variable by a double variable: ctgrad never converts silently.
// expect: elementwise op: operands have different element types (e.g. float and double); convert one of them
// max-lines: 20
#include "ctgrad/ops/elementwise.hpp"
using namespace ctgrad;
int main() {
  var<"a", float, shape<4>> a;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"b", double, shape<4>> b;   // error
#else
  var<"b", float, shape<4>> b;    // ok
#endif
  auto y = a * b;
  (void)y;
}
