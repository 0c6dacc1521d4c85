// Two outputs that differ only in a literal have the same type: prog[expr] cannot tell them apart.
// expect: program: two different outputs have this expression's type (e.g. sum(v * 2.0) and sum(v * 3.0)); read them by position with get<I>()
// max-lines: 20
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"v", float, shape<4>> v;
  auto p = compile(sum(v * 2.0f), sum(v * 3.0f));
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto r = p[sum(v * 2.0f)];   // error
#else
  auto r = p.get<0>();         // ok
#endif
  (void)r;
}
