// Tests for the matrix-vector pairs of compile() (eval/plan.hpp, eval/compile.hpp; docs/design.md,
// "Matrix-vector pairs"): a gradient's matmul(X, w) and transpose(X)·e run as one pass over X when
// e is computed element by element from X w, with the same results as the two products run apart
// at every batch size (bit for bit without FMA; with it, the compiler may contract the same sums
// differently in the two places); other programs are not fused and stay correct.
#define BOOST_TEST_MODULE matvec_pair
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "support/same_sums.hpp"

using namespace ctgrad;

// The unfused programs to compare with: the same graphs over matrices named "Xu".
namespace ctgrad::detail {
template <> inline constexpr bool fuse_matvec_pairs<var<"Xu", double, shape<dyn, 150>>> = false;
template <> inline constexpr bool fuse_matvec_pairs<var<"Xu", float, shape<dyn, 7>>> = false;
}  // namespace ctgrad::detail

namespace {

using ctgrad_test::same_sums;

template <class T> std::vector<T> normal(std::size_t n, unsigned seed, double scale = 1.0) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> d(0.0, scale);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

template <class T> struct data {
  std::vector<T> X, y, w;
  T b = T(0.25), sigma = T(1.5);
};
template <class T> data<T> make_data(std::size_t n, std::size_t p) {
  data<T> d;
  d.X = normal<T>(n * p, 1);
  d.y = normal<T>(n, 2);
  d.w = normal<T>(p, 3, 0.3);
  return d;
}

// W2's log-density (docs/benchmarks.md) over a batch of any size with P features, and its
// gradient in w, b, sigma: over the matrix X (fused) or Xu (the unfused program to compare with).
template <class T, std::size_t P> struct regression {
  static constexpr var<"X", T, shape<dyn, P>> X{};
  static constexpr var<"Xu", T, shape<dyn, P>> Xu{};
  static constexpr var<"y", T, shape<dyn>> y{};
  static constexpr var<"w", T, shape<P>> w{};
  static constexpr var<"b", T> b{};
  static constexpr var<"sigma", T> sigma{};
  template <class XV> static constexpr auto gradient(XV Xm) {
    const auto r = y - (matmul(Xm, w) + b);
    const auto f = T(-0.5) * sum(square(r)) / square(sigma) - log(sigma) - T(0.5) * sum(square(w)) -
                   T(0.5) * square(b);
    return grad(f, w, b, sigma);
  }
  template <class Prog, class XV> static absl::Status run(Prog& prog, XV Xm, const data<T>& d) {
    return prog.run(Xm = d.X, y = d.y, w = d.w, b = d.b, sigma = d.sigma);
  }
};

// Runs the fused and the unfused program on the same data: every output the same (same_sums).
template <class T, std::size_t P> void check_same_results(std::size_t n) {
  using R = regression<T, P>;
  constexpr auto gf = R::gradient(R::X);
  constexpr auto gu = R::gradient(R::Xu);
  auto fused = compile(gf);
  auto apart = compile(gu);
  static_assert(decltype(fused)::fuses_matvec_pair && !decltype(apart)::fuses_matvec_pair);
  static_assert(decltype(fused)::loop_count < decltype(apart)::loop_count);
  const data<T> d = make_data<T>(n, P);
  BOOST_TEST_REQUIRE(R::run(fused, R::X, d).ok());
  BOOST_TEST_REQUIRE(R::run(apart, R::Xu, d).ok());
  BOOST_TEST(same_sums(fused.template get<0>().item(), apart.template get<0>().item()));
  const auto dw = fused[gf[R::w]], dwu = apart[gu[R::w]];
  bool same = true;
  for (std::size_t j = 0; j < P; ++j) same = same && same_sums(dw.data[j], dwu.data[j]);
  BOOST_TEST(same, "dL/dw differs at batch " << n);
  BOOST_TEST(same_sums(fused[gf[R::b]].item(), apart[gu[R::b]].item()));
  BOOST_TEST(same_sums(fused[gf[R::sigma]].item(), apart[gu[R::sigma]].item()));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(matvec_pair_suite)

BOOST_AUTO_TEST_CASE(the_regression_gradient_is_one_pass_with_the_same_results_at_every_batch) {
  // Batches around the pass's blocks of rows (12 rows of 150 doubles, 64 rows of 7 floats) and
  // its groups of four rows.
  for (std::size_t n : {1u, 3u, 4u, 5u, 11u, 12u, 13u, 25u, 1000u, 1001u}) check_same_results<double, 150>(n);
  for (std::size_t n : {1u, 2u, 63u, 64u, 65u, 130u, 1000u}) check_same_results<float, 7>(n);
}

BOOST_AUTO_TEST_CASE(the_fused_gradient_is_the_analytic_one) {
  // df/dw = X^T r / sigma^2 - w, df/db = sum(r) / sigma^2 - b, df/dsigma = sum(r^2) / sigma^3 - 1 / sigma.
  constexpr std::size_t n = 37, p = 150;
  using R = regression<double, p>;
  constexpr auto g = R::gradient(R::X);
  auto prog = compile(g);
  const data<double> d = make_data<double>(n, p);
  BOOST_TEST_REQUIRE(R::run(prog, R::X, d).ok());
  std::vector<double> r(n), gw(p, 0.0);
  double sr = 0, ss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double t = 0;
    for (std::size_t j = 0; j < p; ++j) t += d.X[i * p + j] * d.w[j];
    r[i] = d.y[i] - t - d.b;
    sr += r[i];
    ss += r[i] * r[i];
    for (std::size_t j = 0; j < p; ++j) gw[j] += r[i] * d.X[i * p + j];
  }
  const double s2 = d.sigma * d.sigma;
  namespace tt = boost::test_tools;
  for (std::size_t j = 0; j < p; ++j) BOOST_TEST(prog[g[R::w]][j] == gw[j] / s2 - d.w[j], tt::tolerance(1e-10));
  BOOST_TEST(prog[g[R::b]].item() == sr / s2 - d.b, tt::tolerance(1e-10));
  BOOST_TEST(prog[g[R::sigma]].item() == ss / (s2 * d.sigma) - 1 / d.sigma, tt::tolerance(1e-10));
}

BOOST_AUTO_TEST_CASE(logistic_regression_is_fused) {
  // binary_cross_entropy_with_logits: the adjoint of X w is (sigmoid(X w + b) - y) / batch.
  constexpr std::size_t n = 50, p = 150;
  constexpr var<"X", double, shape<dyn, p>> X;
  constexpr var<"Xu", double, shape<dyn, p>> Xu;
  constexpr var<"y", double, shape<dyn>> y;
  constexpr var<"w", double, shape<p>> w;
  constexpr var<"b", double> b;
  constexpr auto gf = grad(binary_cross_entropy_with_logits(matmul(X, w) + b, y), w, b);
  constexpr auto gu = grad(binary_cross_entropy_with_logits(matmul(Xu, w) + b, y), w, b);
  auto fused = compile(gf);
  auto apart = compile(gu);
  static_assert(decltype(fused)::fuses_matvec_pair);
  const data<double> d = make_data<double>(n, p);
  std::vector<double> labels(n);
  for (std::size_t i = 0; i < n; ++i) labels[i] = d.y[i] > 0 ? 1.0 : 0.0;
  BOOST_TEST_REQUIRE(fused.run(X = d.X, y = labels, w = d.w, b = d.b).ok());
  BOOST_TEST_REQUIRE(apart.run(Xu = d.X, y = labels, w = d.w, b = d.b).ok());
  BOOST_TEST(same_sums(fused.get<0>().item(), apart.get<0>().item()));
  for (std::size_t j = 0; j < p; ++j) BOOST_TEST(same_sums(fused[gf[w]][j], apart[gu[w]][j]));
  BOOST_TEST(same_sums(fused[gf[b]].item(), apart[gu[b]].item()));
}

BOOST_AUTO_TEST_CASE(an_adjoint_that_needs_all_of_x_w_is_not_fused) {
  // log(sum(exp(X w))): the adjoint softmax(X w) needs the whole sum before its first element.
  constexpr std::size_t n = 20, p = 7;
  constexpr var<"X", double, shape<dyn, p>> X;
  constexpr var<"w", double, shape<p>> w;
  constexpr auto t = matmul(X, w);
  constexpr auto g = grad(log(sum(exp(t))), w);
  auto prog = compile(g);
  static_assert(!decltype(prog)::fuses_matvec_pair);
  const auto Xd = normal<double>(n * p, 4);
  const auto wd = normal<double>(p, 5);
  BOOST_TEST_REQUIRE(prog.run(X = Xd, w = wd).ok());
  std::vector<double> tv(n), gw(p, 0.0);
  double z = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < p; ++j) tv[i] += Xd[i * p + j] * wd[j];
    z += std::exp(tv[i]);
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < p; ++j) gw[j] += std::exp(tv[i]) / z * Xd[i * p + j];
  for (std::size_t j = 0; j < p; ++j) BOOST_TEST(prog[g][j] == gw[j], boost::test_tools::tolerance(1e-10));
}

