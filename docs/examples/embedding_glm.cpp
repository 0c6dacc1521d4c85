// docs/embedding.md, "A regression's gradient in one pass": logistic regression by gradient descent,
// the loss and its gradient from one compiled program whose matmul(X, w) and transpose(X)·e share
// one pass over X. Built and run as a test: the gradient is checked against a hand-written loop,
// and the fitted model must separate the data better than chance.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;

int main() {
  constexpr std::size_t n = 500, p = 20;
  // Data drawn from a logistic model with known weights.
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  std::vector<double> xs(n * p), ys(n), truth(p);
  for (auto& v : truth) v = normal(rng);
  for (std::size_t i = 0; i < n; ++i) {
    double t = 0;
    for (std::size_t j = 0; j < p; ++j) t += (xs[i * p + j] = normal(rng)) * truth[j];
    ys[i] = std::uniform_real_distribution<double>()(rng) < 1 / (1 + std::exp(-t)) ? 1.0 : 0.0;
  }

  // [glm]
  var<"X", double, shape<dyn, p>> X;      // one row per observation
  var<"y", double, shape<dyn>> y;         // labels, 0 or 1
  var<"w", double, shape<p>> w;
  var<"b", double> b;
  auto loss = binary_cross_entropy_with_logits(matmul(X, w) + b, y);
  auto gs = grad(loss, w, b);
  auto prog = compile(gs);                // the loss and its gradient
  static_assert(decltype(prog)::fuses_matvec_pair);  // X w and transpose(X)·(sigmoid(X w + b) - y) / n:
                                                      // one pass over X

  std::vector<double> ws(p, 0.0);
  double bias = 0;
  for (int step = 0; step < 300; ++step) {
    if (absl::Status st = prog.run(X = xs, y = ys, w = ws, b = bias); !st.ok()) {
      std::printf("%s\n", st.ToString().c_str());
      return 1;
    }
    const tensor_view<const double> dw = prog[gs[w]];
    for (std::size_t j = 0; j < p; ++j) ws[j] -= 0.5 * dw[j];
    bias -= 0.5 * prog[gs[b]].item();
  }
  // [glm]
  const double final_loss = prog[loss].item();

  // The gradient of the last run (at the weights before the last step), by hand.
  bool ok = true;
  {
    std::vector<double> w0(p), dw(p, 0.0);
    const tensor_view<const double> g = prog[gs[w]];
    for (std::size_t j = 0; j < p; ++j) w0[j] = ws[j] + 0.5 * g[j];
    const double b0 = bias + 0.5 * prog[gs[b]].item();
    double db = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double t = b0;
      for (std::size_t j = 0; j < p; ++j) t += xs[i * p + j] * w0[j];
      const double e = (1 / (1 + std::exp(-t)) - ys[i]) / n;
      db += e;
      for (std::size_t j = 0; j < p; ++j) dw[j] += e * xs[i * p + j];
    }
    for (std::size_t j = 0; j < p; ++j) ok = ok && std::fabs(g[j] - dw[j]) <= 1e-12 * (1 + std::fabs(dw[j]));
    ok = ok && std::fabs(prog[gs[b]].item() - db) <= 1e-12 * (1 + std::fabs(db));
  }
  // Training accuracy of the fitted model.
  std::size_t right = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double t = bias;
    for (std::size_t j = 0; j < p; ++j) t += xs[i * p + j] * ws[j];
    right += (t > 0) == (ys[i] > 0.5);
  }
  std::printf("logistic regression, %zu x %zu: loss %.4f (log 2 = 0.6931 at w = 0), training accuracy %.3f\n",
              n, p, final_loss, double(right) / n);
  ok = ok && final_loss < 0.5 && right > n * 7 / 10;
  std::printf("%s\n", ok ? "gradient matches the hand-written one" : "MISMATCH");
  return ok ? 0 : 1;
}
