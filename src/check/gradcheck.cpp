// The numeric gradient checker's engine and report formatting (declared in ctgrad/check/gradcheck.hpp).
// Compiled once: nothing here is a template, and the callables come in through absl::FunctionRef.
#include "ctgrad/check/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ctgrad/check/detail/splitmix64.hpp"

namespace ctgrad::check {
namespace {

constexpr double eps = std::numeric_limits<double>::epsilon();
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// The pass rule's constants (justified in docs/gradcheck.md, "Pass rule").
constexpr double error_weight = 4;          // k in  |a - n| <= atol + rtol * scale + k * err
constexpr double resolution = 1e-4;         // k * err may widen the tolerance by at most this, relative,
constexpr double noise_allowance = 64;      // ... unless rounding noise of f explains it
constexpr double min_step_fraction = 1.0 / 1024;  // smallest initial step, relative to initial_step(x)
constexpr int retries = 3;                  // unresolved => retry with the step divided by 8, 64, 512
constexpr double retry_shrink = 8;

constexpr double atol_factor = 32;          // atol = 32 u S
constexpr double rtol_factor = 64;          // rtol = max(64 u, 1e-7)
constexpr double rtol_floor = 1e-7;

double unit_roundoff(dtype dt) { return dt == dtype::f32 ? 0x1p-24 : 0x1p-53; }
double default_rtol(dtype dt) { return std::max(rtol_factor * unit_roundoff(dt), rtol_floor); }

// x + h - x: the step actually taken when x + h is rounded, so the stencil's width is exact.
double step_at(double x, double h) {
  const double t = x + h;
  return t - x;
}

using detail::splitmix64;

struct ridders_result {
  double value;
  double error;  // Ridders' estimate: how much the chosen tableau entry disagrees with its neighbours
  double noise;  // bound on the chosen entry's error from rounding of f: eps * max|f| propagated
  bool kink;     // the stencil straddles a kink or jump of f (see below): value is meaningless
};

// Numerical Recipes' dfridr idea: a tableau of central differences at h0 / 1.4^i, each column one more
// Richardson step (the error of a central difference is even in h, so each step removes one power of
// h^2); the error estimate is the larger change against the two neighbours of the chosen entry, the
// chosen entry the one with the smallest estimate; stop when the highest order gets worse than twice
// the best error so far. Alongside, a rounding-noise bound is propagated through the same
// extrapolation, since the neighbour differences can agree by chance when f is noisy.
// Kink detector: s(h) = (f(x+h) - 2 f(x) + f(x-h)) / h is f''(x) h + O(h^3) where f is smooth, so it
// shrinks by 1/1.4 per step; across a kink it tends to the jump of f' (ratio -> 1), across a jump of f
// it grows (ratio 1.4). A ratio >= 0.9 with s well above its rounding noise flags a kink. Without it, a
// stencil centred 1e-12 from relu's kink would agree with itself on 0.5 at every step.
ridders_result ridders_impl(absl::FunctionRef<double(double)> f, double x, double h0) {
  constexpr int ntab = 10;
  constexpr double con = 1.4, con2 = con * con, safe = 2;
  constexpr double kink_ratio = 0.9, kink_noise = 256;
  double a[ntab][ntab];
  double nb[ntab][ntab];  // noise bound of a[j][i] per unit of eps * max|f|
  const double f0 = f(x);
  double fscale = std::abs(f0);
  bool finite = std::isfinite(f0), kink = false;
  double s_prev = 0;
  auto central = [&](double h, int i) {
    const double xp = x + h, xm = x - h;
    const double fp = f(xp), fm = f(xm);
    finite = finite && std::isfinite(fp) && std::isfinite(fm);
    fscale = std::max({fscale, std::abs(fp), std::abs(fm)});
    const double width = xp - xm;
    const double s = std::abs((fp - 2 * f0) + fm) / (width / 2);
    if (i > 0 && s > kink_noise * eps * fscale / (width / 2) && s >= kink_ratio * s_prev) kink = true;
    s_prev = s;
    return (fp - fm) / width;
  };
  double h = h0;
  a[0][0] = central(h, 0);
  nb[0][0] = 1 / h;
  double err = inf, ans = a[0][0], noise = nb[0][0];
  for (int i = 1; i < ntab && finite; ++i) {
    h /= con;
    a[0][i] = central(h, i);
    nb[0][i] = 1 / h;
    double fac = con2;
    for (int j = 1; j <= i; ++j) {
      a[j][i] = (a[j - 1][i] * fac - a[j - 1][i - 1]) / (fac - 1);
      nb[j][i] = (nb[j - 1][i] * fac + nb[j - 1][i - 1]) / (fac - 1);
      fac *= con2;
      const double errt =
          std::max(std::abs(a[j][i] - a[j - 1][i]), std::abs(a[j][i] - a[j - 1][i - 1]));
      if (errt <= err) {
        err = errt;
        ans = a[j][i];
        noise = nb[j][i];
      }
    }
    if (std::abs(a[i][i] - a[i - 1][i - 1]) >= safe * err) break;
  }
  if (!finite || !std::isfinite(ans)) return {ans, inf, inf, kink};
  return {ans, err, eps * fscale * noise, kink};
}

bool is_failure(element_status s) {
  return s == element_status::failed || s == element_status::unresolved;
}

// abs_err / tolerance, the sort key of report::worst.
double badness(const element_report& e) {
  if (!std::isfinite(e.abs_err)) return inf;
  if (e.tolerance > 0) return e.abs_err / e.tolerance;
  return e.abs_err > 0 ? inf : 0;
}

// Applies the pass rule to e.analytic and e.numeric, given Ridders' error estimate and the rounding
// noise bound of the numeric value. `scale` is the sum of magnitudes of the terms of the analytic
// value (0 for a single element).
void judge(element_report& e, const ridders_result& r, double scale, double atol, double rtol) {
  const double a = e.analytic, n = e.numeric = r.value;
  e.error_estimate = std::max(r.error, r.noise);
  const double big = std::max(std::abs(a), std::abs(n));
  e.abs_err = std::abs(a - n);
  e.rel_err = big > 0 ? e.abs_err / big : 0;
  const double s = std::max(big, scale);
  e.tolerance = atol + rtol * s + error_weight * e.error_estimate;
  if (!std::isfinite(a) || !std::isfinite(n)) {
    e.abs_err = e.rel_err = inf;
    e.status = element_status::failed;
  } else if (r.kink || (!(error_weight * r.error <= std::max(resolution * s, atol)) &&
                         !(r.error <= noise_allowance * r.noise))) {
    e.status = element_status::unresolved;
  } else {
    e.status = e.abs_err <= e.tolerance ? element_status::passed : element_status::failed;
  }
  // Passed, but with a tolerance too wide to have caught a relative error of 1e-3.
  e.weak = e.status == element_status::passed && e.tolerance > 1e-3 * s;
}

// Checks d f / d y[i] against `analytic`; y[i] is moved and restored.
element_report check_element(absl::FunctionRef<double(std::span<const double>)> f,
                             std::vector<double>& y, std::size_t i, double analytic, double atol,
                             double rtol, double kink_distance, std::string_view variable,
                             std::size_t index) {
  element_report e;
  e.variable = std::string(variable);
  e.index = index;
  e.input = y[i];
  e.analytic = analytic;
  e.kink_distance = kink_distance;
  const double x = y[i];
  const double nominal = initial_step(x);
  double h = nominal;
  if (!(kink_distance > 2 * nominal)) {  // the stencil [x - h, x + h] must stay clear of the kink
    h = kink_distance > 0 ? step_at(x, kink_distance / 2) : 0;
    if (!(h >= nominal * min_step_fraction)) {
      e.numeric = e.error_estimate = e.abs_err = e.rel_err = e.tolerance = nan;
      e.status = element_status::skipped_at_kink;
      return e;
    }
  }
  auto g = [&](double t) {
    y[i] = t;
    return f(std::span<const double>(y));
  };
  for (int attempt = 0;; ++attempt) {
    const ridders_result r = ridders_impl(g, x, h);
    judge(e, r, 0, atol, rtol);
    if (e.status != element_status::unresolved || attempt == retries) break;
    const double next = step_at(x, h / retry_shrink);
    if (!(next >= nominal * min_step_fraction)) break;
    h = next;
  }
  y[i] = x;
  return e;
}

// The options.worst worst comparisons of `all`, failures first, then by abs_err / tolerance.
std::vector<element_report> keep_worst(std::vector<element_report> all, const options& opts) {
  const auto keep = std::min(all.size(), static_cast<std::size_t>(opts.worst));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    [](const element_report& a, const element_report& b) {
                      const bool fa = is_failure(a.status), fb = is_failure(b.status);
                      if (fa != fb) return fa;
                      return badness(a) > badness(b);
                    });
  all.resize(keep);
  return all;
}

// Judges e.analytic against d/dt g(t) at t = 0 (a derivative along a direction), starting from the
// step t0 and retrying with smaller steps while unresolved. `drift` is the rounding noise of g
// (absolute, times 1/t) not seen by g's own values, e.g. from rounding x + t u; `scale` as for judge.
void judge_along(element_report& e, absl::FunctionRef<double(double)> g, double t0, double drift,
                 double scale, double atol, double rtol) {
  for (int attempt = 0;; ++attempt) {
    ridders_result r = ridders_impl(g, 0.0, t0);
    r.noise += drift / t0;
    judge(e, r, scale, atol, rtol);
    if (e.status != element_status::unresolved || attempt == retries) break;
    t0 /= retry_shrink;
  }
}

// Accumulates comparisons and turns them into a report.
struct collector {
  std::vector<element_report> all;
  std::size_t skipped = 0;

