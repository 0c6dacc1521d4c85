// Reading prog[x * x] from a program compiled for sum(x * x): only outputs are kept.
// expect: program: this expression is not an output of the program; pass it to compile() (or read a gradient with prog[gs[v]])
// max-lines: 20
#include <vector>
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"x", float, shape<4>> x;
  auto prog = compile(sum(x * x));
  std::vector<float> xs(4);
  (void)prog.run(x = xs);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto v = prog[x * x];        // error
#else
  auto v = prog[sum(x * x)];   // ok
#endif
  (void)v;
}
