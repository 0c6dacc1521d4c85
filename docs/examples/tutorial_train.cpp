// docs/tutorial.md, part 2: training a small classifier with ctgrad::nn (MLP graph, Adam, shuffled
// mini-batches) on synthetic data: four Gaussian blobs in 2-D. Built and run as a test: fails if
// the model does not learn (test accuracy below 0.95).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/nn/trainer.hpp"
using namespace ctgrad;

int main() {
  // [1] Data: 4 classes, centred at (+-2, +-2), unit variance.
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.0f, 0.7f);
  auto make = [&](std::size_t n, std::vector<float>& x, std::vector<std::int32_t>& y) {
    for (std::size_t i = 0; i < n; ++i) {
      const int c = int(i % 4);
      x.push_back((c & 1 ? 2.0f : -2.0f) + noise(rng));
      x.push_back((c & 2 ? 2.0f : -2.0f) + noise(rng));
      y.push_back(c);
    }
  };
  std::vector<float> xtr, xte;
  std::vector<std::int32_t> ytr, yte;
  make(2000, xtr, ytr);
  make(400, xte, yte);

  // [2] The model is a type: 2 inputs -> 16 (tanh) -> 4 logits. Its loss and gradients are
  //     derived at compile time; the trainer compiles them into one fused program.
  using model = nn::mlp<fn::tanh, float, 2, 16, 4>;
  nn::trainer<model> t({.batch = 32, .optimizer = nn::adam_options{.learning_rate = 0.01}, .seed = 7});

  // [3] Train a few epochs; evaluate on held-out data.
  const nn::dataset_view train{xtr, ytr, ytr.size(), 2}, test{xte, yte, yte.size(), 2};
  for (int epoch = 1; epoch <= 3; ++epoch) {
    auto m = t.train_epoch(train, epoch);     // absl::StatusOr<metrics>: loss, accuracy
    if (!m.ok()) {
      std::printf("error: %s\n", m.status().ToString().c_str());
      return 1;
    }
    auto v = t.evaluate(test);
    std::printf("epoch %d  loss %.4f  accuracy %.3f  test accuracy %.3f\n", epoch, m->loss, m->accuracy, v->accuracy);
  }
  auto final_test = t.evaluate(test);
  return final_test.ok() && final_test->accuracy >= 0.95 ? 0 : 1;
}