  void add(element_report e) {
    if (e.status == element_status::skipped_at_kink) {
      ++skipped;
      return;
    }
    all.push_back(std::move(e));
  }

  report finish(check_mode mode, dtype dt, double rtol, const options& opts) {
    report r;
    r.mode = mode;
    r.analytic_dtype = dt;
    r.rtol = rtol;
    r.seed = opts.seed;
    r.skipped = skipped;
    r.checked = all.size();
    for (const element_report& e : all) {
      if (is_failure(e.status)) ++r.failed;
      if (e.weak) ++r.weak;
      r.max_abs_err = std::max(r.max_abs_err, e.abs_err);
      r.max_rel_err = std::max(r.max_rel_err, e.rel_err);
    }
    r.passed = r.checked > 0 && r.failed == 0;
    r.worst = keep_worst(std::move(all), opts);
    return r;
  }
};

absl::Status validate_options(const options& o) {
  if (!(o.atol >= 0 && std::isfinite(o.atol)))
    return absl::InvalidArgumentError(absl::StrCat("options.atol = ", o.atol, ": must be finite and >= 0"));
  if (!(o.rtol >= 0 && std::isfinite(o.rtol)))
    return absl::InvalidArgumentError(absl::StrCat("options.rtol = ", o.rtol, ": must be finite and >= 0"));
  if (o.projections < 1)
    return absl::InvalidArgumentError(absl::StrCat("options.projections = ", o.projections, ": must be >= 1"));
  if (o.spot_checks < 0)
    return absl::InvalidArgumentError(absl::StrCat("options.spot_checks = ", o.spot_checks, ": must be >= 0"));
  if (o.worst < 0)
    return absl::InvalidArgumentError(absl::StrCat("options.worst = ", o.worst, ": must be >= 0"));
  return absl::OkStatus();
}

absl::Status validate_input(std::string_view name, std::size_t i, double x, dtype dt) {
  if (!std::isfinite(x))
    return absl::InvalidArgumentError(absl::StrFormat("%s[%d] = %g: inputs must be finite", name, i, x));
  if (dt == dtype::f32 && static_cast<double>(static_cast<float>(x)) != x)
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s[%d] = %.17g is not representable in float; round the inputs to float before computing "
        "the f32 analytic gradient at them", name, i, x));
  return absl::OkStatus();
}

