// One program with a float output and a double output: a program computes in one type.
// expect: compile: outputs have different element types (e.g. float and double); a program computes in one type
// max-lines: 20
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"a", float, shape<4>> a;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"b", double, shape<4>> b;   // error
#else
  var<"b", float, shape<4>> b;    // ok (or two programs)
#endif
  auto prog = compile(sum(a), sum(b));
  (void)prog;
}
