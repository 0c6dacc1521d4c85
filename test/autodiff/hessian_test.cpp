// Tests for ctgrad/autodiff/hessian.hpp: hessian(f, v...) equals hand-derived Hessians exactly (in
// constant expressions where the function is) and is symmetric by construction; its entries share
// sub-expressions in one program (the flat program of all entries is smaller than the entries'
// programs added up); hvp(f, x, v) equals H v for scalar variables, matches central differences of
// the gradient on the MLP loss (forward-over-reverse and reverse-over-reverse agree), works for a
// tensor variable of 10^5 elements without forming H, and its program runs without heap allocation.
// Tensor variables: hessian(c sum(tanh(A x)) + x^T M x / 2, c, x, A) gives blocks equal to the
// hand-derived ones (A^T diag(s) A + (M + M^T) / 2, ...), h(A, x) is the transpose of h(x, A), the
// blocks compile into one program that runs without heap allocation.
#define BOOST_TEST_MODULE hessian
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "support/count_allocations.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
var<"x", double> x;
var<"y", double> y;
var<"z", double> z;
}  // namespace

BOOST_AUTO_TEST_SUITE(hessian_suite)

BOOST_AUTO_TEST_CASE(rosenbrock_hessian_is_exact_in_a_constant_expression) {
  // f = (1 - x)^2 + 100 (y - x^2)^2: H = [[2 - 400 (y - 3x^2), -400x], [-400x, 200]].
  constexpr auto h = hessian(square(1.0 - x) + 100.0 * square(y - x * x), x, y);
  constexpr auto r = value_grad_hessian_at(h, x = 1.5, y = 2.0);
  static_assert(r.value == 0.25 + 100.0 * 0.0625);
  static_assert(r.gradient[0] == -2.0 * (1 - 1.5) - 400.0 * 1.5 * (2.0 - 2.25));
  static_assert(r.gradient[1] == 200.0 * (2.0 - 2.25));
  static_assert(r.hessian[0][0] == 2.0 - 400.0 * (2.0 - 3 * 2.25));
  static_assert(r.hessian[0][1] == -600.0 && r.hessian[1][0] == -600.0);
  static_assert(r.hessian[1][1] == 200.0);
  // value_at gives the Hessian alone.
  static_assert(value_at(h, x = 1.5, y = 2.0)[1][1] == 200.0);
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(exp_log_hessian_matches_the_hand_derivation) {
  // f = exp(xy) + y^2 log x + x z^3.
  auto h = hessian(exp(x * y) + y * y * log(x) + x * z * z * z, x, y, z);
  const double xv = 0.7, yv = -1.2, zv = 0.4;
  const auto r = value_grad_hessian_at(h, x = xv, y = yv, z = zv);
  const double e = std::exp(xv * yv);
  const double H[3][3] = {
      {yv * yv * e - yv * yv / (xv * xv), e * (1 + xv * yv) + 2 * yv / xv, 3 * zv * zv},
      {e * (1 + xv * yv) + 2 * yv / xv, xv * xv * e + 2 * std::log(xv), 0.0},
      {3 * zv * zv, 0.0, 6 * xv * zv}};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      BOOST_TEST(r.hessian[i][j] == H[i][j], tt::tolerance(1e-14));
      BOOST_TEST(r.hessian[i][j] == r.hessian[j][i]);  // symmetric by construction: the same entry
    }
  BOOST_TEST(r.gradient[0] == yv * e + yv * yv / xv + zv * zv * zv, tt::tolerance(1e-14));
  BOOST_TEST(r.gradient[2] == 3 * xv * zv * zv, tt::tolerance(1e-14));
  // The entry for (y, x) is the entry for (x, y): one expression per distinct second derivative.
  static_assert(std::is_same_v<decltype(h(y, x)), decltype(h(x, y))>);
  static_assert(std::tuple_size_v<std::remove_cvref_t<decltype(r.hessian)>> == 3);
}

