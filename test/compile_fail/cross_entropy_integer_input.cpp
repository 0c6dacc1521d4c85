// cross_entropy of integer logits.
// expect: cross_entropy/nll: the input must have float or double values
// max-lines: 20
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"y", int, shape<8>> y;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"z", int, shape<8, 10>> z;     // error
#else
  var<"z", float, shape<8, 10>> z;   // ok
#endif
  auto l = cross_entropy(z, y);
  (void)l;
}
