// Tests for ctgrad/nn/optim.hpp that need no model: the optimisers' moments never stay subnormal
// (subnormal arithmetic is a microcode assist on many x86 cores: the main job's ReLU epoch ran 2.5x
// slower), and flushing them changes no parameter. (The Keras update formulas are checked in
// trainer_test.cpp.)
#define BOOST_TEST_MODULE optim
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "ctgrad/nn/optim.hpp"

using namespace ctgrad;

namespace {
bool subnormal(float x) { return std::fpclassify(x) == FP_SUBNORMAL; }
}  // namespace

BOOST_AUTO_TEST_SUITE(optim_suite)

BOOST_AUTO_TEST_CASE(flush_subnormal_zeroes_exactly_the_subnormals) {
  using nn::detail::flush_subnormal;
  const float fmin = std::numeric_limits<float>::min();
  BOOST_TEST(flush_subnormal(fmin) == fmin);
  BOOST_TEST(flush_subnormal(-fmin) == -fmin);
  BOOST_TEST(flush_subnormal(fmin / 2) == 0.0f);
  BOOST_TEST(flush_subnormal(-std::numeric_limits<float>::denorm_min()) == 0.0f);
  BOOST_TEST(flush_subnormal(1.5f) == 1.5f);
  BOOST_TEST(std::isinf(flush_subnormal(std::numeric_limits<float>::infinity())));
  BOOST_TEST(std::isnan(flush_subnormal(std::numeric_limits<float>::quiet_NaN())));
  const double dmin = std::numeric_limits<double>::min();
  BOOST_TEST(flush_subnormal(dmin) == dmin);
  BOOST_TEST(flush_subnormal(dmin / 4) == 0.0);
  BOOST_TEST(flush_subnormal(-1e-300) == -1e-300);
}

BOOST_AUTO_TEST_CASE(adam_and_sgd_moments_of_zero_gradients_decay_to_zero_not_to_subnormals) {
  // One step with a gradient, then 2000 with none: 0.9^k m passes below the smallest normal after
  // about 800 steps, where (without the flush) 0.9 m rounds back to m and stays subnormal.
  const std::size_t n = 4;
  std::vector<float> p{0.5f, -0.25f, 0.125f, 1.0f}, g{1e-3f, -2e-3f, 3e-4f, 0.0f}, zero(n, 0.0f);
  nn::adam<float> adam(n);
  nn::sgd<float> sgd(n);
  std::vector<float> q = p;
  adam.begin_step();
  adam.update(p, g, 0);
  sgd.begin_step();
  sgd.update(q, g, 0);
  for (int s = 0; s < 2000; ++s) {
    adam.begin_step();
    adam.update(p, zero, 0);
    sgd.begin_step();
    sgd.update(q, zero, 0);
  }
  for (std::size_t i = 0; i < n; ++i) {
    BOOST_TEST(!subnormal(adam.first_moment()[i]));
    BOOST_TEST(!subnormal(adam.second_moment()[i]));
    BOOST_TEST(!subnormal(sgd.velocity()[i]));
  }
  BOOST_TEST(adam.first_moment()[0] == 0.0f);  // decayed for good
  BOOST_TEST(sgd.velocity()[0] == 0.0f);
}

BOOST_AUTO_TEST_CASE(flushing_the_moments_moves_no_parameter) {
  // The same run by the plain Keras formulas (no flush), in float: the parameters agree bit for
  // bit, though the reference's first moments end subnormal.
  const std::size_t n = 3;
  std::vector<float> p{0.5f, -0.03f, 0.002f}, g{1e-3f, -2e-3f, 4e-4f}, zero(n, 0.0f);
  std::vector<float> rp = p, rm(n, 0.0f), rv(n, 0.0f);
  nn::adam<float> adam(n);
  const nn::adam_options o{};
  for (int s = 1; s <= 1500; ++s) {
    const std::vector<float>& gs = s <= 3 ? g : zero;
    adam.begin_step();
    adam.update(p, gs, 0);
    const float alpha = static_cast<float>(o.learning_rate * std::sqrt(1 - std::pow(o.beta2, double(s))) /
                                           (1 - std::pow(o.beta1, double(s))));
    for (std::size_t i = 0; i < n; ++i) {
      rm[i] = float(o.beta1) * rm[i] + float(1 - o.beta1) * gs[i];
      rv[i] = float(o.beta2) * rv[i] + float(1 - o.beta2) * gs[i] * gs[i];
      rp[i] -= alpha * rm[i] / (std::sqrt(rv[i]) + float(o.epsilon));
    }
  }
  BOOST_TEST_REQUIRE(subnormal(rm[0]));  // the reference did reach the subnormal range
  for (std::size_t i = 0; i < n; ++i) BOOST_TEST(p[i] == rp[i]);
}

BOOST_AUTO_TEST_SUITE_END()