BOOST_AUTO_TEST_CASE(an_adjoint_independent_of_x_w_shares_the_pass) {
  // sum(X w * y) and its gradient: the adjoint of X w is y itself; one pass gives X w and X^T y.
  // (The gradient alone does not compute X w at all: then there is no pair.)
  constexpr std::size_t n = 30, p = 9;
  constexpr var<"X", double, shape<dyn, p>> X;
  constexpr var<"y", double, shape<dyn>> y;
  constexpr var<"w", double, shape<p>> w;
  constexpr auto f = sum(matmul(X, w) * y);
  constexpr auto g = grad(f, w);
  static_assert(!decltype(compile(g))::fuses_matvec_pair);
  auto prog = compile(f, g);
  static_assert(decltype(prog)::fuses_matvec_pair);
  const auto Xd = normal<double>(n * p, 6);
  const auto yd = normal<double>(n, 7);
  const auto wd = normal<double>(p, 8);
  BOOST_TEST_REQUIRE(prog.run(X = Xd, y = yd, w = wd).ok());
  double fv = 0;
  std::vector<double> gw(p, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    double t = 0;
    for (std::size_t j = 0; j < p; ++j) {
      t += Xd[i * p + j] * wd[j];
      gw[j] += yd[i] * Xd[i * p + j];
    }
    fv += t * yd[i];
  }
  namespace tt = boost::test_tools;
  BOOST_TEST(prog[f].item() == fv, tt::tolerance(1e-10));
  for (std::size_t j = 0; j < p; ++j) BOOST_TEST(prog[g][j] == gw[j], tt::tolerance(1e-10));
}

