// cross_entropy with one-hot [8, 10] labels instead of a vector of class indices.
// expect: cross_entropy/nll: labels must be a vector (rank 1) of class indices, one per row of the input
// max-lines: 20
#include "ctgrad/fn/losses.hpp"
using namespace ctgrad;
int main() {
  var<"z", float, shape<8, 10>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"y", int, shape<8, 10>> y;   // one-hot: error
#else
  var<"y", int, shape<8>> y;       // class indices: ok
#endif
  auto l = cross_entropy(z, y);
  (void)l;
}
