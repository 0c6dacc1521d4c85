// A rank-3 shape (an image batch [dyn, 28, 28]): ctgrad has scalars, vectors and matrices.
// expect: shape: ctgrad supports tensors of rank 0, 1 and 2 (scalars, vectors, matrices)
// max-lines: 20
#include "ctgrad/core/node.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"img", float, shape<dyn, 28, 28>> img;   // error
#else
  var<"img", float, shape<dyn, 784>> img;      // ok
#endif
  (void)img;
}
