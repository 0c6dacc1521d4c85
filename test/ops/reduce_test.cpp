// Tests for ctgrad/ops/reduce.hpp: sum, mean and max over all elements and along each axis, and
// their gradients (broadcast back, divided by the count for mean, onto the maxima for max).
#define BOOST_TEST_MODULE reduce
#include <boost/test/unit_test.hpp>

#include <vector>

#include "ctgrad/check/boost_test.hpp"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(reduce)

BOOST_AUTO_TEST_CASE(reductions_over_all_and_along_axes) {
  var<"m", double, shape<dyn, 3>> m;
  auto s_all = sum(m);
  auto s0 = sum<0>(m);
  auto s1 = sum<1>(m);
  auto m0 = mean<0>(m);
  auto m_all = mean(m);
  auto x1 = max<1>(m);
  auto x_all = max(m);
  auto prog = compile(s_all, s0, s1, m0, m_all, x1, x_all);
  std::vector<double> v{1, 2, 3, 4, 5, 9};
  BOOST_TEST_REQUIRE(prog.run(m = v).ok());
  BOOST_TEST(prog[s_all].item() == 24.0);
  BOOST_TEST(prog[s0][0] == 5.0);
  BOOST_TEST(prog[s0][2] == 12.0);
  BOOST_TEST(prog[s1][0] == 6.0);
  BOOST_TEST(prog[s1][1] == 18.0);
  BOOST_TEST(prog[m0][1] == 3.5);
  BOOST_TEST(prog[m_all].item() == 4.0);
  BOOST_TEST(prog[x1][1] == 9.0);
  BOOST_TEST(prog[x_all].item() == 9.0);
}

BOOST_AUTO_TEST_CASE(max_of_negative_values_is_the_largest_of_them) {
  // max starts from -inf, not from 0: logits and log-probabilities are all below 0. Found by the
  // mutation reduce_max_init_zero, which every other test survived.
  var<"m", double, shape<dyn, 3>> m;
  auto x0 = max<0>(m);
  auto x1 = max<1>(m);
  auto x_all = max(m);
  auto prog = compile(x0, x1, x_all);
  const std::vector<double> v{-4, -2.5, -3, -1.5, -6, -0.25};
  BOOST_TEST_REQUIRE(prog.run(m = v).ok());
  BOOST_TEST(prog[x0][0] == -1.5);
  BOOST_TEST(prog[x0][1] == -2.5);
  BOOST_TEST(prog[x0][2] == -0.25);
  BOOST_TEST(prog[x1][0] == -2.5);
  BOOST_TEST(prog[x1][1] == -0.25);
  BOOST_TEST(prog[x_all].item() == -0.25);
  // and their gradients (onto the maxima), against numeric derivatives
  CTGRAD_CHECK_GRADIENTS(check::check_gradients(max(m) * 2.0 + sum(max<1>(m)) + sum(max<0>(m)), check::wrt(m), m = v));
}

BOOST_AUTO_TEST_CASE(long_sums_use_every_element_once) {
  var<"v", float, shape<dyn>> v;
  auto s = sum(v);
  auto prog = compile(s);
  std::vector<float> data(1003, 1.0f);   // not a multiple of the 16 lanes
  BOOST_TEST_REQUIRE(prog.run(v = data).ok());
  BOOST_TEST(prog[s].item() == 1003.0f);
}

BOOST_AUTO_TEST_CASE(gradients_of_reductions) {
  var<"m", double, shape<dyn, 3>> m;
  auto f = sum(square(mean<0>(m))) + mean(m) + max(m);
  auto g = grad(f, m);
  auto prog = compile(f, g);
  std::vector<double> v{1, 2, 3, 4, 5, 9};
  BOOST_TEST_REQUIRE(prog.run(m = v).ok());
  // d/dm_ij: 2 * colmean_j / R + 1 / (R*C) + [m_ij is the max]
  const double colmean[3] = {2.5, 3.5, 6.0};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      double ref = 2 * colmean[j] / 2 + 1.0 / 6 + (i == 1 && j == 2 ? 1.0 : 0.0);
      BOOST_TEST(prog[g](i, j) == ref, tt::tolerance(1e-14));
    }
}

BOOST_AUTO_TEST_CASE(row_reduction_gradient_broadcasts_along_rows) {
  var<"m", double, shape<2, 3>> m;
  var<"w", double, shape<2>> w;
  auto f = sum(sum<1>(m) * w);
  auto g = grad(f, m);
  auto prog = compile(g);
  std::vector<double> v{1, 2, 3, 4, 5, 6}, wv{10, 100};
  BOOST_TEST_REQUIRE(prog.run(m = v, w = wv).ok());
  BOOST_TEST(prog[g](0, 2) == 10.0);
  BOOST_TEST(prog[g](1, 0) == 100.0);
}

BOOST_AUTO_TEST_SUITE_END()
