// compile() without outputs.
// expect: compile: give at least one output
// max-lines: 20
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"z", float, shape<8>> z;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto prog = compile();         // error
#else
  auto prog = compile(sum(z));   // ok
#endif
  (void)z;
  (void)prog;
}
