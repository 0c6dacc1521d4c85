// Tests for ctgrad/autodiff/jacobian.hpp: jacobian(F, x) picks forward mode when F has at least as
// many elements as x and reverse mode otherwise (at compile time), and both equal the hand-derived
// Jacobian diag(1 - tanh^2) A of tanh(A x) and central differences of F; a scalar F gives the
// gradient, a scalar x the column; several variables give a set of blocks; the jacobian of a
// gradient is the (symmetric) Hessian, equal to hessian() of the same function in scalar variables.
// Matrix functions and matrix variables: the Jacobian of tanh(A X) in X and in A (both modes) equals
// the hand-derived (1 - F_ij^2) A_il δ_jp and (1 - F_ij^2) δ_iq X_lj, F and the variable flattened row-major.
#define BOOST_TEST_MODULE jacobian
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
// tanh(A x) for an [M, N] matrix A: its Jacobian in x is diag(1 - y^2) A, checked exactly.
template <std::size_t M, std::size_t N>
void check_tanh_of_linear_map(jacobian_mode expected) {
  var<"A", double, shape<M, N>> A;
  var<"x", double, shape<N>> x;
  auto F = tanh(matmul(A, x));
  auto J = jacobian(F, x);
  static_assert(std::is_same_v<shape_t<decltype(J)>, shape<M, N>>);
  BOOST_TEST((jacobian_mode_v<decltype(F), decltype(x)> == expected));
  auto prog = compile(J, F);
  std::mt19937 rng(M * 100 + N);
  std::normal_distribution<double> nd(0.0, 0.5);
  std::vector<double> av(M * N), xv(N);
  for (auto& e : av) e = nd(rng);
  for (auto& e : xv) e = nd(rng);
  BOOST_REQUIRE(prog.run(A = av, x = xv).ok());
  const std::vector<double> j(prog[J].begin(), prog[J].end());
  const std::vector<double> y(prog[F].begin(), prog[F].end());
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t k = 0; k < N; ++k)
      BOOST_TEST(j[i * N + k] == (1 - y[i] * y[i]) * av[i * N + k], tt::tolerance(1e-14));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(jacobian_suite)

BOOST_AUTO_TEST_CASE(forward_mode_when_outputs_are_at_least_as_many_as_inputs) {
  check_tanh_of_linear_map<6, 3>(jacobian_mode::forward);
  check_tanh_of_linear_map<4, 4>(jacobian_mode::forward);
}

BOOST_AUTO_TEST_CASE(reverse_mode_when_outputs_are_fewer) {
  check_tanh_of_linear_map<2, 5>(jacobian_mode::reverse);
  check_tanh_of_linear_map<1, 7>(jacobian_mode::reverse);
}

BOOST_AUTO_TEST_CASE(both_modes_match_central_differences_on_a_nonlinear_function) {
  var<"x", double, shape<3>> x;
  var<"B", double, shape<2, 3>> B;
  var<"C", double, shape<5, 3>> C;
  auto Fr = sigmoid(matmul(B, x)) * sum(square(x)) + exp(matmul(B, x * x));   // [2]: reverse
  auto Ff = log(1.0 + square(matmul(C, tanh(x)))) + softmax(matmul(C, x));   // [5]: forward
  static_assert(jacobian_mode_v<decltype(Fr), decltype(x)> == jacobian_mode::reverse);
  static_assert(jacobian_mode_v<decltype(Ff), decltype(x)> == jacobian_mode::forward);
  auto Jr = jacobian(Fr, x);
  auto Jf = jacobian(Ff, x);
  auto prog = compile(Jr, Jf, Fr, Ff);
  std::vector<double> xv{0.3, -0.7, 0.45}, bv{0.1, 0.2, -0.3, 0.4, -0.5, 0.6}, cv(15);
  for (int i = 0; i < 15; ++i) cv[i] = 0.13 * (i - 7);
  auto run = [&] { BOOST_REQUIRE(prog.run(x = xv, B = bv, C = cv).ok()); };
  run();
  const std::vector<double> jr(prog[Jr].begin(), prog[Jr].end()), jf(prog[Jf].begin(), prog[Jf].end());
  const double h = 1e-6;
  for (std::size_t k = 0; k < 3; ++k) {
    const std::vector<double> x0 = xv;
    xv[k] = x0[k] + h;
    run();
    const std::vector<double> rp(prog[Fr].begin(), prog[Fr].end()), fp(prog[Ff].begin(), prog[Ff].end());
    xv[k] = x0[k] - h;
    run();
    const std::vector<double> rm(prog[Fr].begin(), prog[Fr].end()), fm(prog[Ff].begin(), prog[Ff].end());
    xv = x0;
    // Central differences with h = 1e-6 carry an absolute error near 1e-9 here.
    for (std::size_t i = 0; i < 2; ++i) BOOST_TEST(std::abs(jr[i * 3 + k] - (rp[i] - rm[i]) / (2 * h)) <= 1e-8);
    for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(std::abs(jf[i * 3 + k] - (fp[i] - fm[i]) / (2 * h)) <= 1e-8);
  }
}

