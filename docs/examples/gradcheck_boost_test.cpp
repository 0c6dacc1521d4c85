// docs/gradcheck.md, "From Boost.Test": CTGRAD_CHECK_GRADIENTS in a test case, checking sigmoid's
// derivative as a float graph computes it, y (1 - y), against the numeric derivative of sigmoid in
// double. A Boost.Test module, built and run as a test: fails if the check does not pass.
#define BOOST_TEST_MODULE gradcheck_boost_test
#include <cmath>
#include <vector>

#include "ctgrad/check/boost_test.hpp"

namespace {
double f(double x) { return 1 / (1 + std::exp(-x)); }
double df(double x) {
  const float y = 1 / (1 + std::exp(-static_cast<float>(x)));
  return static_cast<double>(y * (1 - y));
}
const std::vector<double> points = {-4, -1, -0.25, 0, 0.5, 2, 5};  // float-representable
}  // namespace

BOOST_AUTO_TEST_CASE(sigmoid_gradient_matches_finite_differences) {
  CTGRAD_CHECK_GRADIENTS(ctgrad::check::check_derivative(f, df, points, ctgrad::check::dtype::f32));
}