// Up to k distinct members of `pool`, in a seeded random order (partial Fisher-Yates on a copy).
std::vector<std::size_t> pick(std::vector<std::size_t> pool, std::size_t k, splitmix64& rng) {
  k = std::min(k, pool.size());
  for (std::size_t j = 0; j < k; ++j) std::swap(pool[j], pool[j + rng.below(pool.size() - j)]);
  pool.resize(k);
  return pool;
}

}  // namespace

double no_kinks(std::size_t, double) noexcept { return inf; }

double kink_set::operator()(std::size_t, double x) const noexcept {
  double d = inf;
  for (const double k : points) d = std::min(d, std::abs(x - k));
  return d;
}

derivative_estimate ridders(absl::FunctionRef<double(double)> f, double x, double h0) {
  const ridders_result r = ridders_impl(f, x, h0);
  return {r.value, r.kink ? inf : std::max(r.error, r.noise)};
}

double initial_step(double x) { return step_at(x, std::cbrt(eps) * std::max(1.0, std::abs(x))); }

absl::StatusOr<report> check_gradient(absl::FunctionRef<double(std::span<const double>)> f,
                                      std::span<const input_block> inputs, dtype dt,
                                      const options& opts, kink_distance_fn kink_distance) {
  if (absl::Status s = validate_options(opts); !s.ok()) return s;
  // Flatten: y = all x concatenated; owner[i] = (block, index in block).
  std::vector<double> y, analytic, magnitude;
  std::vector<std::pair<std::size_t, std::size_t>> owner;
  for (std::size_t b = 0; b < inputs.size(); ++b) {
    const input_block& blk = inputs[b];
    if (blk.analytic.size() != blk.x.size())
      return absl::InvalidArgumentError(absl::StrFormat(
          "input '%s': %d values but %d analytic gradient entries", blk.name, blk.x.size(),
          blk.analytic.size()));
    if (!blk.magnitude.empty() && blk.magnitude.size() != blk.x.size())
      return absl::InvalidArgumentError(absl::StrFormat(
          "input '%s': %d values but %d magnitudes", blk.name, blk.x.size(), blk.magnitude.size()));
    for (std::size_t i = 0; i < blk.x.size(); ++i) {
      if (absl::Status s = validate_input(blk.name, i, blk.x[i], dt); !s.ok()) return s;
      y.push_back(blk.x[i]);
      analytic.push_back(blk.analytic[i]);
      magnitude.push_back(blk.magnitude.empty() ? nan : blk.magnitude[i]);
      owner.emplace_back(b, i);
    }
  }
  const std::size_t n = y.size();
  if (n == 0) return absl::InvalidArgumentError("check_gradient: no input elements to check");
  const double f0 = f(std::span<const double>(y));
  if (!std::isfinite(f0))
    return absl::InvalidArgumentError(absl::StrFormat("check_gradient: f(x) = %g at the given point", f0));

  // Per-element absolute tolerance: 32 u S_i (see options::atol).
  const double u = unit_roundoff(dt);
  const double rtol = opts.rtol > 0 ? opts.rtol : default_rtol(dt);
  std::vector<double> atol(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double s = std::isnan(magnitude[i]) ? std::abs(f0) / static_cast<double>(n)
                                              : std::abs(magnitude[i]);
    atol[i] = opts.atol > 0 ? opts.atol : atol_factor * u * s;
  }
  auto name_of = [&](std::size_t i) { return inputs[owner[i].first].name; };

  collector out;
  if (n <= opts.full_jacobian_limit) {
    for (std::size_t i = 0; i < n; ++i)
      out.add(check_element(f, y, i, analytic[i], atol[i], rtol, kink_distance(i, y[i]), name_of(i),
                            owner[i].second));
    return out.finish(check_mode::per_element, dt, rtol, opts);
  }

  // Projection mode. reach: the largest perturbation of any element.
  double sum_sq = 0;
  for (const double v : y) sum_sq += v * v;
  const double reach = std::cbrt(eps) * std::max(1.0, std::sqrt(sum_sq / static_cast<double>(n)));
  std::vector<std::size_t> free, near;  // elements clear of kinks by 2 * reach, and the others
  std::vector<double> kd(n);
  for (std::size_t i = 0; i < n; ++i) {
    kd[i] = kink_distance(i, y[i]);
    (kd[i] > 2 * reach ? free : near).push_back(i);
  }
  splitmix64 rng{opts.seed};
  const auto spots = static_cast<std::size_t>(opts.spot_checks);
  const std::vector<double> x0 = y;
  std::vector<double> dir(n, 0.0);
  for (int p = 0; p < opts.projections && !free.empty(); ++p) {
    // Even directions Gaussian; odd ones |Gaussian| with the analytic gradient's signs, so that
    // u·g has no cancellation and a systematic relative error shows at full size.
    double norm = 0;
    for (const std::size_t i : free) {
      double z = rng.gaussian();
      if (p % 2 == 1 && analytic[i] != 0) z = std::abs(z) * (analytic[i] > 0 ? 1 : -1);
      dir[i] = z;
      norm += z * z;
    }
    norm = std::sqrt(norm);
    double dot = 0, terms = 0, dir_atol = 0, drift = 0, umax = 0;
    for (const std::size_t i : free) {
      dir[i] /= norm;
      dot += dir[i] * analytic[i];
      terms += std::abs(dir[i] * analytic[i]);
      dir_atol += std::abs(dir[i]) * atol[i];
      drift += std::abs(analytic[i] * x0[i]);
      umax = std::max(umax, std::abs(dir[i]));
    }
    auto g = [&](double t) {
      for (const std::size_t i : free) y[i] = x0[i] + t * dir[i];
      return f(std::span<const double>(y));
    };
    element_report e;
    e.variable = "projection";
    e.index = static_cast<std::size_t>(p);
    e.input = nan;
    e.analytic = dot;
    // Rounding x_i + t u_i moves f by up to sum |g_i| ulp(x_i) / 2: noise of the same kind.
    judge_along(e, g, reach / umax, eps * drift, terms, dir_atol, rtol);
    y = x0;
    out.add(std::move(e));
  }
  // Spot checks, one element at a time: random free elements, and near-kink ones (whose stencils
  // are shrunk); near-kink elements not sampled are counted as skipped.
  for (const std::size_t i : pick(free, spots, rng))
    out.add(check_element(f, y, i, analytic[i], atol[i], rtol, kd[i], name_of(i), owner[i].second));
  const std::vector<std::size_t> near_checked = pick(near, spots, rng);
  for (const std::size_t i : near_checked)
    out.add(check_element(f, y, i, analytic[i], atol[i], rtol, kd[i], name_of(i), owner[i].second));
  out.skipped += near.size() - near_checked.size();
  return out.finish(check_mode::projection, dt, rtol, opts);
}

