// Tests for ctgrad/autodiff/grad.hpp: gradients derived at compile time match central finite
// differences on a 2-layer MLP, second derivatives (grad of grad) are right, a variable that the
// function does not use gets a zero gradient, and everything is usable in constant expressions.
#define BOOST_TEST_MODULE grad
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
var<"a", double> a;
var<"b", double> b;
}  // namespace

BOOST_AUTO_TEST_SUITE(grad_suite)

BOOST_AUTO_TEST_CASE(scalar_gradients_evaluate_in_constant_expressions) {
  static_assert(value_at(grad(sigmoid(a), a), a = 0.0) == 0.25);
  constexpr auto d = value_at(grad(a * a * b + b, a, b), a = 3.0, b = 2.0);
  static_assert(d[0] == 12.0 && d[1] == 10.0);
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(the_issue_example_sigmoid_ab_plus_tanh_a) {
  auto f = sigmoid(a * b) + tanh(a);
  auto df = grad(f, a, b);
  const double av = 0.3, bv = -1.2;
  auto d = value_at(df, a = av, b = bv);
  const double s = 1 / (1 + std::exp(-av * bv));
  BOOST_TEST(d[0] == bv * s * (1 - s) + 1 - std::tanh(av) * std::tanh(av), tt::tolerance(1e-14));
  BOOST_TEST(d[1] == av * s * (1 - s), tt::tolerance(1e-14));
  auto [v, g] = value_and_grad_at(df, a = av, b = bv);
  BOOST_TEST(v == s + std::tanh(av), tt::tolerance(1e-15));
  BOOST_TEST(g[1] == d[1]);
}

BOOST_AUTO_TEST_CASE(second_derivatives_through_activations_and_arithmetic) {
  auto f = sigmoid(a * b) + a * a * a;
  auto daa = grad(grad(f, a), a);
  auto dab = grad(grad(f, a), b);
  const double av = 0.7, bv = 0.4;
  const double s = 1 / (1 + std::exp(-av * bv)), ds = s * (1 - s), dds = ds * (1 - 2 * s);
  BOOST_TEST(value_at(daa, a = av, b = bv) == bv * bv * dds + 6 * av, tt::tolerance(1e-13));
  BOOST_TEST(value_at(dab, a = av, b = bv) == ds + av * bv * dds, tt::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(unused_variable_gets_a_zero_gradient) {
  auto g = grad(a * 2.0, a, b);
  auto d = value_at(g, a = 1.0, b = 5.0);
  BOOST_TEST(d[1] == 0.0);
  // and the mixed second derivative of a separable function is zero
  BOOST_TEST(value_at(grad(grad(a * a + b * b, a), b), a = 1.0, b = 2.0) == 0.0);
}

BOOST_AUTO_TEST_CASE(two_layer_mlp_gradients_match_central_differences_in_double) {
  var<"x", double, shape<dyn, 6>> x;
  var<"W1", double, shape<6, 5>> W1;
  var<"b1", double, shape<5>> b1;
  var<"W2", double, shape<5, 3>> W2;
  var<"b2", double, shape<3>> b2;
  var<"y", int, shape<dyn>> y;
  auto logits = matmul(tanh(matmul(x, W1) + b1), W2) + b2;
  auto loss = cross_entropy(logits, y);
  auto gs = grad(loss, W1, b1, W2, b2);
  auto prog = compile(gs);
  std::mt19937 rng(7);
  std::normal_distribution<double> nd;
  std::vector<double> xv(4 * 6), w1(30), bb1(5), w2(15), bb2(3);
  for (auto* v : {&xv, &w1, &bb1, &w2, &bb2})
    for (auto& e : *v) e = nd(rng);
  std::vector<int> yv{0, 2, 1, 2};
  auto run = [&] { BOOST_REQUIRE(prog.run(x = xv, W1 = w1, b1 = bb1, W2 = w2, b2 = bb2, y = yv).ok()); };
  run();
  std::vector<std::vector<double>> analytic;
  for (auto view : {prog[gs[W1]], prog[gs[b1]], prog[gs[W2]], prog[gs[b2]]})
    analytic.emplace_back(view.begin(), view.end());
  std::vector<double>* params[] = {&w1, &bb1, &w2, &bb2};
  for (int p = 0; p < 4; ++p) {
    for (std::size_t i = 0; i < params[p]->size(); ++i) {
      double& w = (*params[p])[i];
      const double old = w, h = 1e-5;
      w = old + h; run(); const double fp = prog[loss].item();
      w = old - h; run(); const double fm = prog[loss].item();
      w = old;
      BOOST_TEST(analytic[p][i] == (fp - fm) / (2 * h), tt::tolerance(1e-7));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