BOOST_AUTO_TEST_CASE(scalar_function_gives_the_gradient_and_scalar_variable_the_column) {
  var<"x", double, shape<4>> x;
  var<"s", double> s;
  auto J1 = jacobian(sum(x * x) * s, x);   // the gradient 2 x s: x's shape
  auto J2 = jacobian(x * s * s, s);        // the column 2 x s: F's shape
  static_assert(std::is_same_v<shape_t<decltype(J1)>, shape<4>>);
  static_assert(std::is_same_v<shape_t<decltype(J2)>, shape<4>>);
  auto prog = compile(J1, J2);
  std::vector<double> xv{1, -2, 3, 0.5};
  BOOST_REQUIRE(prog.run(x = xv, s = 1.5).ok());
  std::size_t i = 0;
  for (double e : prog[J1]) BOOST_TEST(e == 2 * xv[i++] * 1.5);
  i = 0;
  for (double e : prog[J2]) BOOST_TEST(e == 2 * xv[i++] * 1.5);
}

BOOST_AUTO_TEST_CASE(several_variables_give_one_block_each) {
  var<"x", double, shape<3>> x;
  var<"b", double, shape<2>> b;
  var<"W", double, shape<2, 3>> W;
  auto F = matmul(W, x) + b;
  auto J = jacobian(F, x, b);
  auto prog = compile(J);
  std::vector<double> wv{1, 2, 3, 4, 5, 6}, xv{0.1, 0.2, 0.3}, bv{7, 8};
  BOOST_REQUIRE(prog.run(x = xv, b = bv, W = wv).ok());
  const std::vector<double> jx(prog[J[x]].begin(), prog[J[x]].end());
  const std::vector<double> jb(prog[J[b]].begin(), prog[J[b]].end());
  BOOST_TEST(jx == wv, tt::per_element());                                   // d(Wx + b)/dx = W
  BOOST_TEST(jb == (std::vector<double>{1, 0, 0, 1}), tt::per_element());    // d/db = I
}

BOOST_AUTO_TEST_CASE(a_jacobian_composes_with_grad_and_jvp) {
  // J(A) = diag(1 - tanh^2(A x)) A in both modes; grad of sum(J * C) in A and jvp of J along dA
  // (through stack_op's vjp and jvp rules) against central differences of the compiled J.
  var<"x", double, shape<3>> x;
  var<"A", double, shape<4, 3>> A;
  var<"B", double, shape<2, 3>> B;
  var<"C", double, shape<4, 3>> C;
  var<"dA", double, shape<4, 3>> dA;
  auto JA = jacobian(tanh(matmul(A, x)), x);   // forward: stacked columns
  auto JB = jacobian(tanh(matmul(B, x)), x);   // reverse: stacked rows
  auto g = grad(sum(JA * C), A);
  auto t = jvp(JA, A, dA);
  auto gb = grad(sum(square(JB)), B);
  auto prog = compile(JA, g, t, JB, gb, sum(square(JB)));
  std::vector<double> xv{0.4, -0.3, 0.8}, av(12), bv(6), cv(12), dav(12);
  for (int i = 0; i < 12; ++i) av[i] = 0.1 * (i - 6), cv[i] = std::cos(i), dav[i] = std::sin(i);
  for (int i = 0; i < 6; ++i) bv[i] = 0.2 * (i - 2.5);
  auto run = [&] { BOOST_REQUIRE(prog.run(x = xv, A = av, B = bv, C = cv, dA = dav).ok()); };
  run();
  const std::vector<double> gv(prog[g].begin(), prog[g].end()), tv(prog[t].begin(), prog[t].end());
  const std::vector<double> gbv(prog[gb].begin(), prog[gb].end());
  const double h = 1e-6;
  auto sum_jc = [&] {
    run();
    double acc = 0;
    std::size_t i = 0;
    for (double e : prog[JA]) acc += e * cv[i++];
    return acc;
  };
  const std::vector<double> a0 = av;
  for (int k = 0; k < 12; ++k) {
    av[k] = a0[k] + h;
    const double fp = sum_jc();
    av[k] = a0[k] - h;
    const double fm = sum_jc();
    av = a0;
    BOOST_TEST(std::abs(gv[k] - (fp - fm) / (2 * h)) <= 1e-8);
  }
  for (int k = 0; k < 12; ++k) av[k] = a0[k] + h * dav[k];
  run();
  const std::vector<double> jp(prog[JA].begin(), prog[JA].end());
  for (int k = 0; k < 12; ++k) av[k] = a0[k] - h * dav[k];
  run();
  const std::vector<double> jm(prog[JA].begin(), prog[JA].end());
  av = a0;
  for (int k = 0; k < 12; ++k) BOOST_TEST(std::abs(tv[k] - (jp[k] - jm[k]) / (2 * h)) <= 1e-8);
  const std::vector<double> b0 = bv;
  for (int k = 0; k < 6; ++k) {
    bv[k] = b0[k] + h;
    run();
    const double fp = prog[sum(square(JB))].item();
    bv[k] = b0[k] - h;
    run();
    const double fm = prog[sum(square(JB))].item();
    bv = b0;
    BOOST_TEST(std::abs(gbv[k] - (fp - fm) / (2 * h)) <= 1e-8);
  }
}

