// Tests for ctgrad/ops/elementwise.hpp: each op's value and derivative against hand-derived
// formulas, and NumPy broadcasting in compiled programs.
#define BOOST_TEST_MODULE elementwise
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
var<"a", double> a;
var<"b", double> b;
}  // namespace

BOOST_AUTO_TEST_SUITE(elementwise)

BOOST_AUTO_TEST_CASE(arithmetic_values_and_gradients_match_hand_formulas) {
  const double av = 1.7, bv = -0.6;
  BOOST_TEST(value_at(a + b, a = av, b = bv) == av + bv);
  BOOST_TEST(value_at(a - b, a = av, b = bv) == av - bv);
  BOOST_TEST(value_at(a * b, a = av, b = bv) == av * bv);
  BOOST_TEST(value_at(a / b, a = av, b = bv) == av / bv);
  BOOST_TEST(value_at(-a, a = av) == -av);
  auto d = value_at(grad(a / b, a, b), a = av, b = bv);
  BOOST_TEST(d[0] == 1 / bv, tt::tolerance(1e-15));
  BOOST_TEST(d[1] == -av / (bv * bv), tt::tolerance(1e-15));
  auto m = value_at(grad(a * b - a, a, b), a = av, b = bv);
  BOOST_TEST(m[0] == bv - 1, tt::tolerance(1e-15));
  BOOST_TEST(m[1] == av, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(math_functions_values_and_gradients_match_hand_formulas) {
  const double x = 0.8;
  BOOST_TEST(value_at(exp(a), a = x) == std::exp(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(exp(a), a), a = x) == std::exp(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(log(a), a = x) == std::log(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(log(a), a), a = x) == 1 / x, tt::tolerance(1e-15));
  BOOST_TEST(value_at(sqrt(a), a = x) == std::sqrt(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(sqrt(a), a), a = x) == 0.5 / std::sqrt(x), tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(square(a), a), a = x) == 2 * x, tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(abs(a), a), a = -x) == -1.0);
  BOOST_TEST(value_at(grad(abs(a), a), a = 0.0) == 0.0);  // PyTorch: abs'(0) = 0
  BOOST_TEST(value_at(pow(a, 3), a = x) == x * x * x, tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(pow(a, 3), a), a = x) == 3 * x * x, tt::tolerance(1e-15));
  BOOST_TEST(value_at(grad(pow(a, -2), a), a = x) == -2 / (x * x * x), tt::tolerance(1e-14));
  BOOST_TEST(value_at(grad(grad(pow(a, 4), a), a), a = x) == 12 * x * x, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(bias_add_broadcasts_trailing_dimension_and_its_gradient_sums_rows) {
  var<"z", float, shape<dyn, 3>> z;
  var<"bias", float, shape<3>> bias;
  auto f = z + bias;
  auto loss = sum(f * f);
  auto g = grad(loss, bias);
  auto prog = compile(f, loss, g);
  std::vector<float> zv{1, 2, 3, 4, 5, 6}, bv{10, 20, 30};
  BOOST_TEST_REQUIRE(prog.run(z = zv, bias = bv).ok());
  auto out = prog[f];
  BOOST_TEST(out.rows == 2u);
  BOOST_TEST(out(1, 2) == 36.0f);
  BOOST_TEST(out(0, 0) == 11.0f);
  // d/dbias_j sum_i (z_ij + b_j)^2 = 2 sum_i (z_ij + b_j)
  auto gb = prog[g];
  BOOST_TEST(gb[0] == 2.0f * (11 + 14));
  BOOST_TEST(gb[2] == 2.0f * (33 + 36));
}

BOOST_AUTO_TEST_CASE(scalar_broadcasts_against_a_matrix) {
  var<"m", double, shape<2, 2>> m;
  var<"s", double> s;
  auto f = sum(m * s);
  auto g = grad(f, m, s);
  auto prog = compile(g);
  std::vector<double> mv{1, 2, 3, 4};
  BOOST_TEST_REQUIRE(prog.run(m = mv, s = 3.0).ok());
  BOOST_TEST(prog[f].item() == 30.0);
  BOOST_TEST(prog[g[s]].item() == 10.0);
  BOOST_TEST(prog[g[m]][3] == 3.0);
}

BOOST_AUTO_TEST_CASE(custom_gradient_has_the_value_of_one_and_the_derivatives_of_the_other) {
  // value: a^3; derivatives: those of b^2 (grad, jvp, second derivatives).
  const auto f = custom_gradient(a * a * a, b * b);
  BOOST_TEST(value_at(f, a = 2.0, b = 3.0) == 8.0);
  const auto g = value_at(grad(f, a, b), a = 2.0, b = 3.0);
  BOOST_TEST(g[0] == 0.0);
  BOOST_TEST(g[1] == 6.0);
  BOOST_TEST(value_at(jvp(f, b, 1.0 + 0.0 * b), a = 2.0, b = 3.0) == 6.0);
  const auto H = value_at(hessian(f, a, b), a = 2.0, b = 3.0);
  BOOST_TEST(H[1][1] == 2.0);
  BOOST_TEST(H[0][0] == 0.0);
  // A straight-through estimator in a compiled program: sign(x) forward, identity backward.
  var<"x", float, shape<4>> x;
  const auto ste = custom_gradient(x / abs(x), x);
  auto prog = compile(sum(ste * ste * 3.0f), grad(sum(ste * 3.0f), x));
  const std::vector<float> xv{-2.0f, -0.5f, 0.25f, 4.0f};
  BOOST_TEST_REQUIRE(prog.run(x = xv).ok());
  BOOST_TEST(prog.get<0>()[0] == 12.0f);
  for (int i = 0; i < 4; ++i) BOOST_TEST(prog.get<1>()[i] == 3.0f);
  // A number as the surrogate cuts the gradient, as stop_gradient.
  BOOST_TEST(value_at(grad(custom_gradient(a * b, 0.0) + a, a), a = 2.0, b = 5.0) == 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
