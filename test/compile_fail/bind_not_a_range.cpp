// Binding a number to a vector variable: a tensor variable needs a contiguous range.
// expect: bind: bind a number to a scalar variable, or a contiguous range of its element type (std::vector, std::span, absl::Span, ctgrad::tensor) to a tensor variable
// max-lines: 20
#include <vector>
#include "ctgrad/core/node.hpp"
using namespace ctgrad;
int main() {
  var<"x", float, shape<4>> x;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto b = (x = 1.0f);                          // error
#else
  auto b = (x = std::vector<float>(4, 1.0f));   // ok
#endif
  (void)b;
}
