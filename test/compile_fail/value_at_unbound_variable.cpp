// value_at of a * b with only a given a value.
// expect: value_at: the expression uses a variable that has no value bound (write v = value)
// max-lines: 20
#include "ctgrad/eval/value_at.hpp"
using namespace ctgrad;
int main() {
  var<"a", double> a;
  var<"b", double> b;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  double v = value_at(a * b, a = 2.0);            // error
#else
  double v = value_at(a * b, a = 2.0, b = 3.0);   // 6: ok
#endif
  (void)v;
}
