// cross_entropy with float labels: it takes integer class indices.
// expect: cross_entropy/nll: labels must be an integer variable of class indices (for probability targets use binary_cross_entropy)
// max-lines: 20
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"z", float, shape<8, 10>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"y", float, shape<8>> y;   // error
#else
  var<"y", int, shape<8>> y;     // ok
#endif
  auto l = cross_entropy(z, y);
  (void)l;
}