BOOST_AUTO_TEST_CASE(jacobian_of_a_gradient_is_the_hessian) {
  var<"x", double, shape<3>> x;
  var<"x1", double> x1;
  var<"x2", double> x2;
  var<"x3", double> x3;
  // The same function of a vector and of three scalars.
  auto fv = sum(x * x * x) * 0.5 + sum(tanh(x)) * sum(x);
  auto fs = (x1 * x1 * x1 + x2 * x2 * x2 + x3 * x3 * x3) * 0.5 + (tanh(x1) + tanh(x2) + tanh(x3)) * (x1 + x2 + x3);
  auto H = jacobian(grad(fv, x), x);
  static_assert(std::is_same_v<shape_t<decltype(H)>, shape<3, 3>>);
  auto prog = compile(H);
  std::vector<double> xv{0.2, -0.6, 1.1};
  BOOST_REQUIRE(prog.run(x = xv).ok());
  const std::vector<double> hv(prog[H].begin(), prog[H].end());
  const auto r = value_at(hessian(fs, x1, x2, x3), x1 = xv[0], x2 = xv[1], x3 = xv[2]);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      BOOST_TEST(hv[i * 3 + j] == r[i][j], tt::tolerance(1e-14));
      BOOST_TEST(hv[i * 3 + j] == hv[j * 3 + i], tt::tolerance(1e-14));
    }
}

namespace {
// F = tanh(A X), A [M, K], X [K, N]: dF_ij/dX_lp = (1 - F_ij^2) A_il [j == p] and
// dF_ij/dA_ql = (1 - F_ij^2) [i == q] X_lj, rows i N + j, columns l N + p and q K + l.
template <std::size_t M, std::size_t K, std::size_t N>
void check_tanh_of_matrix_product(jacobian_mode mode_x, jacobian_mode mode_a) {
  var<"A", double, shape<M, K>> A;
  var<"X", double, shape<K, N>> X;
  auto F = tanh(matmul(A, X));
  auto J = jacobian(F, X, A);
  static_assert(std::is_same_v<shape_t<decltype(J[X])>, shape<M * N, K * N>>);
  static_assert(std::is_same_v<shape_t<decltype(J[A])>, shape<M * N, M * K>>);
  BOOST_TEST((jacobian_mode_v<decltype(F), decltype(X)> == mode_x));
  BOOST_TEST((jacobian_mode_v<decltype(F), decltype(A)> == mode_a));
  auto prog = compile(J, F);
  std::mt19937 rng(M * 100 + K * 10 + N);
  std::normal_distribution<double> nd(0.0, 0.5);
  std::vector<double> av(M * K), xv(K * N);
  for (auto& e : av) e = nd(rng);
  for (auto& e : xv) e = nd(rng);
  BOOST_REQUIRE(prog.run(A = av, X = xv).ok());
  const std::vector<double> y(prog[F].begin(), prog[F].end());
  const std::vector<double> jx(prog[J[X]].begin(), prog[J[X]].end()), ja(prog[J[A]].begin(), prog[J[A]].end());
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) {
      const std::size_t row = i * N + j;
      const double d = 1 - y[row] * y[row];
      for (std::size_t l = 0; l < K; ++l)
        for (std::size_t p = 0; p < N; ++p)
          BOOST_TEST(jx[row * K * N + l * N + p] == (j == p ? d * av[i * K + l] : 0.0), tt::tolerance(1e-14));
      for (std::size_t q = 0; q < M; ++q)
        for (std::size_t l = 0; l < K; ++l)
          BOOST_TEST(ja[row * M * K + q * K + l] == (i == q ? d * xv[l * N + j] : 0.0), tt::tolerance(1e-14));
    }
}
}  // namespace

