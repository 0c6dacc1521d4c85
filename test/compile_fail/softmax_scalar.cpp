// softmax of a scalar.
// expect: softmax/log_softmax: needs a vector or matrix expression (the softmax of a single value is always 1)
// max-lines: 20
#include "ctgrad/fn/softmax.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"s", float> s;             // error
#else
  var<"s", float, shape<3>> s;   // ok
#endif
  auto p = softmax(s);
  (void)p;
}
