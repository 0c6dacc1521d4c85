// value_at of a Hessian with tensor blocks: value_at evaluates scalar graphs; compile() the blocks.
// expect: value_at: this Hessian has tensor blocks (tensor variables, or a graph with tensors); evaluate it with compile(h) and read prog[h(x, y)]
// max-lines: 20
#include <vector>

#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"x", double, shape<3>> x;
  auto h = hessian(sum(tanh(x) * x), x);   // one [3, 3] block
  std::vector<double> xv{0.5, 1.0, 2.0};
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  auto H = value_at(h, x = xv);            // error
  (void)H;
#else
  auto prog = compile(h);                  // ok: prog[h(x, x)] after a run
  (void)prog;
  (void)xv;
#endif
}
