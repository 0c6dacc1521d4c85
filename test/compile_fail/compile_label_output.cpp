// compile of an integer label variable as an output: labels are inputs only.
// expect: compile: outputs must have float or double values (integer label variables are inputs only)
// max-lines: 20
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"y", int, shape<8>> y;
  var<"z", float, shape<8>> z;
  auto gs = grad(sum(z * z), z);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto prog = compile(y);            // y int: error
#else
  auto prog = compile(sum(z), gs);   // ok
#endif
  (void)y;
  (void)gs;
  (void)prog;
}
