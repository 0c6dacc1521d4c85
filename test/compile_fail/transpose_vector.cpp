// transpose of a vector: ctgrad vectors have no orientation.
// expect: transpose: needs a matrix (rank 2) expression; a vector has no orientation to swap
// max-lines: 20
#include "ctgrad/ops/linalg.hpp"
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"v", float, shape<4>> v;      // error
#else
  var<"v", float, shape<4, 1>> v;   // ok: transpose(v) is [1, 4]
#endif
  auto t = transpose(v);
  (void)t;
}
