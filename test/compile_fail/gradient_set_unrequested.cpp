// Reading gs[b] from a gradient set made by grad(f, W, c): b was not requested.
// expect: gradient_set: no gradient was requested for this variable; name it in grad(f, ...)
// max-lines: 20
#include "ctgrad/autodiff/grad.hpp"
using namespace ctgrad;
int main() {
  var<"W", double> W;
  var<"b", double> b;
  var<"c", double> c;
  auto gs = grad(W * b * c, W, c);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto db = gs[b];   // error
#else
  auto db = gs[c];   // ok
#endif
  (void)db;
}
