// One misuse (matmul of [8, 784] by [748, 10]) used by cross_entropy, grad, compile, run and a read:
// the placeholder returned after the error keeps every later use silent, so exactly one error prints.
// expect: matmul: inner extents differ (the left operand's columns must equal the right operand's rows)
// max-lines: 24
#include <vector>
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
int main() {
  var<"x", float, shape<8, 784>> x;
  var<"y", int, shape<8>> y;
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  var<"W", float, shape<748, 10>> W;
#else
  var<"W", float, shape<784, 10>> W;
#endif
  var<"b", float, shape<10>> b;
  auto loss = cross_entropy(relu(matmul(x, W)) + b, y);
  auto gs = grad(loss, W, b);
  auto prog = compile(gs);
  std::vector<float> xs(8 * 784), ws(784 * 10), bs(10);
  std::vector<int> ys(8);
  absl::Status st = prog.run(x = xs, y = ys, W = ws, b = bs);
  auto dW = prog[gs[W]];
  (void)st;
  (void)dW;
}