BOOST_AUTO_TEST_CASE(matrix_function_of_matrix_variables_is_flattened_row_major_in_both_modes) {
  check_tanh_of_matrix_product<3, 2, 2>(jacobian_mode::forward, jacobian_mode::forward);  // 6 x 4, 6 x 6
  check_tanh_of_matrix_product<2, 4, 2>(jacobian_mode::reverse, jacobian_mode::reverse);  // 4 x 8, 4 x 8
  check_tanh_of_matrix_product<1, 3, 4>(jacobian_mode::reverse, jacobian_mode::forward);  // 4 x 12, 4 x 3
}

BOOST_AUTO_TEST_CASE(matrix_function_of_a_vector_and_vector_function_of_a_matrix) {
  // F = outer(x, x) * c as [3, 3] (forward: 9 >= 3) and g = tanh(W x) in W [2, 3] (reverse: 2 < 6).
  var<"x", double, shape<3>> x;
  var<"W", double, shape<2, 3>> W;
  var<"c", double, shape<3, 3>> c;
  auto outer = matmul(reshape<shape<3, 1>>(x), reshape<shape<1, 3>>(x)) * c;
  auto g = tanh(matmul(W, x));
  auto Jo = jacobian(outer, x);
  auto Jg = jacobian(g, W);
  auto Js = jacobian(outer, W);   // outer does not use W: zeros of shape [9, 6]
  static_assert(std::is_same_v<shape_t<decltype(Jo)>, shape<9, 3>>);
  static_assert(std::is_same_v<shape_t<decltype(Jg)>, shape<2, 6>>);
  static_assert(std::is_same_v<shape_t<decltype(Js)>, shape<9, 6>>);
  auto prog = compile(Jo, Jg, g, Js);
  const std::vector<double> xv{0.3, -1.2, 0.7}, wv{0.5, -0.1, 0.2, 0.9, 0.4, -0.6}, cv{1, 2, 3, 4, 5, 6, 7, 8, 9};
  BOOST_REQUIRE(prog.run(x = xv, W = wv, c = cv).ok());
  // d(x_i x_j c_ij)/dx_k = c_ij (x_j [i == k] + x_i [j == k]).
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k)
        BOOST_TEST(prog[Jo]((i * 3 + j), k) == cv[i * 3 + j] * ((i == k ? xv[j] : 0.0) + (j == k ? xv[i] : 0.0)),
                   tt::tolerance(1e-14));
  // d tanh(W x)_i / dW_ql = (1 - g_i^2) [i == q] x_l.
  for (int i = 0; i < 2; ++i)
    for (int q = 0; q < 2; ++q)
      for (int l = 0; l < 3; ++l)
        BOOST_TEST(prog[Jg](i, q * 3 + l) == (i == q ? (1 - prog[g][i] * prog[g][i]) * xv[l] : 0.0), tt::tolerance(1e-14));
  for (double e : prog[Js]) BOOST_TEST(e == 0.0);
}

BOOST_AUTO_TEST_CASE(forward_columns_read_the_matrix_instead_of_a_product_by_e_k) {
  // F = A (x ⊙ x) + A exp(x) + tanh(A x), forward (5 >= 3): J = A diag(2x + e^x) + diag(1 - t^2) A.
  // The tangent of A x along e_k is column k of A (ops::column_op), of A (x ⊙ x) column k times 2 x_k.
  var<"x", double, shape<3>> x;
  var<"A", double, shape<5, 3>> A;
  auto t = tanh(matmul(A, x));
  auto F = matmul(A, x * x) + matmul(A, exp(x)) + t;
  auto J = jacobian(F, x);
  static_assert(jacobian_mode_v<decltype(F), decltype(x)> == jacobian_mode::forward);
  static_assert(contains_v<decltype(J), node<ops::column_op<3, 1>, decltype(A)>>);
  static_assert(!contains_v<decltype(J), decltype(matmul(A, node<ops::unit_op<double, shape<3>, 1>>{}))>);
  auto prog = compile(J, t);
  const std::vector<double> xv{0.3, -0.8, 0.5}, av{0.1, -0.4, 0.7, 0.2, 0.9, -0.3, -0.6, 0.5, 0.8, 0.4, -0.2, 0.1, 0.3, 0.6, -0.9};
  BOOST_REQUIRE(prog.run(x = xv, A = av).ok());
  for (int i = 0; i < 5; ++i)
    for (int k = 0; k < 3; ++k) {
      const double ti = prog[t][i];
      const double ref = av[i * 3 + k] * (2 * xv[k] + std::exp(xv[k])) + (1 - ti * ti) * av[i * 3 + k];
      BOOST_TEST(prog[J](i, k) == ref, tt::tolerance(1e-14));
    }
}

BOOST_AUTO_TEST_SUITE_END()