BOOST_AUTO_TEST_CASE(hessian_entries_share_subexpressions_in_one_program) {
  auto f = sigmoid(x * y) * tanh(z) + exp(0.1 * x) * log(1.0 + y * y) + x * y * z;
  auto h = hessian(f, x, y, z);
  using M = ::ctgrad::math::scalar_math;
  // The live instructions of a program of some roots.
  auto live = [](const auto& p) { return int(p.values); };
  using XX = std::remove_cvref_t<decltype(h(x, x))>;
  using XY = std::remove_cvref_t<decltype(h(x, y))>;
  using XZ = std::remove_cvref_t<decltype(h(x, z))>;
  using YY = std::remove_cvref_t<decltype(h(y, y))>;
  using YZ = std::remove_cvref_t<decltype(h(y, z))>;
  using ZZ = std::remove_cvref_t<decltype(h(z, z))>;
  const int together = live(detail::flat::program_v<double, M, XX, XY, XZ, YY, YZ, ZZ>);
  const int apart = live(detail::flat::program_v<double, M, XX>) + live(detail::flat::program_v<double, M, XY>) +
                    live(detail::flat::program_v<double, M, XZ>) + live(detail::flat::program_v<double, M, YY>) +
                    live(detail::flat::program_v<double, M, YZ>) + live(detail::flat::program_v<double, M, ZZ>);
  BOOST_TEST_MESSAGE("hessian of 3 variables: " << together << " instructions together, " << apart << " apart");
  BOOST_TEST(10 * together < 6 * apart);  // 70 and 130 today: the sweeps share f, its gradient and their parts
}

// f = sum_i sigmoid(c_i c_{i+1}) over a chain of N variables: a tridiagonal Hessian.
template <int I> using cvar = var<indexed_name<'c', I + 1>(), double>;
template <std::size_t... I> constexpr auto chain_of(std::index_sequence<I...>) {
  return (sigmoid(cvar<int(I)>{} * cvar<int(I) + 1>{}) + ...);
}
template <class H> struct live_entries;  // live instructions of the flat program of all upper entries
template <class F, class V, class G, class... Hs> struct live_entries<hessian_set<F, V, G, type_list<Hs...>>> {
  static constexpr int value = [] {
    return int(detail::flat::program_v<double, math::scalar_math, Hs...>.values);
  }();
};
template <std::size_t N, std::size_t... I> constexpr int chain_hessian_cost(std::index_sequence<I...>) {
  using H = std::remove_cvref_t<decltype(hessian(chain_of(std::make_index_sequence<N - 1>{}), cvar<int(I)>{}...))>;
  return live_entries<H>::value;
}

BOOST_AUTO_TEST_CASE(hessian_of_a_chain_costs_its_nonzero_entries_only) {
  // The N (N + 1) / 2 entries are expressions, but an entry whose row's gradient does not reach the
  // column's variable (the structural zeros: hessian_pattern) is the shared constant 0, so the
  // program grows with the 2N - 1 nonzero diagonals, not with the entries: doubling N from 8 to 16
  // multiplies the entries by 3.8 and the live instructions by about 2.
  constexpr int c8 = chain_hessian_cost<8>(std::make_index_sequence<8>{});
  constexpr int c16 = chain_hessian_cost<16>(std::make_index_sequence<16>{});
  BOOST_TEST_MESSAGE("chain Hessian: " << c8 << " live instructions at N = 8, " << c16 << " at N = 16");
  BOOST_TEST(c16 < 2.3 * c8);
  const auto H = value_at(hessian(chain_of(std::make_index_sequence<3>{}), cvar<0>{}, cvar<1>{}, cvar<2>{}, cvar<3>{}),
                          cvar<0>{} = 0.1, cvar<1>{} = 0.2, cvar<2>{} = 0.3, cvar<3>{} = 0.4);
  BOOST_TEST(H[0][2] == 0.0);
  BOOST_TEST(H[0][3] == 0.0);
  BOOST_TEST(H[1][3] == 0.0);
  BOOST_TEST(H[0][1] != 0.0);
}

BOOST_AUTO_TEST_CASE(scalar_hvp_is_the_hessian_times_v) {
  var<"v", double> v;
  auto f = sigmoid(x * x) + x * x * x;
  const double xv = 0.6, vv = -1.5;
  const double hv = value_at(hvp(f, x, v), x = xv, v = vv);
  const double s = 1 / (1 + std::exp(-xv * xv)), ds = s * (1 - s), dds = ds * (1 - 2 * s);
  const double fxx = 2 * ds + 4 * xv * xv * dds + 6 * xv;
  BOOST_TEST(hv == fxx * vv, tt::tolerance(1e-14));
  static_assert(value_at(hvp(x * x * x, x, 2.0 * x), x = 1.0) == 12.0);
}