absl::StatusOr<report> check_derivative(absl::FunctionRef<double(double)> f,
                                        absl::FunctionRef<double(double)> df,
                                        std::span<const double> points, dtype dt,
                                        const options& opts, kink_distance_fn kink_distance) {
  if (absl::Status s = validate_options(opts); !s.ok()) return s;
  if (points.empty()) return absl::InvalidArgumentError("check_derivative: no points to check");
  const double u = unit_roundoff(dt);
  const double rtol = opts.rtol > 0 ? opts.rtol : default_rtol(dt);
  auto f_of_span = [&](std::span<const double> v) { return f(v[0]); };
  collector out;
  std::vector<double> y(1);
  for (std::size_t p = 0; p < points.size(); ++p) {
    const double x = points[p];
    if (absl::Status s = validate_input("x", p, x, dt); !s.ok()) return s;
    const double f0 = f(x);
    if (!std::isfinite(f0))
      return absl::InvalidArgumentError(absl::StrFormat("check_derivative: f(x[%d] = %g) = %g", p, x, f0));
    const double atol = opts.atol > 0 ? opts.atol : atol_factor * u * std::abs(f0);
    y[0] = x;
    out.add(check_element(f_of_span, y, 0, df(x), atol, rtol, kink_distance(p, x), "x", p));
  }
  return out.finish(check_mode::per_element, dt, rtol, opts);
}

