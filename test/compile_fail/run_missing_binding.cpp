// A compiled program run without a value for one of its variables (w).
// expect: compile: a variable of the graph has no binding in this call (bind every variable: v = value)
// max-lines: 20
#include <vector>
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"x", float, shape<4>> x;
  var<"w", float, shape<4>> w;
  auto prog = compile(sum(x * w));
  std::vector<float> xs(4), ws(4);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto st = prog.run(x = xs);           // error
#else
  auto st = prog.run(x = xs, w = ws);   // ok
#endif
  (void)st;
}
