// cross_entropy with two parameters: it has one (label_smoothing).
// expect: cross_entropy: too many arguments (the input, the target, then at most the parameters of fn::cross_entropy::params)
// max-lines: 24
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"z", float, shape<dyn, 10>> z;
  var<"y", int, shape<dyn>> y;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto l = cross_entropy(z, y, 0.1, 0.2);   // one parameter (label_smoothing): error
#else
  auto l = cross_entropy(z, y, 0.1);        // ok
#endif
  (void)l;
}