BOOST_AUTO_TEST_CASE(mlp_loss_hvp_matches_central_differences_of_the_gradient) {
  var<"xs", double, shape<dyn, 6>> xs;
  var<"W1", double, shape<6, 5>> W1;
  var<"b1", double, shape<5>> b1;
  var<"W2", double, shape<5, 3>> W2;
  var<"b2", double, shape<3>> b2;
  var<"labels", int, shape<dyn>> labels;
  var<"V", double, shape<6, 5>> V;
  auto loss = cross_entropy(matmul(tanh(matmul(xs, W1) + b1), W2) + b2, labels);
  auto hv = hvp(loss, W1, V);                              // forward-over-reverse
  auto hv_rr = grad(sum(grad(loss, W1) * V), W1);          // reverse-over-reverse
  auto g = grad(loss, W1);
  auto prog = compile(hv, hv_rr, g);
  std::mt19937 rng(7);
  std::normal_distribution<double> nd;
  std::vector<double> xv(4 * 6), w1(30), bb1(5), w2(15), bb2(3), vv(30);
  for (auto* vec : {&xv, &w1, &bb1, &w2, &bb2, &vv})
    for (auto& e : *vec) e = nd(rng);
  std::vector<int> yv{0, 2, 1, 2};
  auto run = [&] { BOOST_REQUIRE(prog.run(xs = xv, W1 = w1, b1 = bb1, W2 = w2, b2 = bb2, labels = yv, V = vv).ok()); };
  run();
  const std::vector<double> a(prog[hv].begin(), prog[hv].end());
  const std::vector<double> a_rr(prog[hv_rr].begin(), prog[hv_rr].end());
  const double h = 1e-5;
  const std::vector<double> w0 = w1;
  for (int i = 0; i < 30; ++i) w1[i] = w0[i] + h * vv[i];
  run();
  const std::vector<double> gp(prog[g].begin(), prog[g].end());
  for (int i = 0; i < 30; ++i) w1[i] = w0[i] - h * vv[i];
  run();
  const std::vector<double> gm(prog[g].begin(), prog[g].end());
  for (int i = 0; i < 30; ++i) {
    BOOST_TEST(a[i] == (gp[i] - gm[i]) / (2 * h), tt::tolerance(1e-6));
    BOOST_TEST(a[i] == a_rr[i], tt::tolerance(1e-12));
  }
}

BOOST_AUTO_TEST_CASE(hvp_of_a_tensor_of_100000_elements_never_forms_the_hessian) {
  constexpr std::size_t n = 100000;
  var<"w", double, shape<n>> w;
  var<"v", double, shape<n>> v;
  // f = sum(w tanh(w)) + (sum w)^2 / 2: H = diag(2 sech^2 w - 2 w tanh w sech^2 w) + ones.
  auto f = sum(w * tanh(w)) + square(sum(w)) * 0.5;
  auto hv = hvp(f, w, v);
  static_assert(std::is_same_v<shape_t<decltype(hv)>, shape<n>>);
  auto prog = compile(hv);
  std::vector<double> wv(n), vv(n);
  for (std::size_t i = 0; i < n; ++i) wv[i] = std::sin(0.001 * double(i)), vv[i] = std::cos(0.003 * double(i));
  BOOST_REQUIRE(prog.run(w = wv, v = vv).ok());
  double vsum = 0;
  for (double e : vv) vsum += e;
  double worst = 0;
  std::size_t i = 0;
  for (double got : prog[hv]) {
    const double th = std::tanh(wv[i]), s2 = 1 - th * th;
    const double want = (2 * s2 - 2 * wv[i] * th * s2) * vv[i] + vsum;
    worst = std::max(worst, std::abs(got - want) / std::max(1.0, std::abs(want)));
    ++i;
  }
  BOOST_TEST(i == n);
  BOOST_TEST(worst <= 1e-11);
}

