// compile() of a number instead of an expression or a gradient set.
// expect: compile: outputs must be expressions or gradient sets (from grad())
// max-lines: 20
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"z", float, shape<8>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto prog = compile(sum(z), 1.0f);   // error
#else
  auto prog = compile(sum(z));         // ok
#endif
  (void)prog;
}