absl::StatusOr<report> check_hessian_vector(
    absl::FunctionRef<void(std::span<const double>, std::span<double>)> gradient,
    std::span<const input_block> inputs, std::span<const double> v, dtype dt, const options& opts,
    kink_distance_fn kink_distance) {
  std::size_t n = 0;
  for (const input_block& blk : inputs) n += blk.x.size();
  if (v.size() != n)
    return absl::InvalidArgumentError(
        absl::StrFormat("check_hessian_vector: v has %d entries but the inputs have %d", v.size(), n));
  std::vector<double> g(n);
  auto v_dot_gradient = [&](std::span<const double> x) {
    gradient(x, std::span<double>(g));
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += v[i] * g[i];
    return s;
  };
  return check_gradient(v_dot_gradient, inputs, dt, opts, kink_distance);
}

namespace {

// The value F_i(x) of a vector function, F evaluated into `out` (m values).
using vector_fn = absl::FunctionRef<void(std::span<const double>, std::span<double>)>;

absl::Status validate_outputs(const char* who, std::span<const double> out) {
  for (std::size_t i = 0; i < out.size(); ++i)
    if (!std::isfinite(out[i]))
      return absl::InvalidArgumentError(absl::StrFormat("%s: F(x)[%d] = %g at the given point", who, i, out[i]));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<report> check_jacobian_vector(vector_fn F, std::span<const double> x,
                                             std::span<const double> dx,
                                             std::span<const double> analytic, dtype dt,
                                             const options& opts, std::span<const double> magnitude,
                                             kink_distance_fn kink_distance) {
  constexpr const char* who = "check_jacobian_vector";
  if (absl::Status s = validate_options(opts); !s.ok()) return s;
  const std::size_t n = x.size(), m = analytic.size();
  if (n == 0) return absl::InvalidArgumentError(absl::StrCat(who, ": no input elements"));
  if (m == 0) return absl::InvalidArgumentError(absl::StrCat(who, ": no outputs (the analytic J dx is empty)"));
  if (dx.size() != n)
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: dx has %d entries but x has %d", who, dx.size(), n));
  if (!magnitude.empty() && magnitude.size() != m)
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d outputs but %d magnitudes", who, m, magnitude.size()));
  double dx_max = 0, x_max = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (absl::Status s = validate_input("x", k, x[k], dt); !s.ok()) return s;
    if (absl::Status s = validate_input("dx", k, dx[k], dt); !s.ok()) return s;
    dx_max = std::max(dx_max, std::abs(dx[k]));
    if (dx[k] != 0) x_max = std::max(x_max, std::abs(x[k]));
  }
  if (!(dx_max > 0)) return absl::InvalidArgumentError(absl::StrCat(who, ": dx is zero: no direction to check"));
  std::vector<double> y(x.begin(), x.end()), out(m);
  F(std::span<const double>(y), std::span<double>(out));
  if (absl::Status s = validate_outputs(who, out); !s.ok()) return s;
  const std::vector<double> f0 = out;

  const double u = unit_roundoff(dt);
  const double rtol = opts.rtol > 0 ? opts.rtol : default_rtol(dt);
  // The step in t: the element with the largest |dx_k| moves by initial_step of the largest |x_k|
  // (over the elements that move), as the per-element rule would move it.
  const double nominal = initial_step(x_max) / dx_max;
  double t0 = nominal, kd = inf;
  for (std::size_t k = 0; k < n; ++k) {
    if (dx[k] == 0) continue;
    const double d = kink_distance(k, x[k]);
    kd = std::min(kd, d);
    t0 = std::min(t0, d / (2 * std::abs(dx[k])));  // the stencil x_k ± t |dx_k| stays clear of it
  }
  const bool at_kink = !(t0 >= nominal * min_step_fraction);
  // Rounding x_k + t dx_k moves F_i by up to sum_k |dF_i/dx_k| ulp(x_k) / 2, which only the
  // Jacobian knows; |J dx| / max|dx| * max|x| bounds it when the entries of J dx do not cancel.
  collector col;
  for (std::size_t i = 0; i < m; ++i) {
    element_report e;
    e.variable = "jvp";
    e.index = i;
    e.input = nan;
    e.analytic = analytic[i];
    e.kink_distance = kd;
    if (at_kink) {
      e.numeric = e.error_estimate = e.abs_err = e.rel_err = e.tolerance = nan;
      e.status = element_status::skipped_at_kink;
      col.add(std::move(e));
      continue;
    }
    const double s = magnitude.empty() ? std::abs(f0[i]) * dx_max : std::abs(magnitude[i]);
    const double atol = opts.atol > 0 ? opts.atol : atol_factor * u * s;
    auto g = [&](double t) {
      for (std::size_t k = 0; k < n; ++k) y[k] = x[k] + t * dx[k];
      F(std::span<const double>(y), std::span<double>(out));
      return out[i];
    };
    const double drift = eps * std::abs(analytic[i]) / dx_max * x_max;
    judge_along(e, g, t0, drift, 0, atol, rtol);
    col.add(std::move(e));
  }
  return col.finish(check_mode::per_element, dt, rtol, opts);
}

absl::StatusOr<report> check_jacobian(vector_fn F, std::span<const double> x,
                                      std::span<const double> analytic, dtype dt, const options& opts,
                                      std::span<const double> magnitude, kink_distance_fn kink_distance) {
  constexpr const char* who = "check_jacobian";
  if (absl::Status s = validate_options(opts); !s.ok()) return s;
  const std::size_t n = x.size();
  if (n == 0) return absl::InvalidArgumentError(absl::StrCat(who, ": no input elements"));
  if (analytic.empty() || analytic.size() % n != 0)
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the analytic Jacobian has %d entries, not m x %d (m >= 1 rows of x's %d elements)", who,
        analytic.size(), n, n));
  const std::size_t m = analytic.size() / n;
  if (!magnitude.empty() && magnitude.size() != analytic.size())
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %d magnitudes for a %d x %d Jacobian", who, magnitude.size(), m, n));
  std::vector<double> out(m);
  F(x, std::span<double>(out));
  if (absl::Status s = validate_outputs(who, out); !s.ok()) return s;

