// allreduce_outputs<3> of a program with three outputs (a gradient set of f in W and b).
// expect: allreduce_outputs: an index is past the last output (gradient sets count as f, then each gradient)
// max-lines: 20
#include "ctgrad/dist/allreduce.hpp"
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"W", float, shape<4>> W;
  var<"b", float> b;
  auto f = sum(W * W) + b;
  auto prog = compile(grad(f, W, b));
  dist::local_reducer r;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto st = dist::allreduce_outputs<1, 3>(prog, r);   // outputs: f, df/dW, df/db: error
#else
  auto st = dist::allreduce_outputs<1, 2>(prog, r);   // df/dW, df/db: ok
#endif
  (void)st;
}
