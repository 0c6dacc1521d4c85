// A shape given as something other than ctgrad::shape<...> (here a plain int).
// expect: var: the third argument must be a ctgrad::shape<...>
// max-lines: 20
#include "ctgrad/core/node.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"x", float, int> x;        // error
#else
  var<"x", float, shape<4>> x;   // ok
#endif
  (void)x;
}
