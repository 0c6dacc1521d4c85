// Tests for ctgrad/fn/softmax.hpp: the seeds' examples, stability at extreme logits, and the
// softmax Jacobian-vector product against the closed form s * (g - sum(g * s)), and the gradient
// checker on what differentiates softmax's probability itself (grad of log_softmax's jvp).
#define BOOST_TEST_MODULE softmax
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "ctgrad/check/boost_test.hpp"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
std::vector<long double> reference_softmax(const std::vector<double>& v) {
  long double m = *std::max_element(v.begin(), v.end()), s = 0;
  std::vector<long double> out;
  for (double x : v) s += std::exp(static_cast<long double>(x) - m);
  for (double x : v) out.push_back(std::exp(static_cast<long double>(x) - m) / s);
  return out;
}

// grad of a jvp through log_softmax along the rows of a matrix: the jvp is dz - sum(p dz), and the
// gradient of that in z differentiates p (ops::softmax_probability_op's own rule), which neither
// softmax's nor log_softmax's vector-Jacobian product does. A rank-2 z with rows that tie, that
// saturate and that are ordinary.
template <class T> auto log_softmax_jvp_gradient_report() {
  var<"z", T, shape<3, 4>> z;
  var<"dz", T, shape<3, 4>> dz;
  var<"w", T, shape<3, 4>> w;
  const std::vector<T> zv{T(0.5), T(-1), T(2), T(0.25), T(1), T(1), T(-3), T(0), T(9), T(-2), T(0.5), T(1.5)};
  const std::vector<T> dzv{T(1), T(-0.5), T(0.75), T(2), T(-1.25), T(0.5), T(1), T(-0.25), T(0.5), T(1.5), T(-1), T(0.25)};
  const std::vector<T> wv{T(0.25), T(1), T(-0.5), T(0.75), T(1.5), T(-1), T(0.5), T(2), T(-0.75), T(0.25), T(1), T(-1.5)};
  return check::check_gradients(sum(jvp(log_softmax(z), z, dz) * w), check::wrt(z), z = zv, dz = dzv, w = wv);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(softmax_suite)

// Seed 000 shows the softmax of these ten logits, rounded by hand in the article
// ([0.05, 0.02, 0.01, 0.60, 0.20, 0.03, 0.07, 0.01, 0.005, 0.005]): class 3 at about 60%.
// We assert the exact values (long double reference) and the article's reading of them.
BOOST_AUTO_TEST_CASE(seed_example_ten_logits) {
  var<"v", double, shape<10>> v;
  auto s = softmax(v);
  auto prog = compile(s);
  std::vector<double> in{2.3, 1.1, 0.1, 4.7, 3.3, 0.8, 2.9, 1.0, 0.5, 0.3};
  BOOST_TEST_REQUIRE(prog.run(v = in).ok());
  auto ref = reference_softmax(in);
  double total = 0;
  for (int i = 0; i < 10; ++i) {
    BOOST_TEST(prog[s][i] == static_cast<double>(ref[i]), tt::tolerance(1e-14));
    total += prog[s][i];
  }
  BOOST_TEST(total == 1.0, tt::tolerance(1e-15));
  BOOST_TEST(prog[s][3] == 0.6203, tt::tolerance(1e-3));   // "60% it is class 3"
  BOOST_TEST(std::max_element(prog[s].begin(), prog[s].end()) - prog[s].begin() == 3);
}

// Seed 001: softmax([1, 3, 5, 7, 9]) printed by its numpy snippet.
BOOST_AUTO_TEST_CASE(seed_example_one_to_nine) {
  var<"v", double, shape<5>> v;
  auto s = softmax(v);
  auto prog = compile(s);
  std::vector<double> in{1, 3, 5, 7, 9};
  BOOST_TEST_REQUIRE(prog.run(v = in).ok());
  const double expected[5] = {2.9007e-4, 2.1433e-3, 1.5837e-2, 1.1702e-1, 8.6468e-1};
  for (int i = 0; i < 5; ++i) BOOST_TEST(prog[s][i] == expected[i], tt::tolerance(2e-4));
}

BOOST_AUTO_TEST_CASE(rows_are_independent_and_extreme_logits_do_not_overflow) {
  var<"x", float, shape<dyn, 3>> x;
  auto s = softmax(x);
  auto ls = log_softmax(x);
  auto prog = compile(s, ls);
  std::vector<float> in{1e4f, 0.0f, -1e4f, 1.0f, 1.0f, 1.0f};
  BOOST_TEST_REQUIRE(prog.run(x = in).ok());
  BOOST_TEST(prog[s](0, 0) == 1.0f);
  BOOST_TEST(prog[s](0, 2) == 0.0f);
  BOOST_TEST(prog[ls](0, 1) == -1e4f);
  BOOST_TEST(prog[s](1, 1) == 1.0f / 3, tt::tolerance(1e-6f));
  for (float v : prog[ls]) BOOST_TEST(std::isfinite(v));
}

BOOST_AUTO_TEST_CASE(softmax_vjp_matches_closed_form) {
  var<"x", double, shape<4>> x;
  var<"g", double, shape<4>> g;
  auto s = softmax(x);
  auto dx = grad(sum(s * g), x);
  auto prog = compile(s, dx);
  std::vector<double> xv{0.5, -1.0, 2.0, 0.1}, gv{1.0, -2.0, 0.5, 3.0};
  BOOST_TEST_REQUIRE(prog.run(x = xv, g = gv).ok());
  double dot = 0;
  for (int i = 0; i < 4; ++i) dot += gv[i] * prog[s][i];
  for (int i = 0; i < 4; ++i) BOOST_TEST(prog[dx][i] == prog[s][i] * (gv[i] - dot), tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(gradient_of_log_softmax_jvp_passes_the_checker_in_double_and_float) {
  CTGRAD_CHECK_GRADIENTS(log_softmax_jvp_gradient_report<double>());
  CTGRAD_CHECK_GRADIENTS(log_softmax_jvp_gradient_report<float>());
}

BOOST_AUTO_TEST_SUITE_END()
