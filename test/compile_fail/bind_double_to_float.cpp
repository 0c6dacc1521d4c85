// Binding a std::vector<double> to a float variable: buffers are viewed, never converted.
// expect: bind: the buffer's element type differs from the variable's (e.g. double data bound to a float variable); convert the data or declare the variable with its type
// max-lines: 20
#include <vector>
#include "ctgrad/core/node.hpp"
using namespace ctgrad;
int main() {
  var<"x", float, shape<4>> x;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  std::vector<double> xs(4);   // error
#else
  std::vector<float> xs(4);    // ok
#endif
  auto b = (x = xs);
  (void)b;
}
