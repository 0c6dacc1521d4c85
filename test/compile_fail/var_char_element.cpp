// A variable of element type char.
// expect: var: the element type must be float, double (or int for labels)
// max-lines: 20
#include "ctgrad/core/node.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"c", char, shape<4>> c;   // error
#else
  var<"c", int, shape<4>> c;    // labels: ok
#endif
  (void)c;
}
