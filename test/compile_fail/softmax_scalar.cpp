// softmax of a scalar.
// expect: softmax/log_softmax: needs a vector or matrix expression
// max-lines: 20
#include <ctgrad/nn/softmax.hpp>
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"s", float> s;
#else
  var<"s", float, shape<3>> s;
#endif
  auto p = softmax(s);
  (void)p;
}