  // Row i: check_gradient of F_i, its comparisons renamed dF[i]/dx; the rows' reports merged.
  report total;
  total.analytic_dtype = dt;
  total.seed = opts.seed;
  std::vector<element_report> worst;
  for (std::size_t i = 0; i < m; ++i) {
    const std::string name = absl::StrFormat("dF[%d]/dx", i);
    const input_block block{name, x, analytic.subspan(i * n, n),
                            magnitude.empty() ? std::span<const double>() : magnitude.subspan(i * n, n)};
    auto fi = [&](std::span<const double> y) {
      F(y, std::span<double>(out));
      return out[i];
    };
    absl::StatusOr<report> r = check_gradient(fi, std::span<const input_block>(&block, 1), dt, opts, kink_distance);
    if (!r.ok()) return absl::Status(r.status().code(), absl::StrCat(who, ": row ", i, ": ", r.status().message()));
    if (r->mode == check_mode::projection) total.mode = check_mode::projection;
    total.rtol = r->rtol;
    total.checked += r->checked;
    total.failed += r->failed;
    total.skipped += r->skipped;
    total.weak += r->weak;
    total.max_abs_err = std::max(total.max_abs_err, r->max_abs_err);
    total.max_rel_err = std::max(total.max_rel_err, r->max_rel_err);
    for (element_report& e : r->worst) {
      if (e.variable == "projection") e.variable = name + ":projection";
      worst.push_back(std::move(e));
    }
  }
  total.passed = total.checked > 0 && total.failed == 0;
  total.worst = keep_worst(std::move(worst), opts);
  return total;
}

