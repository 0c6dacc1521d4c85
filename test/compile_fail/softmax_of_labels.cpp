// softmax of integer labels.
// expect: softmax/log_softmax: needs a float or double expression
// max-lines: 20
#include "ctgrad/fn/softmax.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"v", int, shape<3>> v;     // error
#else
  var<"v", float, shape<3>> v;   // ok
#endif
  auto p = softmax(v);
  (void)p;
}
