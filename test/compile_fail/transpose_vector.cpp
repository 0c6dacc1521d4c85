// transpose of a vector: ctgrad vectors have no orientation.
// expect: transpose: needs a matrix (rank 2) expression
// max-lines: 20
#include <ctgrad/ops/linalg.hpp>
using namespace ctgrad;
int main() {
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"v", float, shape<4>> v;
#else
  var<"v", float, shape<4, 1>> v;
#endif
  auto t = transpose(v);
  (void)t;
}
