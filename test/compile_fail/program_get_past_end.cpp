// get<3>() of a program with three outputs (a gradient set of f in W and b: f, df/dW, df/db).
// expect: program: get<I>() past the last output (gradient sets count as f, then each gradient)
// max-lines: 20
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"W", float, shape<4>> W;
  var<"b", float> b;
  auto f = sum(W * W) + b;
  auto prog = compile(grad(f, W, b));
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto r = prog.get<3>();   // outputs: f, df/dW, df/db: error
#else
  auto r = prog.get<2>();   // df/db: ok
#endif
  (void)r;
}