BOOST_AUTO_TEST_CASE(matrix_products_and_value_programs_are_not_fused) {
  constexpr var<"X", float, shape<dyn, 20>> X;
  constexpr var<"W", float, shape<20, 8>> W;
  constexpr var<"v", float, shape<20>> v;
  constexpr var<"labels", int, shape<dyn>> labels;
  constexpr auto layer = grad(cross_entropy(matmul(X, W), labels), W);  // a matrix product: no pair
  static_assert(!decltype(compile(layer))::fuses_matvec_pair);
  constexpr auto value = sum(square(matmul(X, v)));  // no gradient: no transposed product
  static_assert(!decltype(compile(value))::fuses_matvec_pair);
  static_assert(decltype(compile(grad(value, v)))::fuses_matvec_pair);
  constexpr var<"column", float, shape<dyn, 1>> column;  // one column: the products' sums differ
  constexpr var<"u", float, shape<1>> u;
  static_assert(!decltype(compile(grad(sum(square(matmul(column, u))), u)))::fuses_matvec_pair);
}

BOOST_AUTO_TEST_CASE(check_finite_reports_a_value_of_the_pass) {
  // X w overflows at row 2: run_check_finite names the product (checked first of the pass's values).
  constexpr std::size_t n = 16, p = 150;
  using R = regression<double, p>;
  auto prog = compile(R::gradient(R::X));
  data<double> d = make_data<double>(n, p);
  for (std::size_t j = 0; j < p; ++j) {
    d.X[2 * p + j] = 1e308;  // 150 of them overflow
    d.w[j] = 1.0;
  }
  const absl::Status st = prog.run_check_finite(R::X = d.X, R::y = d.y, R::w = d.w, R::b = d.b, R::sigma = d.sigma);
  BOOST_TEST(absl::IsFailedPrecondition(st));
  const std::string msg(st.message());
  BOOST_TEST(msg.find("check_finite: matmul(X, w)") == 0, msg);
  BOOST_TEST(msg.find("produced inf at [2]") != std::string::npos, msg);
}

BOOST_AUTO_TEST_SUITE_END()
