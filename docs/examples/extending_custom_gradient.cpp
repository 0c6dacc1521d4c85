// docs/extending.md, "Overriding a gradient: custom_gradient": a straight-through estimator. Weights
// are quantized to steps of 1/4 in the forward pass (a step function: its derivative is 0 almost
// everywhere, so plain gradient descent would never move them); custom_gradient passes the gradient
// of the identity through instead, and the quantized model learns.
#include <cmath>
#include <cstdio>
#include <vector>

#include "ctgrad/ctgrad.hpp"

// q(w) = the nearest multiple of 1/4 (ties away from zero): a step function of one argument.
struct quantize_fn {
  static constexpr std::string_view name = "quantize";
  template <class T> static constexpr T value(T w) noexcept {
    const T s = w * T(4);
    const T r = static_cast<T>(static_cast<long long>(s + (s < T(0) ? T(-0.5) : T(0.5))));
    return r / T(4);
  }
  template <class T> static constexpr T d1(T, T) noexcept { return T(0); }  // flat between the steps
  template <class T> static constexpr T d2(T, T) noexcept { return T(0); }
};

int main() {
  using namespace ctgrad;
  var<"w", double, shape<4>> w;   // the weights being trained
  var<"x", double, shape<8, 4>> x;
  var<"y", double, shape<8>> y;
  // Forward: the quantized weights. Backward: the gradient of w itself (straight through).
  const auto wq = custom_gradient(elementwise<quantize_fn>(w), w);
  const auto loss = mean(square(matmul(x, wq) - y));
  auto prog = compile(loss, grad(loss, w));

  // Data from quantized true weights (0.25, -1.5, 0.75, 2): the quantized model can fit it exactly.
  const double truth[4] = {0.25, -1.5, 0.75, 2.0};
  std::vector<double> xs(32), ys(8), ws(4, 0.0);
  unsigned seed = 12345;  // a small LCG: inputs in [-1, 1)
  for (double& v : xs) v = (seed = seed * 1103515245u + 12345u) / 2147483648.0 - 1.0;
  for (int r = 0; r < 8; ++r) {
    ys[r] = 0;
    for (int c = 0; c < 4; ++c) ys[r] += xs[r * 4 + c] * truth[c];
  }
  double last = 0;
  for (int step = 0; step < 300; ++step) {
    if (auto st = prog.run(w = ws, x = xs, y = ys); !st.ok()) {
      std::printf("run: %s\n", std::string(st.message()).c_str());
      return 1;
    }
    last = prog.get<0>()[0];
    for (int c = 0; c < 4; ++c) ws[c] -= 0.1 * prog.get<1>()[c];
  }
  std::printf("loss %.3g, quantized weights:", last);
  for (double v : ws) std::printf(" %g", quantize_fn::value(v));
  std::printf("\n");
  // Without custom_gradient the gradient is 0 and w stays at 0; with it, w reaches the truth's steps.
  auto plain = compile(grad(mean(square(matmul(x, elementwise<quantize_fn>(w)) - y)), w));
  if (!plain.run(w = std::vector<double>{0.3, -1.2, 0.6, 1.7}, x = xs, y = ys).ok()) return 1;
  bool zero = true;
  for (int c = 0; c < 4; ++c) zero = zero && plain.get<0>()[c] == 0.0;
  bool reached = last < 1e-20;
  for (int c = 0; c < 4; ++c) reached = reached && quantize_fn::value(ws[c]) == truth[c];
  return zero && reached ? 0 : 1;
}
