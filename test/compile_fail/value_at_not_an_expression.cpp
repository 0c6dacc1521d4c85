// value_at of a plain number instead of a ctgrad expression.
// expect: value_at: the first argument must be a ctgrad expression
// max-lines: 24
#include "ctgrad/eval/value_at.hpp"
using namespace ctgrad;
int main() {
  var<"a", double> a;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  double v = value_at(2.0 * 3.0, a = 1.0);   // error
#else
  double v = value_at(2.0 * a, a = 3.0);     // ok
#endif
  (void)v;
}
