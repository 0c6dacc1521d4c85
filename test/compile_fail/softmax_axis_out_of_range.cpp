// softmax along axis 1 of a vector.
// expect: softmax/log_softmax: axis out of range (0 or 1 for a matrix, 0 for a vector; -1 is the last)
// max-lines: 20
#include "ctgrad/fn/softmax.hpp"
using namespace ctgrad;
int main() {
  var<"v", float, shape<3>> v;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto p = log_softmax<1>(v);   // error
#else
  auto p = log_softmax<0>(v);   // ok
#endif
  (void)p;
}
