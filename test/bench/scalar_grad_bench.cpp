// W5 of issue 7: the gradient of an N-variable scalar function (N = CTGRAD_BENCH_W5_VARS), ns per call:
//   f(a) = sum_i sigmoid(a_i a_{i+1}) + tanh(a_i) exp(0.1 a_i) + log(1 + a_i^2)   (indices mod N).
// ctgrad value_and_grad_at beside the hand-derived gradient (std:: math), and the peers found at
// configure time: Eigen AutoDiffScalar (fixed-size 10-vector of derivatives, one pass) and Boost.Math
// autodiff (forward mode of order 1: one pass per variable, the idiomatic use for a gradient).
// Every variant is checked against the hand-derived one before timing.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <utility>
#include <vector>

#include "ctgrad/ctgrad.hpp"

#if defined(CTGRAD_BENCH_HAVE_EIGEN)
#include <Eigen/Core>
#include <unsupported/Eigen/AutoDiff>
#endif
#if defined(CTGRAD_BENCH_HAVE_BOOST_AUTODIFF)
#include <boost/math/differentiation/autodiff.hpp>
#endif

namespace {

// The size: 10 variables. Override with -DCTGRAD_BENCH_W5_VARS=N; every variant uses the
// same size (meson also builds it at 32 variables, and at -O2). Its compile cost is W6's (a flat
// program since 2026-12-05: docs/design.md, "Compile time").
#if !defined(CTGRAD_BENCH_W5_VARS)
#define CTGRAD_BENCH_W5_VARS 10
#endif
constexpr int nvars = CTGRAD_BENCH_W5_VARS;
using point = std::array<double, nvars>;
struct result {
  double f;
  point g;
};

// Input points cycled through, so no call can be folded at compile time.
const std::vector<point>& points() {
  static const std::vector<point> p = [] {
    std::vector<point> v(64);
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> u(-2.0, 2.0);
    for (auto& x : v)
      for (auto& e : x) e = u(rng);
    return v;
  }();
  return p;
}

// ---- ctgrad ------------------------------------------------------------------------------------
// The variables a1..aN as ctgrad scalars; f built by a fold over the terms.
template <int I> using avar = ctgrad::var<ctgrad::indexed_name<'a', I + 1>(), double>;
template <class U, class V> constexpr auto term(const U& u, const V& v) {
  return ctgrad::sigmoid(u * v) + ctgrad::tanh(u) * ctgrad::exp(u * 0.1) + ctgrad::log(1.0 + u * u);
}
template <std::size_t... I> constexpr auto make_grad(std::index_sequence<I...>) {
  const auto f = (term(avar<int(I)>{}, avar<int((I + 1) % nvars)>{}) + ...);
  return ctgrad::grad(f, avar<int(I)>{}...);
}
constexpr auto f_grad = make_grad(std::make_index_sequence<nvars>{});

template <std::size_t... I> result ctgrad_gradient_impl(const point& x, std::index_sequence<I...>) {
  auto [f, g] = ctgrad::value_and_grad_at(f_grad, (avar<int(I)>{} = x[I])...);
  return {f, g};
}
result ctgrad_gradient(const point& x) { return ctgrad_gradient_impl(x, std::make_index_sequence<nvars>{}); }

// ---- hand-derived ------------------------------------------------------------------------------
result hand_gradient(const point& a) {
  result r{0, {}};
  for (int i = 0; i < nvars; ++i) {
    const int j = (i + 1) % nvars;
    const double s = 1 / (1 + std::exp(-a[i] * a[j]));
    const double t = std::tanh(a[i]), e = std::exp(0.1 * a[i]), q = 1 + a[i] * a[i];
    r.f += s + t * e + std::log(q);
    const double ds = s * (1 - s);
    r.g[i] += ds * a[j] + (1 - t * t) * e + 0.1 * t * e + 2 * a[i] / q;
    r.g[j] += ds * a[i];
  }
  return r;
}

// ---- peers: the same f written once for any scalar type --------------------------------------
template <class S> S generic_f(const std::array<S, nvars>& a) {
  using std::exp, std::log, std::tanh;
  S total = S(0.0);
  for (int i = 0; i < nvars; ++i) {
    const S& u = a[i];
    const S& v = a[(i + 1) % nvars];
    total += S(1.0) / (S(1.0) + exp(-(u * v))) + tanh(u) * exp(u * 0.1) + log(u * u + 1.0);
  }
  return total;
}

#if defined(CTGRAD_BENCH_HAVE_EIGEN)
result eigen_gradient(const point& x) {
  using ad = Eigen::AutoDiffScalar<Eigen::Matrix<double, nvars, 1>>;
  std::array<ad, nvars> a;
  for (int i = 0; i < nvars; ++i) a[i] = ad(x[i], nvars, i);
  const ad y = generic_f(a);
  result r{y.value(), {}};
  for (int i = 0; i < nvars; ++i) r.g[i] = y.derivatives()[i];
  return r;
}
#endif

#if defined(CTGRAD_BENCH_HAVE_BOOST_AUTODIFF)
result boost_gradient(const point& x) {
  using fv = boost::math::differentiation::autodiff_fvar<double, 1>;
  result r{0, {}};
  for (int k = 0; k < nvars; ++k) {
    std::array<fv, nvars> a;
    for (int i = 0; i < nvars; ++i) a[i] = i == k ? boost::math::differentiation::make_fvar<double, 1>(x[i]) : fv(x[i]);
    const fv y = generic_f(a);
    r.f = static_cast<double>(y);
    r.g[k] = y.derivative(1);
  }
  return r;
}
#endif

// ---- the benchmarks ----------------------------------------------------------------------------
double hand_ns = 0;  // CPU ns per call of the last hand-derived run, for the ratio counters

bool check(result (*fn)(const point&), const char* name) {
  double worst = 0;
  for (const point& p : points()) {
    const result a = fn(p), b = hand_gradient(p);
    worst = std::max(worst, std::abs(a.f - b.f) / (1 + std::abs(b.f)));
    for (int i = 0; i < nvars; ++i) worst = std::max(worst, std::abs(a.g[i] - b.g[i]) / (1 + std::abs(b.g[i])));
  }
  if (worst > 1e-12) std::fprintf(stderr, "W5: %s differs from the hand-derived gradient by %g (relative)\n", name, worst);
  return worst <= 1e-12;
}

void bm_grad(benchmark::State& state, result (*fn)(const point&), bool is_hand) {
  const auto& ps = points();
  std::size_t k = 0;
  const std::clock_t t0 = std::clock();
  for (auto _ : state) {
    point x = ps[k++ & 63];
    benchmark::DoNotOptimize(x);
    result r = fn(x);
    benchmark::DoNotOptimize(r);
  }
  const double ns = double(std::clock() - t0) / CLOCKS_PER_SEC * 1e9 / double(state.iterations());
  state.counters["ns/call"] = ns;
  if (is_hand) hand_ns = ns;
  else if (hand_ns > 0) state.counters["ratio_vs_hand"] = ns / hand_ns;
}

}  // namespace

int main(int argc, char** argv) {
  struct variant {
    const char* name;
    result (*fn)(const point&);
  };
  std::fprintf(stderr, "W5: %d variables\n", nvars);
  std::vector<variant> variants{{"W5/hand", hand_gradient}, {"W5/ctgrad", ctgrad_gradient}};
#if defined(CTGRAD_BENCH_HAVE_EIGEN)
  variants.push_back({"W5/eigen_autodiffscalar", eigen_gradient});
#else
  std::fprintf(stderr, "W5: Eigen (eigen3) not found at configure time; Eigen AutoDiffScalar skipped\n");
#endif
#if defined(CTGRAD_BENCH_HAVE_BOOST_AUTODIFF)
  variants.push_back({"W5/boost_autodiff", boost_gradient});
#else
  std::fprintf(stderr, "W5: boost/math/differentiation/autodiff.hpp not found; Boost.Math autodiff skipped\n");
#endif
  for (const auto& v : variants) {
    if (!check(v.fn, v.name)) return 1;
    benchmark::RegisterBenchmark(v.name, bm_grad, v.fn, v.fn == hand_gradient);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
