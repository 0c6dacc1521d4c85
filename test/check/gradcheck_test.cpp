// Tests for ctgrad/check/gradcheck.hpp: the checker must catch wrong derivatives (relative 1e-3, wrong
// sign, wrong on one side of a kink, wrong only in float) and pass correct ones at extreme inputs.
#define BOOST_TEST_MODULE gradcheck
#include "ctgrad/check/gradcheck.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace {

using ctgrad::check::check_derivative;
using ctgrad::check::check_gradient;
using ctgrad::check::dtype;
using ctgrad::check::element_status;
using ctgrad::check::input_block;
using ctgrad::check::report;

// Stable reference functions written with std:: math, and their derivatives.
double sigmoid(double x) {
  const double e = std::exp(-std::abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}
double sigmoid_d1(double x) { return sigmoid(x) * sigmoid(-x); }
double tanh_d1(double x) {  // 1 - tanh^2 = 4 e^{-2|x|} / (1 + e^{-2|x|})^2, no cancellation
  const double e = std::exp(-2 * std::abs(x));
  return 4 * e / ((1 + e) * (1 + e));
}
double softplus(double x) { return std::log1p(std::exp(-std::abs(x))) + std::max(x, 0.0); }
double relu(double x) { return x > 0 ? x : 0.0; }

float sigmoidf(float x) {
  const float e = std::exp(-std::abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

// Float-representable points over [lo, hi] (the f32 graph's inputs).
std::vector<double> float_points(double lo, double hi, std::size_t n, std::uint64_t seed = 1) {
  auto p = ctgrad::check::sample_points(lo, hi, n, {}, 0.0, seed);
  BOOST_TEST_REQUIRE(p.ok());
  for (double& x : *p) x = static_cast<float>(x);
  return *p;
}

report require(absl::StatusOr<report> r) {
  BOOST_TEST_REQUIRE(r.ok(), r.status().ToString());
  return *std::move(r);
}

std::size_t count(const report& r, element_status s) {
  std::size_t n = 0;
  for (const auto& e : r.worst) n += e.status == s;
  return n;
}

const std::vector<double> extremes = {-1e4, -88, -20, -1, 0, 1, 20, 88, 1e4};

}  // namespace

BOOST_AUTO_TEST_SUITE(gradcheck)

BOOST_AUTO_TEST_CASE(ridders_matches_known_derivatives_with_honest_error) {
  struct known {
    double (*f)(double);
    double (*df)(double);
    double x;
  };
  const std::array<known, 6> cases{{
      {[](double x) { return std::exp(x); }, [](double x) { return std::exp(x); }, 1.0},
      {[](double x) { return std::sin(x); }, [](double x) { return std::cos(x); }, 0.7},
      {[](double x) { return std::log(x); }, [](double x) { return 1 / x; }, 0.5},
      {[](double x) { return x * x * x; }, [](double x) { return 3 * x * x; }, -2.0},
      {[](double x) { return std::atan(x); }, [](double x) { return 1 / (1 + x * x); }, 30.0},
      {sigmoid, sigmoid_d1, -3.0},
  }};
  for (const known& k : cases) {
    const auto est = ctgrad::check::ridders(k.f, k.x, ctgrad::check::initial_step(k.x));
    const double truth = k.df(k.x);
    BOOST_TEST_CONTEXT("x = " << k.x << ", estimate " << est.value << " +- " << est.error
                              << ", truth " << truth) {
      BOOST_TEST(std::abs(est.value - truth) <= 4 * est.error);       // the estimate is honest
      BOOST_TEST(std::abs(est.value - truth) <= 1e-9 * std::abs(truth));  // and accurate
      BOOST_TEST(est.error <= 1e-8 * std::abs(truth));
    }
  }
}

BOOST_AUTO_TEST_CASE(ridders_reports_infinite_error_for_nan_and_kinks) {
  const auto nan_est = ctgrad::check::ridders([](double x) { return std::log(x); }, 0.0, 1e-3);
  BOOST_TEST(std::isinf(nan_est.error));
  // A stencil centred 1e-12 from relu's kink: every central difference agrees on 0.5.
  const auto kink_est = ctgrad::check::ridders(relu, 1e-12, 1e-5);
  BOOST_TEST(std::isinf(kink_est.error));
  const auto jump_est = ctgrad::check::ridders([](double x) { return x < 0 ? 0.0 : 1.0; }, 1e-9, 1e-5);
  BOOST_TEST(std::isinf(jump_est.error));
}

BOOST_AUTO_TEST_CASE(initial_step_is_exactly_representable) {
  for (const double x : {0.0, 0.1, -0.3, 1.0, 3.0, -1e4, 123.456, 1e-3}) {
    const double h = ctgrad::check::initial_step(x);
    BOOST_TEST((x + h) - x == h);
    BOOST_TEST((x - h) + h == x);
    BOOST_TEST(h == std::cbrt(2.220446049250313e-16) * std::max(1.0, std::abs(x)),
               boost::test_tools::tolerance(1e-9));
  }
}

BOOST_AUTO_TEST_CASE(sample_points_stay_away_from_kinks_and_are_reproducible) {
  const std::array<double, 2> kinks{-3.0, 3.0};
  auto p = ctgrad::check::sample_points(-4, 4, 500, kinks, 0.25, 42);
  BOOST_TEST_REQUIRE(p.ok());
  BOOST_TEST(p->size() == 500u);
  BOOST_TEST(std::is_sorted(p->begin(), p->end()));
  for (const double x : *p) {
    BOOST_TEST(x >= -4);
    BOOST_TEST(x <= 4);
    BOOST_TEST(std::abs(x + 3) >= 0.25);
    BOOST_TEST(std::abs(x - 3) >= 0.25);
  }
  BOOST_TEST((*p == *ctgrad::check::sample_points(-4, 4, 500, kinks, 0.25, 42)));
  BOOST_TEST((*p != *ctgrad::check::sample_points(-4, 4, 500, kinks, 0.25, 43)));
  const std::array<double, 1> centre{0.0};
  auto covered = ctgrad::check::sample_points(-1, 1, 5, centre, 1.0, 1);
  BOOST_TEST(!covered.ok());
  BOOST_TEST(std::string(covered.status().message()).find("cover all") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(derivative_off_by_relative_1e3_fails_everywhere) {
  // f32 analytic: float rounding of y(1 - y) is ~u |y| absolute, so a 1e-3 error is resolvable where
  // |sigmoid'| > 32 u / 1e-3, i.e. |x| < 6.2; beyond, comparisons are flagged weak (never silent).
  for (const auto& [dt, lo, hi] : {std::tuple{dtype::f64, -8.0, 8.0}, std::tuple{dtype::f32, -5.5, 5.5}}) {
    const std::vector<double> pts = float_points(lo, hi, 64);
    BOOST_TEST_CONTEXT(ctgrad::check::to_string(dt)) {
      const report r = require(check_derivative(
          sigmoid, [](double x) { return sigmoid_d1(x) * (1 + 1e-3); }, pts, dt));
      BOOST_TEST(!r.passed);
      BOOST_TEST(r.checked == pts.size());
      BOOST_TEST(r.failed == pts.size());  // every single point is caught
      // The same through check_gradient of a sum (many inputs, one function value).
      std::vector<double> wrong;
      for (const double x : pts) wrong.push_back(sigmoid_d1(x) * (1 - 1e-3));
      const input_block block{"x", pts, wrong};
      const report g = require(check_gradient(
          [](std::span<const double> v) {
            double s = 0;
            for (const double x : v) s += sigmoid(x);
            return s;
          },
          std::span(&block, 1), dt));
      BOOST_TEST(g.failed == pts.size());
    }
  }
  // Out to the float-saturated range: every point fails or is reported weak.
  const std::vector<double> pts = float_points(-12, 12, 64);
  const report r = require(check_derivative(
      sigmoid, [](double x) { return sigmoid_d1(x) * (1 + 1e-3); }, pts, dtype::f32));
  BOOST_TEST(r.failed + r.weak == pts.size());
  BOOST_TEST(r.weak > 0u);
}

BOOST_AUTO_TEST_CASE(derivative_with_wrong_sign_fails) {
  const std::vector<double> pts = float_points(-5, 5, 32);
  const report r = require(check_derivative(
      [](double x) { return std::tanh(x); }, [](double x) { return -tanh_d1(x); }, pts, dtype::f64));
  BOOST_TEST(r.failed == pts.size());
  // Wrong sign even where the derivative is tiny against the function value (sigmoid at -20).
  const std::vector<double> far = {-20.0, -30.0};
  const report t = require(check_derivative(
      sigmoid, [](double x) { return -sigmoid_d1(x); }, far, dtype::f64));
  BOOST_TEST(t.failed == far.size());
}

BOOST_AUTO_TEST_CASE(relu_derivative_wrong_on_negative_side_fails_there_only) {
  const std::array<double, 1> kink{0.0};
  const std::vector<double> pts = {-2, -0.5, -1e-7, -1e-300, 0, 1e-300, 1e-7, 0.5, 2};
  const auto wrong = [](double) { return 1.0; };  // relu' = 1 also for x < 0
  const report r = require(check_derivative(relu, wrong, pts, dtype::f64, {.worst = 9},
                                            ctgrad::check::kink_set{kink}));
  BOOST_TEST(!r.passed);
  BOOST_TEST(r.skipped == 3u);   // -1e-300, 0, 1e-300: no stencil fits, never pass or fail
  BOOST_TEST(r.checked == 6u);
  BOOST_TEST(r.failed == 3u);    // -2, -0.5, -1e-7 (its stencil shrinks to stay left of the kink)
  for (const auto& e : r.worst)
    BOOST_TEST((e.status == element_status::failed) == (e.input < 0), "x = " << e.input);
  // The correct derivative passes at the same points, with the same skips.
  const report ok = require(check_derivative(relu, [](double x) { return x > 0 ? 1.0 : 0.0; }, pts,
                                             dtype::f64, {}, ctgrad::check::kink_set{kink}));
  BOOST_TEST(ok.passed);
  BOOST_TEST(ok.skipped == 3u);
}

BOOST_AUTO_TEST_CASE(undeclared_kink_is_never_a_pass) {
  // Without kink information, the stencil at 1e-12 straddles relu's kink: central differences say
  // 0.5, the one-sided truth is 1. Reported unresolved (a failure), whatever the analytic value.
  const std::vector<double> pts = {1e-12};
  for (const double analytic : {0.0, 0.5, 1.0}) {
    const report r = require(check_derivative(relu, [&](double) { return analytic; }, pts, dtype::f64));
    BOOST_TEST(!r.passed);
    BOOST_TEST(count(r, element_status::unresolved) == 1u);
  }
}

BOOST_AUTO_TEST_CASE(float_derivative_with_catastrophic_cancellation_fails) {
  const std::vector<double> pts = float_points(-5, 5, 40);
  // exp' by a forward difference in float: cancellation and truncation, ~5e-4 relative error.
  const auto sloppy = [](double x) {
    const float xf = static_cast<float>(x);
    return static_cast<double>((std::exp(xf + 1e-3f) - std::exp(xf)) / 1e-3f);
  };
  const auto exp_d = [](double x) { return std::exp(x); };
  const report bad = require(check_derivative(exp_d, sloppy, pts, dtype::f32));
  BOOST_TEST(bad.failed == pts.size());
  // The control: the same derivative computed properly in float passes with the f32 rule.
  const auto good = [](double x) { return static_cast<double>(std::exp(static_cast<float>(x))); };
  BOOST_TEST(require(check_derivative(exp_d, good, pts, dtype::f32)).passed);
}

BOOST_AUTO_TEST_CASE(correct_derivatives_pass_at_extremes) {
  const auto sig_f32 = [](double x) {
    const float y = sigmoidf(static_cast<float>(x));
    return static_cast<double>(y * (1 - y));  // the graph's formula y(1 - y), in float
  };
  const auto tanh_f32 = [](double x) {
    const float y = std::tanh(static_cast<float>(x));
    return static_cast<double>(1 - y * y);  // cancels at large |x|: covered by the f32 atol
  };
  const auto tanh_f = [](double x) { return std::tanh(x); };
  const auto softplus_d = [](double x) { return sigmoid(x); };
  const auto softplus_d_f32 = [](double x) { return static_cast<double>(sigmoidf(static_cast<float>(x))); };
  struct entry {
    const char* name;
    absl::FunctionRef<double(double)> f, d64, d32;
  };
  const std::array<entry, 3> fns{{{"sigmoid", sigmoid, sigmoid_d1, sig_f32},
                                  {"tanh", tanh_f, tanh_d1, tanh_f32},
                                  {"softplus", softplus, softplus_d, softplus_d_f32}}};
  for (const entry& e : fns) {
    BOOST_TEST_CONTEXT(e.name) {
      const report r64 = require(check_derivative(e.f, e.d64, extremes, dtype::f64));
      BOOST_TEST(r64.passed, r64.to_string());
      BOOST_TEST(r64.checked == extremes.size());
      const report r32 = require(check_derivative(e.f, e.d32, extremes, dtype::f32));
      BOOST_TEST(r32.passed, r32.to_string());
      BOOST_TEST(r32.checked == extremes.size());
    }
  }
  const std::vector<double> exp_pts = {-88, -20, 0, 20, 88};
  const auto exp_f = [](double x) { return std::exp(x); };
  BOOST_TEST(require(check_derivative(exp_f, exp_f, exp_pts, dtype::f64)).passed);
  const auto expf_d = [](double x) { return static_cast<double>(std::exp(static_cast<float>(x))); };
  BOOST_TEST(require(check_derivative(exp_f, expf_d, exp_pts, dtype::f32)).passed);
}

BOOST_AUTO_TEST_CASE(second_derivative_checked_as_derivative_of_first) {
  const std::vector<double> pts = float_points(-6, 6, 24);
  const auto d2 = [](double x) { const double s = sigmoid(x); return s * (1 - s) * (1 - 2 * s); };
  BOOST_TEST(require(check_derivative(sigmoid_d1, d2, pts, dtype::f64)).passed);
  const auto d2_wrong = [&](double x) { return d2(x) + 1e-3 * std::abs(d2(x)); };
  BOOST_TEST(!require(check_derivative(sigmoid_d1, d2_wrong, pts, dtype::f64)).passed);
}

BOOST_AUTO_TEST_CASE(hessian_vector_product_of_log_sum_exp) {
  // f(x) = log sum exp(x): gradient p = softmax(x), H v = p * v - p (p . v).
  const std::vector<double> x = {0.3, -1.2, 2.0, 0.0, -0.7};
  const std::vector<double> v = {1.0, -0.5, 0.25, 2.0, -1.0};
  auto softmax = [](std::span<const double> z, std::span<double> p) {
    double m = z[0], s = 0;
    for (const double t : z) m = std::max(m, t);
    for (std::size_t i = 0; i < z.size(); ++i) s += p[i] = std::exp(z[i] - m);
    for (double& t : p) t /= s;
  };
  std::vector<double> p(x.size()), hv(x.size());
  softmax(x, p);
  double pv = 0;
  for (std::size_t i = 0; i < x.size(); ++i) pv += p[i] * v[i];
  for (std::size_t i = 0; i < x.size(); ++i) hv[i] = p[i] * v[i] - p[i] * pv;
  const input_block block{"x", x, hv};
  BOOST_TEST(require(ctgrad::check::check_hessian_vector(softmax, std::span(&block, 1), v, dtype::f64)).passed);
  hv[2] = -hv[2];  // one wrong entry
  const report bad = require(ctgrad::check::check_hessian_vector(softmax, std::span(&block, 1), v, dtype::f64));
  BOOST_TEST(bad.failed == 1u);
  BOOST_TEST(bad.worst.front().index == 2u);
}

BOOST_AUTO_TEST_CASE(projection_mode_checks_1e5_inputs) {
  // f(x) = sum log1p(x_i^2), df/dx_i = 2 x_i / (1 + x_i^2), 1e5 inputs in two blocks.
  const std::size_t n = 100000;
  const std::vector<double> x = *ctgrad::check::sample_points(-3, 3, n, {}, 0.0, 9);
  std::vector<double> g(n);
  for (std::size_t i = 0; i < n; ++i) g[i] = 2 * x[i] / (1 + x[i] * x[i]);
  const auto f = [](std::span<const double> v) {
    double s = 0;
    for (const double t : v) s += std::log1p(t * t);
    return s;
  };
  const std::size_t half = n / 2;
  auto blocks = [&](const std::vector<double>& grad) {
    return std::array<input_block, 2>{{{"a", std::span(x).first(half), std::span(grad).first(half)},
                                       {"b", std::span(x).subspan(half), std::span(grad).subspan(half)}}};
  };
  const auto good = blocks(g);
  const report r = require(check_gradient(f, good, dtype::f64));
  BOOST_TEST((r.mode == ctgrad::check::check_mode::projection));
  BOOST_TEST(r.passed, r.to_string());
  BOOST_TEST(r.checked == 8u + 16u);  // projections + spot checks
  // A relative error of 1e-3 in every element fails every projection.
  std::vector<double> scaled = g;
  for (double& t : scaled) t *= 1 + 1e-3;
  const report s = require(check_gradient(f, blocks(scaled), dtype::f64));
  BOOST_TEST(!s.passed);
  std::size_t failed_projections = 0;
  for (const auto& e : s.worst) failed_projections += e.variable == "projection" && e.status == element_status::failed;
  BOOST_TEST(failed_projections == s.worst.size());
  // A sign error in the second block only.
  std::vector<double> flipped = g;
  for (std::size_t i = half; i < n; ++i) flipped[i] = -flipped[i];
  BOOST_TEST(!require(check_gradient(f, blocks(flipped), dtype::f64)).passed);
  // Same seed, same report.
  BOOST_TEST(require(check_gradient(f, good, dtype::f64)).to_string() == r.to_string());
}

BOOST_AUTO_TEST_CASE(boundary_errors_are_statuses_naming_the_input) {
  const std::vector<double> x = {1.0, 2.0}, g = {1.0};
  const input_block block{"weights", x, g};
  const auto f = [](std::span<const double> v) { return v[0]; };
  const auto r = check_gradient(f, std::span(&block, 1), dtype::f64);
  BOOST_TEST(!r.ok());
  BOOST_TEST(std::string(r.status().message()).find("weights") != std::string::npos);
  const std::vector<double> x01 = {0.1}, g1 = {1.0};
  const input_block not_float{"bias", x01, g1};
  const auto nf = check_gradient(f, std::span(&not_float, 1), dtype::f32);
  BOOST_TEST(!nf.ok());
  BOOST_TEST(std::string(nf.status().message()).find("bias[0]") != std::string::npos);
  BOOST_TEST(check_gradient(f, std::span(&not_float, 1), dtype::f64).ok());
  BOOST_TEST(!check_gradient(f, {}, dtype::f64).ok());
}

BOOST_AUTO_TEST_CASE(report_table_lists_worst_elements_and_seed) {
  const std::vector<double> pts = {-1.0, 0.5, 2.0};
  const report r = require(check_derivative(
      sigmoid, [](double x) { return x == 0.5 ? -sigmoid_d1(x) : sigmoid_d1(x); }, pts, dtype::f64,
      {.seed = 0xabc}));
  const std::string s = r.to_string();
  BOOST_TEST(s.find("gradient check FAILED") != std::string::npos, s);
  BOOST_TEST(s.find("x[1]") != std::string::npos, s);
  BOOST_TEST(s.find("seed 0xabc") != std::string::npos, s);
  BOOST_TEST(s.find("kink.dist") != std::string::npos, s);
  BOOST_TEST(s.find("x[1]") < s.find("x[0]"), s);  // the failing element comes first
}

BOOST_AUTO_TEST_SUITE_END()
