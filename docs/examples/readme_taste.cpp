// The README's taste of the API: a scalar gradient inlined at compile time, then a batch MLP loss
// and all its parameter gradients as one compiled, fused program. Built and run as a test.
#include <cmath>
#include <cstdio>
#include <vector>

#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;

int main() {
  // Scalars: the derivative is an expression type; evaluating it is inlined code, no tape, no heap.
  var<"a", double> a;
  var<"b", double> b;
  auto f = sigmoid(a * b) + tanh(a);
  auto df = grad(f, a, b);                            // d f / d a, d f / d b, derived at compile time
  auto [fa, g] = value_and_grad_at(df, a = 0.5, b = 2.0);
  std::printf("f = %.6f  df/da = %.6f  df/db = %.6f\n", fa, g[0], g[1]);

  // Tensors: a 2-layer MLP's loss and its gradients, compiled once into fused loops.
  var<"x", float, shape<dyn, 4>> x;                  // a batch of inputs (run-time batch size)
  var<"W1", float, shape<4, 8>> W1;   var<"b1", float, shape<8>> b1;
  var<"W2", float, shape<8, 3>> W2;   var<"b2", float, shape<3>> b2;
  var<"y", int, shape<dyn>> y;                        // class labels
  auto loss = cross_entropy(matmul(relu(matmul(x, W1) + b1), W2) + b2, y);
  auto grads = grad(loss, W1, b1, W2, b2);
  auto prog = compile(grads);                         // plans buffers once; runs allocate nothing
  std::vector<float> xs(2 * 4, 0.5f), w1(4 * 8, 0.1f), c1(8, 0.0f), w2(8 * 3, 0.2f), c2(3, 0.0f);
  std::vector<int> ys{0, 2};
  absl::Status st = prog.run(x = xs, W1 = w1, b1 = c1, W2 = w2, b2 = c2, y = ys);
  if (!st.ok()) {
    std::printf("error: %s\n", st.ToString().c_str());
    return 1;
  }
  float l = prog[loss].item();                        // and prog[grads[W2]], ... views of the results
  auto dW2 = prog[grads[W2]];        // a tensor_view: data, rows, cols, (r, c), [i]
  std::printf("loss = %.6f  dloss/dW2[0,0] = %.6f\n", l, dW2[0]);

  // What this example promises, checked: the values above are the hand-derived ones. Every hidden
  // unit is relu(4 * 0.5 * 0.1) = 0.2 and the logits are equal, so softmax is 1/3 everywhere: the
  // loss is log 3, and dloss/dW2[0,0] = 0.2 * ((1/3 - 1) + 1/3) / 2 (label 0 in row 0 only).
  const double s = 1 / (1 + std::exp(-1.0)), t = std::tanh(0.5);
  const bool ok = std::fabs(fa - (s + t)) < 1e-15 && std::fabs(g[0] - (2 * s * (1 - s) + 1 - t * t)) < 1e-15 &&
                  std::fabs(g[1] - 0.5 * s * (1 - s)) < 1e-15 && std::fabs(l - std::log(3.0f)) < 1e-6f &&
                  dW2.rows == 8 && dW2.cols == 3 && std::fabs(dW2[0] - 0.2f * (-1.0f / 3) / 2) < 1e-7f;
  return ok ? 0 : 1;
}