absl::StatusOr<std::vector<double>> sample_points(double lo, double hi, std::size_t n,
                                                  std::span<const double> kinks, double margin,
                                                  std::uint64_t seed) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi))
    return absl::InvalidArgumentError(absl::StrFormat("sample_points: [%g, %g] is not a finite interval with lo < hi", lo, hi));
  if (!(margin >= 0) || !std::isfinite(margin))
    return absl::InvalidArgumentError(absl::StrFormat("sample_points: margin = %g must be finite and >= 0", margin));
  // The allowed set: [lo, hi] minus (k - margin, k + margin) for every kink, as sorted intervals.
  std::vector<double> ks(kinks.begin(), kinks.end());
  std::sort(ks.begin(), ks.end());
  std::vector<std::pair<double, double>> allowed;
  double start = lo;
  for (const double k : ks) {
    const double end = std::min(hi, k - margin);
    if (end > start) allowed.emplace_back(start, end);
    start = std::max(start, k + margin);
  }
  if (hi > start) allowed.emplace_back(start, hi);
  double total = 0;
  for (const auto& [a, b] : allowed) total += b - a;
  if (!(total > 0))
    return absl::InvalidArgumentError(absl::StrFormat(
        "sample_points: the kinks with margin %g cover all of [%g, %g]", margin, lo, hi));
  splitmix64 rng{seed};
  std::vector<double> out;
  out.reserve(n);
  for (std::size_t j = 0; j < n; ++j) {
    double pos = rng.uniform() * total;
    std::size_t k = 0;
    while (k + 1 < allowed.size() && pos >= allowed[k].second - allowed[k].first) {
      pos -= allowed[k].second - allowed[k].first;
      ++k;
    }
    out.push_back(std::min(allowed[k].second, allowed[k].first + pos));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string_view to_string(dtype dt) noexcept { return dt == dtype::f32 ? "f32" : "f64"; }

std::string_view to_string(element_status s) noexcept {
  switch (s) {
    case element_status::passed: return "passed";
    case element_status::failed: return "FAILED";
    case element_status::unresolved: return "unresolved";
    case element_status::skipped_at_kink: return "skipped: at kink";
  }
  return "?";
}

std::string_view to_string(check_mode m) noexcept {
  return m == check_mode::per_element ? "per-element" : "projection";
}

std::string report::to_string() const {
  std::string s = absl::StrFormat(
      "gradient check %s: %d checked (%s, analytic %s), %d failed, %d skipped at kinks, %d weak; "
      "max abs err %.3g, max rel err %.3g, rtol %.3g; seed 0x%x\n",
      passed ? "passed" : "FAILED", checked, check::to_string(mode), check::to_string(analytic_dtype),
      failed, skipped, weak, max_abs_err, max_rel_err, rtol, seed);
  if (checked == 0) absl::StrAppend(&s, "  nothing was compared: a check with no comparison fails\n");
  if (worst.empty()) return s;
  if (weak > 0)
    absl::StrAppend(&s, "  weak: passed with a tolerance (rounding of f or of the analytic dtype) too "
                        "wide to have caught a relative error of 1e-3\n");
  absl::StrAppendFormat(&s, "  %-22s %14s %14s %14s %10s %10s %10s %10s %10s  %s\n", "variable[index]",
                        "input", "analytic", "numeric", "err.est", "abs.err", "rel.err", "tol",
                        "kink.dist", "status");
  for (const element_report& e : worst) {
    const std::string where = absl::StrFormat("%s[%d]", e.variable, e.index);
    const std::string input = std::isnan(e.input) ? "-" : absl::StrFormat("%.7g", e.input);
    absl::StrAppendFormat(&s, "  %-22s %14s %14.7g %14.7g %10.2e %10.2e %10.2e %10.2e %10.2e  %s\n",
                          where, input, e.analytic, e.numeric, e.error_estimate, e.abs_err, e.rel_err,
                          e.tolerance, e.kink_distance,
                          e.weak ? "passed (weak)" : check::to_string(e.status));
  }
  return s;
}

}  // namespace ctgrad::check
