// Issue 23's benchmarks (second_order.hpp): the agreements checked before timing and by the test.
#include <algorithm>
#include <cmath>

#include "regression.hpp"
#include "second_order.hpp"

namespace ctgrad_bench::second_order {

double distance(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) return 1.0;
  double d = 0, m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    d = std::max(d, std::abs(a[i] - b[i]));
    m = std::max(m, std::abs(b[i]));
  }
  return m > 0 ? d / m : d;
}

hvp_agreement check_hvp(hvp_case& c, double h) {
  hvp_agreement r{};
  c.hvp_fwd_rev();
  const std::vector<double> fwd = c.last_hvp_fwd_rev();
  c.hvp_rev_rev();
  r.fwd_vs_rev = distance(fwd, c.last_hvp_rev_rev());
  c.gradient_all();
  const std::vector<double> all = c.last_gradient_w();
  c.gradient_w();
  r.gradient_w_vs_all = distance(c.last_gradient_w(), all);
  const std::vector<double> v = c.v();
  std::vector<double> u(v.size());
  for (std::size_t i = 0; i < u.size(); ++i) u[i] = std::cos(0.37 * double(i) + 1.0);
  c.set_v(u);
  c.hvp_fwd_rev();
  const std::vector<double> hu = c.last_hvp_fwd_rev();
  c.set_v(v);
  double u_hv = 0, v_hu = 0, uu = 0, hvhv = 0;
  for (std::size_t i = 0; i < u.size(); ++i) {
    u_hv += u[i] * fwd[i];
    v_hu += v[i] * hu[i];
    uu += u[i] * u[i];
    hvhv += fwd[i] * fwd[i];
  }
  r.symmetry = std::abs(u_hv - v_hu) / std::sqrt(uu * hvhv);
  r.fwd_vs_central_difference = -1;
  if (h <= 0) return r;
  const std::vector<double> w0 = c.w_value();
  std::vector<double> w = w0;
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = w0[i] + h * v[i];
  c.set_w(w);
  c.gradient_w();
  const std::vector<double> gp = c.last_gradient_w();
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = w0[i] - h * v[i];
  c.set_w(w);
  c.gradient_w();
  const std::vector<double> gm = c.last_gradient_w();
  c.set_w(w0);
  std::vector<double> cd(gp.size());
  for (std::size_t i = 0; i < cd.size(); ++i) cd[i] = (gp[i] - gm[i]) / (2 * h);
  r.fwd_vs_central_difference = distance(fwd, cd);
  return r;
}

std::vector<double> w2_exact_hvp(std::span<const double> v) {
  const w2::problem& pr = w2::fixed_problem();
  const double sigma = pr.theta[w2::p + 1];
  std::vector<double> xv(w2::n, 0.0), r(w2::p, 0.0);
  for (std::size_t i = 0; i < w2::n; ++i)
    for (std::size_t j = 0; j < w2::p; ++j) xv[i] += pr.X[i * w2::p + j] * v[j];
  for (std::size_t i = 0; i < w2::n; ++i)
    for (std::size_t j = 0; j < w2::p; ++j) r[j] += pr.X[i * w2::p + j] * xv[i];
  for (std::size_t j = 0; j < w2::p; ++j) r[j] = -r[j] / (sigma * sigma) - v[j];
  return r;
}

double jacobian_distance(jacobian_shape s, jacobian_case& a, jacobian_case& b) {
  const std::vector<double> x = jacobian_point(s);
  a.run(x.data());
  b.run(x.data());
  const auto mn = std::size_t(s.m * s.n), m = std::size_t(s.m);
  return std::max(distance({a.jac(), mn}, {b.jac(), mn}), distance({a.value(), m}, {b.value(), m}));
}

}  // namespace ctgrad_bench::second_order
