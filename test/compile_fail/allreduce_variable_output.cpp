// allreduce_outputs of an output that is a variable of the graph: its value is the caller's buffer.
// expect: allreduce_outputs: an output is a variable of the graph, whose value is the caller's own buffer; reduce that buffer with reducer::sum
// max-lines: 20
#include "ctgrad/dist/allreduce.hpp"
#include "ctgrad/eval/compile.hpp"
using namespace ctgrad;
int main() {
  var<"w", float, shape<4>> w;
  auto loss = sum(w * w);
  auto prog = compile(loss, grad(loss, w), w);   // outputs: loss, dloss/dw, w itself
  dist::local_reducer r;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto st = dist::allreduce_outputs<1, 2>(prog, r);   // w is a variable: error
#else
  auto st = dist::allreduce_outputs<1>(prog, r);      // dloss/dw: ok
#endif
  (void)st;
}
