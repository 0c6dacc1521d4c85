// W2's data, and the list of the implementations compiled into this build (see regression.hpp).
#include "regression.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>

namespace ctgrad_bench::w2 {

namespace {
// Doubles from the raw bits of std::mt19937_64 (whose sequence the standard fixes), so the data
// do not depend on the standard library's distributions.
struct source {
  std::mt19937_64 bits{20260702};
  double uniform() { return double(bits() >> 11) * 0x1.0p-53; }  // [0, 1)
  double normal() {                                                // Box-Muller, one of the pair
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
};
}  // namespace

const problem& fixed_problem() {
  static const problem pr = [] {
    source s;
    problem q{std::vector<double>(n * p), std::vector<double>(n), std::vector<double>(dim)};
    for (double& x : q.X) x = 2.0 * s.uniform() - 1.0;
    std::vector<double> w_true(p);
    for (double& w : w_true) w = s.normal();
    const double b_true = s.normal(), sigma_true = 2.0;
    for (std::size_t i = 0; i < n; ++i) {
      double mu = b_true;
      for (std::size_t j = 0; j < p; ++j) mu += q.X[i * p + j] * w_true[j];
      q.y[i] = mu + sigma_true * s.normal();
    }
    for (std::size_t j = 0; j < p; ++j) q.theta[j] = w_true[j] + 0.1 * s.normal();
    q.theta[p] = b_true + 0.1 * s.normal();
    q.theta[p + 1] = 1.5;
    return q;
  }();
  return pr;
}

std::vector<implementation> implementations(const problem& pr) {
  std::vector<implementation> v;
  v.push_back({"hand", make_hand(pr), true});
  v.push_back({"hand_blocked", make_hand_blocked(pr), false});  // its value is hand's
  v.push_back({"ctgrad", make_ctgrad(pr), true});
  v.push_back({"ctgrad_apart", make_ctgrad_apart(pr), false});  // its value program is ctgrad's
#if defined(CTGRAD_BENCH_HAVE_ADOLC)
  v.push_back({"adolc", make_adolc(pr), true});
#endif
#if defined(CTGRAD_BENCH_HAVE_SACADO)
  v.push_back({"sacado_rad", make_sacado_rad(pr), false});
#endif
  return v;
}

double difference::worst() const { return std::max({value, gradient_f, gradient}); }

difference compare(evaluator& e, evaluator& ref, const double* theta) {
  const auto rel = [](double a, double b) {  // a NaN or an infinity is never close
    const double r = std::abs(a - b) / (1.0 + std::abs(b));
    return std::isfinite(r) ? r : std::numeric_limits<double>::infinity();
  };
  std::vector<double> g(dim), h(dim);
  const double f_ref = ref.gradient(theta, h.data());
  difference d{rel(e.value(theta), f_ref), rel(e.gradient(theta, g.data()), f_ref), 0.0};
  for (std::size_t k = 0; k < dim; ++k) d.gradient = std::max(d.gradient, rel(g[k], h[k]));
  return d;
}

std::vector<std::string> skipped_peers() {
  std::vector<std::string> s;
#if !defined(CTGRAD_BENCH_HAVE_ADOLC)
  s.push_back("W2: ADOL-C not found at configure time (libadolc-dev); skipped");
#endif
#if !defined(CTGRAD_BENCH_HAVE_SACADO)
  s.push_back("W2: Sacado not found at configure time (Sacado_trad.hpp from libtrilinos-sacado-dev and "
              "libtrilinos-kokkos-dev); skipped");
#endif
  return s;
}

}  // namespace ctgrad_bench::w2
