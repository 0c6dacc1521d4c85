// W2 (test/bench/regression.hpp): the hand-written gradient is the derivative of f (central
// differences), and every implementation built into this binary — ctgrad and the peers found at
// configure time — gives the hand-written f and gradient to 1e-10, at the point the benchmark
// times and at a second one (ADOL-C's tape, recorded at the first, must hold at the second).
#define BOOST_TEST_MODULE w2_regression
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "regression.hpp"

using namespace ctgrad_bench::w2;

namespace {
std::vector<double> second_point() {
  std::vector<double> t = fixed_problem().theta;
  for (std::size_t j = 0; j < p; ++j) t[j] = 0.5 * t[j] + (j % 3 == 0 ? 0.25 : -0.125);
  t[p] = -0.75;
  t[p + 1] = 3.0;
  return t;
}
}  // namespace

BOOST_AUTO_TEST_CASE(hand_written_gradient_matches_central_differences) {
  const problem& pr = fixed_problem();
  auto hand = make_hand(pr);
  for (const std::vector<double>& theta : {pr.theta, second_point()}) {
    std::vector<double> g(dim);
    const double f = hand->gradient(theta.data(), g.data());
    BOOST_TEST(f == hand->value(theta.data()), boost::test_tools::tolerance(1e-14));
    for (std::size_t k = 0; k < dim; ++k) {
      std::vector<double> up = theta, down = theta;
      const double h = 1e-5 * std::max(1.0, std::abs(theta[k]));
      up[k] += h;
      down[k] -= h;
      const double fd = (hand->value(up.data()) - hand->value(down.data())) / (2 * h);
      BOOST_TEST_CONTEXT("parameter " << k << " (" << p << " = b, " << p + 1 << " = sigma)") {
        BOOST_TEST(std::abs(fd - g[k]) <= 1e-6 * (1 + std::abs(g[k])), "central difference " << fd << ", gradient " << g[k]);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(every_implementation_matches_the_hand_written_one_to_1e_10) {
  const problem& pr = fixed_problem();
  std::vector<implementation> impls = implementations(pr);
  for (const std::string& m : skipped_peers()) BOOST_TEST_MESSAGE(m);
  BOOST_TEST(impls.size() >= 2u);  // hand and ctgrad at least
  evaluator& hand = *impls.front().eval;
  for (const std::vector<double>& theta : {pr.theta, second_point()}) {
    for (implementation& im : impls) {
      BOOST_TEST_CONTEXT(im.name << " at sigma = " << theta[p + 1]) {
        const difference d = compare(*im.eval, hand, theta.data());
        BOOST_TEST(d.value <= tolerance);
        BOOST_TEST(d.gradient_f <= tolerance);
        BOOST_TEST(d.gradient <= tolerance);
      }
    }
  }
}
