// value_at of a vector expression: value_at evaluates scalars; compile() evaluates tensors.
// expect: value_at: evaluates scalar expressions only; compile() evaluates tensor expressions
// max-lines: 20
#include <vector>
#include "ctgrad/eval/compile.hpp"
#include "ctgrad/eval/value_at.hpp"
using namespace ctgrad;
int main() {
  var<"v", float, shape<4>> v;
  std::vector<float> xs(4, 1.0f);
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto r = value_at(v * 2.0f, v = xs);      // v [4]: error
#else
  auto r = compile(v * 2.0f).run(v = xs);   // ok
#endif
  (void)r;
}