BOOST_AUTO_TEST_CASE(hvp_runs_after_the_first_make_no_heap_allocation,
                     *boost::unit_test::enable_if<CTGRAD_TEST_COUNTS_ALLOCATIONS != 0>()) {
  var<"xs", float, shape<dyn, 20>> xs;
  var<"W", float, shape<20, 8>> W;
  var<"V", float, shape<20, 8>> V;
  var<"labels", int, shape<dyn>> labels;
  auto loss = cross_entropy(sigmoid(matmul(xs, W)), labels);
  auto prog = compile(hvp(loss, W, V), grad(loss, W));
  std::vector<float> xv(16 * 20, 0.1f), wv(160, 0.01f), vv(160, 0.5f);
  std::vector<int> yv(16, 3);
  BOOST_TEST_REQUIRE(prog.run(xs = xv, W = wv, V = vv, labels = yv).ok());
  const long before = ctgrad_test::heap_allocations.load();
  for (int i = 0; i < 5; ++i) BOOST_TEST_REQUIRE(prog.run(xs = xv, W = wv, V = vv, labels = yv).ok());
  BOOST_TEST(ctgrad_test::heap_allocations.load() - before == 0);
}

BOOST_AUTO_TEST_CASE(tensor_variable_blocks_match_the_hand_derivation) {
  // f = c sum(tanh(A x)) + x^T M x / 2, c a scalar, x [3], A [2, 3]; t = tanh(A x), d = 1 - t^2,
  // s = -2 t d. Blocks: H_cc = 0, H_cx = A^T d, H_cA[q][l] = d_q x_l, H_xx = c A^T diag(s) A +
  // (M + M^T) / 2, H_xA[k][q l] = c (δ_kl d_q + A_qk s_q x_l), H_AA[q k][p l] = c δ_qp s_q x_k x_l.
  var<"c", double> c;
  var<"x", double, shape<3>> xv3;
  var<"A", double, shape<2, 3>> A;
  var<"M", double, shape<3, 3>> M;
  auto f = c * sum(tanh(matmul(A, xv3))) + 0.5 * sum(xv3 * matmul(M, xv3));
  auto h = hessian(f, c, xv3, A);
  static_assert(decltype(h)::tensor);
  static_assert(std::is_same_v<shape_t<decltype(h(c, c))>, shape<>>);
  static_assert(std::is_same_v<shape_t<decltype(h(c, xv3))>, shape<3>>);
  static_assert(std::is_same_v<shape_t<decltype(h(c, A))>, shape<2, 3>>);
  static_assert(std::is_same_v<shape_t<decltype(h(xv3, xv3))>, shape<3, 3>>);
  static_assert(std::is_same_v<shape_t<decltype(h(xv3, A))>, shape<3, 6>>);
  static_assert(std::is_same_v<shape_t<decltype(h(A, xv3))>, shape<6, 3>>);
  static_assert(std::is_same_v<shape_t<decltype(h(A, A))>, shape<6, 6>>);
  // (A, x) is the transpose of the stored (x, A): one block per pair of variables.
  static_assert(std::is_same_v<decltype(h(A, xv3)), decltype(transpose(h(xv3, A)))>);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(h(xv3, c))>, std::remove_cvref_t<decltype(h(c, xv3))>>);
  auto prog = compile(h);
  const double cv = 0.8;
  const std::vector<double> xs{0.3, -0.7, 0.5}, av{0.4, -0.2, 0.9, -0.6, 0.1, 0.3},
      mv{1.0, 0.5, -0.2, 0.1, 2.0, 0.3, 0.4, -0.6, 1.5};
  BOOST_TEST_REQUIRE(prog.run(c = cv, xv3 = xs, A = av, M = mv).ok());
  double t[2], d[2], sv[2];
  for (int q = 0; q < 2; ++q) {
    double z = 0;
    for (int k = 0; k < 3; ++k) z += av[q * 3 + k] * xs[k];
    t[q] = std::tanh(z), d[q] = 1 - t[q] * t[q], sv[q] = -2 * t[q] * d[q];
  }
  BOOST_TEST(prog[h(c, c)][0] == 0.0);
  for (int k = 0; k < 3; ++k)
    BOOST_TEST(prog[h(c, xv3)][k] == av[k] * d[0] + av[3 + k] * d[1], tt::tolerance(1e-14));
  for (int q = 0; q < 2; ++q)
    for (int l = 0; l < 3; ++l) BOOST_TEST(prog[h(c, A)](q, l) == d[q] * xs[l], tt::tolerance(1e-14));
  for (int k = 0; k < 3; ++k)
    for (int l = 0; l < 3; ++l) {
      double ref = (mv[k * 3 + l] + mv[l * 3 + k]) / 2;
      for (int q = 0; q < 2; ++q) ref += cv * av[q * 3 + k] * av[q * 3 + l] * sv[q];
      BOOST_TEST(prog[h(xv3, xv3)](k, l) == ref, tt::tolerance(1e-14));
    }
  for (int k = 0; k < 3; ++k)
    for (int q = 0; q < 2; ++q)
      for (int l = 0; l < 3; ++l) {
        const double ref = cv * ((k == l ? d[q] : 0.0) + av[q * 3 + k] * sv[q] * xs[l]);
        BOOST_TEST(prog[h(xv3, A)](k, q * 3 + l) == ref, tt::tolerance(1e-14));
        BOOST_TEST(prog[h(A, xv3)](q * 3 + l, k) == ref, tt::tolerance(1e-14));
      }
  for (int q = 0; q < 2; ++q)
    for (int k = 0; k < 3; ++k)
      for (int p = 0; p < 2; ++p)
        for (int l = 0; l < 3; ++l)
          BOOST_TEST(prog[h(A, A)](q * 3 + k, p * 3 + l) == (q == p ? cv * sv[q] * xs[k] * xs[l] : 0.0),
                     tt::tolerance(1e-14));
  // The gradients beside the blocks.
  BOOST_TEST(prog[h.gradient(c)][0] == t[0] + t[1], tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(hessian_blocks_of_a_quadratic_form_are_exact_and_symmetric) {
  // f = x^T M x + y^T N x: H_xx = M + M^T, H_xy = N^T (d2f/dx_k dy_i = N_ik), H_yy = 0.
  var<"x", float, shape<4>> x4;
  var<"y", float, shape<2>> y2;
  var<"M", float, shape<4, 4>> M;
  var<"N", float, shape<2, 4>> N;
  auto h = hessian(sum(x4 * matmul(M, x4)) + sum(y2 * matmul(N, x4)), x4, y2);
  auto prog = compile(h);
  std::vector<float> xs{1, -2, 0.5f, 3}, ys{0.25f, -1}, mv(16), nv(8);
  for (int i = 0; i < 16; ++i) mv[i] = float(i % 5) - 1.5f;
  for (int i = 0; i < 8; ++i) nv[i] = 0.5f * float(i) - 2;
  BOOST_TEST_REQUIRE(prog.run(x4 = xs, y2 = ys, M = mv, N = nv).ok());
  for (int k = 0; k < 4; ++k)
    for (int l = 0; l < 4; ++l) BOOST_TEST(prog[h(x4, x4)](k, l) == mv[k * 4 + l] + mv[l * 4 + k]);
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i) {
      BOOST_TEST(prog[h(x4, y2)](k, i) == nv[i * 4 + k]);
      BOOST_TEST(prog[h(y2, x4)](i, k) == nv[i * 4 + k]);
    }
  for (float e : prog[h(y2, y2)]) BOOST_TEST(e == 0.0f);
}

BOOST_AUTO_TEST_CASE(tensor_hessian_runs_after_the_first_make_no_heap_allocation,
                     *boost::unit_test::enable_if<CTGRAD_TEST_COUNTS_ALLOCATIONS != 0>()) {
  var<"x", double, shape<5>> x5;
  var<"W", double, shape<3, 5>> W;
  auto h = hessian(sum(tanh(matmul(W, x5))) + sum(square(x5)), x5, W);
  auto prog = compile(h);
  std::vector<double> xs(5, 0.2), wv(15, 0.1);
  BOOST_TEST_REQUIRE(prog.run(x5 = xs, W = wv).ok());
  const long before = ctgrad_test::heap_allocations.load();
  for (int i = 0; i < 5; ++i) BOOST_TEST_REQUIRE(prog.run(x5 = xs, W = wv).ok());
  BOOST_TEST(ctgrad_test::heap_allocations.load() - before == 0);
  for (int k = 0; k < 5; ++k)
    for (int l = 0; l < 5; ++l) BOOST_TEST(prog[h(x5, x5)](k, l) == prog[h(x5, x5)](l, k), tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_SUITE_END()
