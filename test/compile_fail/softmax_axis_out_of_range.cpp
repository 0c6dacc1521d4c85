// softmax along axis 1 of a vector.
// expect: softmax/log_softmax: axis out of range
// max-lines: 20
#include <ctgrad/nn/softmax.hpp>
using namespace ctgrad;
int main() {
  var<"v", float, shape<3>> v;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto p = log_softmax<1>(v);
#else
  auto p = log_softmax<0>(v);
#endif
  (void)p;
}
