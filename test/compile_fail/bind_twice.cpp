// Binding one variable twice in bind(): ctgrad names the problem.
// expect: bind: a variable is bound twice; give each variable one value
// max-lines: 20
#include <vector>
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"x", float, shape<3>> x;
  std::vector<float> a(3), b(3);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto s = bind(x = a, x = b);   // error
#else
  auto s = bind(x = a);          // ok
#endif
  (void)s;
}
