// Tests for the Jacobian checks: the engine's check_jacobian_vector / check_jacobian
// (ctgrad/check/gradcheck.hpp) on plain callables, and the graph checks check_jvp / check_jacobian /
// check_hvp (ctgrad/check/graph.hpp) on ctgrad expressions. Each passes on correct derivatives and
// FAILS on deliberately wrong ones (a relative 1e-3 error, a wrong sign, one wrong entry).
#define BOOST_TEST_MODULE jacobian
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctgrad/check/boost_test.hpp"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"
#include "support/test_softplus.hpp"

using namespace ctgrad;
namespace check = ctgrad::check;

namespace {

bool contains(const std::string& s, std::string_view what) { return s.find(what) != std::string::npos; }

// F: R^3 -> R^3, F = (sin(x0 x1), exp(x0) + x2^2, tanh(x1) x2) and its Jacobian.
void F3(std::span<const double> x, std::span<double> out) {
  out[0] = std::sin(x[0] * x[1]);
  out[1] = std::exp(x[0]) + x[2] * x[2];
  out[2] = std::tanh(x[1]) * x[2];
}
std::vector<double> J3(std::span<const double> x) {
  const double c = std::cos(x[0] * x[1]), t = std::tanh(x[1]);
  return {c * x[1], c * x[0], 0,  //
          std::exp(x[0]), 0, 2 * x[2],  //
          0, (1 - t * t) * x[2], t};
}
std::vector<double> times(const std::vector<double>& J, std::span<const double> dx) {
  const std::size_t n = dx.size(), m = J.size() / n;
  std::vector<double> out(m, 0.0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t k = 0; k < n; ++k) out[i] += J[i * n + k] * dx[k];
  return out;
}
// Rounds to float and back (the inputs of an f32 check must be float-representable).
std::vector<double> as_float(std::vector<double> v) {
  for (double& e : v) e = static_cast<double>(static_cast<float>(e));
  return v;
}

const std::vector<double> x3{0.75, -1.25, 0.5}, dx3{1.0, 0.5, -2.0};

using ctgrad_test::test_softplus;

}  // namespace

BOOST_AUTO_TEST_SUITE(engine)

BOOST_AUTO_TEST_CASE(a_correct_jacobian_vector_product_passes_in_f64_and_f32) {
  const auto jv = times(J3(x3), dx3);
  const auto r = check::check_jacobian_vector(F3, x3, dx3, jv, check::dtype::f64);
  CTGRAD_REQUIRE_GRADIENTS(r);
  BOOST_TEST(r->checked == 3u);
  BOOST_TEST(r->weak == 0u);
  // f32: the analytic side rounded to float (as a float graph would give it)
  const auto xf = as_float({0.3, 1.7, -0.9}), dxf = as_float({0.25, -1.5, 1.0});
  auto jf = times(J3(xf), dxf);
  for (double& e : jf) e = static_cast<double>(static_cast<float>(e));
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian_vector(F3, xf, dxf, jf, check::dtype::f32));
}

BOOST_AUTO_TEST_CASE(a_wrong_jacobian_vector_product_fails_at_the_wrong_output) {
  auto jv = times(J3(x3), dx3);
  jv[1] *= 1 + 1e-3;
  const auto r = check::check_jacobian_vector(F3, x3, dx3, jv, check::dtype::f64);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(!r->passed);
  BOOST_TEST(r->failed == 1u, r->to_string());
  BOOST_TEST(r->worst[0].variable == "jvp");
  BOOST_TEST(r->worst[0].index == 1u);
  BOOST_TEST(contains(r->to_string(), "jvp[1]"));
  // a sign flip, in f32
  const auto xf = as_float({0.3, 1.7, -0.9}), dxf = as_float({0.25, -1.5, 1.0});
  auto jf = times(J3(xf), dxf);
  jf[2] = -jf[2];
  const auto rf = check::check_jacobian_vector(F3, xf, dxf, jf, check::dtype::f32);
  BOOST_TEST_REQUIRE(rf.ok());
  BOOST_TEST(rf->failed == 1u, rf->to_string());
  // 1e-3 relative in f32 is caught too
  jf = times(J3(xf), dxf);
  jf[0] *= 1 + 1e-3;
  BOOST_TEST(!check::passed(check::check_jacobian_vector(F3, xf, dxf, jf, check::dtype::f32)));
}

BOOST_AUTO_TEST_CASE(a_correct_jacobian_passes_and_one_wrong_entry_is_named) {
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(F3, x3, J3(x3), check::dtype::f64));
  auto J = J3(x3);
  J[1 * 3 + 2] *= 1 + 1e-3;  // dF1/dx2
  const auto r = check::check_jacobian(F3, x3, J, check::dtype::f64);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->checked == 9u);
  BOOST_TEST(r->failed == 1u, r->to_string());
  BOOST_TEST(r->worst[0].variable == "dF[1]/dx");
  BOOST_TEST(r->worst[0].index == 2u);
  BOOST_TEST(contains(r->to_string(), "dF[1]/dx[2]"));
  // a zero entry that should not be: dF0/dx2 = 0 exactly, claimed 1e-3
  J = J3(x3);
  J[2] = 1e-3;
  BOOST_TEST(check::check_jacobian(F3, x3, J, check::dtype::f64)->failed == 1u);
  // a Jacobian transposed is wrong
  J = J3(x3);
  std::vector<double> T(9);
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k) T[k * 3 + i] = J[i * 3 + k];
  BOOST_TEST(!check::passed(check::check_jacobian(F3, x3, T, check::dtype::f64)));
}

BOOST_AUTO_TEST_CASE(a_non_square_jacobian_in_projection_mode) {
  // F: R^40 -> R^2, F0 = sum tanh(x_k), F1 = sum k x_k^2 / 40; projection mode from 8 inputs on
  std::vector<double> x(40);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = as_float({std::sin(double(k))})[0];
  auto F = [](std::span<const double> y, std::span<double> out) {
    out[0] = out[1] = 0;
    for (std::size_t k = 0; k < y.size(); ++k) {
      out[0] += std::tanh(y[k]);
      out[1] += double(k) * y[k] * y[k] / 40;
    }
  };
  std::vector<double> J(80);
  for (std::size_t k = 0; k < 40; ++k) {
    J[k] = 1 - std::tanh(x[k]) * std::tanh(x[k]);
    J[40 + k] = 2 * double(k) * x[k] / 40;
  }
  check::options o;
  o.full_jacobian_limit = 8;
  const auto r = check::check_jacobian(F, x, J, check::dtype::f64, o);
  CTGRAD_REQUIRE_GRADIENTS(r);
  BOOST_TEST((r->mode == check::check_mode::projection));
  for (double& e : std::span(J).subspan(40)) e *= 1 + 1e-3;  // row 1 off by 1e-3
  const auto bad = check::check_jacobian(F, x, J, check::dtype::f64, o);
  BOOST_TEST_REQUIRE(bad.ok());
  BOOST_TEST(!bad->passed);
  for (const auto& e : bad->worst)
    if (e.status == check::element_status::failed) BOOST_TEST(contains(e.variable, "dF[1]/dx"), e.variable);
}

BOOST_AUTO_TEST_CASE(kinks_shrink_the_step_or_skip) {
  // F = (|x0| + x1, x0 x1): kink of x0 at 0
  auto F = [](std::span<const double> y, std::span<double> out) {
    out[0] = std::abs(y[0]) + y[1];
    out[1] = y[0] * y[1];
  };
  const std::array<double, 1> zero{0.0};
  const check::kink_set kinks{zero};
  const std::vector<double> near{1e-4, 2.0}, dx{1.0, -1.0};
  const std::vector<double> jv{1.0 - 1.0, 2.0 * 1.0 + 1e-4 * -1.0};
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian_vector(F, near, dx, jv, check::dtype::f64, {}, {}, kinks));
  const std::vector<double> at{1e-15, 2.0};
  const auto r = check::check_jacobian_vector(F, at, dx, jv, check::dtype::f64, {}, {}, kinks);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->skipped == 2u);
  BOOST_TEST(!r->passed);  // nothing compared
  // dx zero in the kinked element: no stencil there, nothing is skipped
  const std::vector<double> dx1{0.0, 1.0}, jv1{1.0, 1e-15};
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian_vector(F, at, dx1, jv1, check::dtype::f64, {}, {}, kinks));
}

BOOST_AUTO_TEST_CASE(wrong_sizes_and_inputs_are_status_errors) {
  const auto jv = times(J3(x3), dx3);
  const std::vector<double> two{1.0, 2.0}, zero3{0.0, 0.0, 0.0};
  auto msg = [](const auto& r) { return r.ok() ? std::string("ok") : std::string(r.status().message()); };
  BOOST_TEST(contains(msg(check::check_jacobian_vector(F3, x3, two, jv, check::dtype::f64)), "dx has 2 entries but x has 3"));
  BOOST_TEST(contains(msg(check::check_jacobian_vector(F3, x3, zero3, jv, check::dtype::f64)), "dx is zero"));
  BOOST_TEST(contains(msg(check::check_jacobian_vector(F3, x3, dx3, {}, check::dtype::f64)), "no outputs"));
  BOOST_TEST(contains(msg(check::check_jacobian_vector(F3, x3, dx3, jv, check::dtype::f64, {}, two)), "3 outputs but 2 magnitudes"));
  const std::vector<double> not_float{0.1, 0.5, 0.25};
  BOOST_TEST(contains(msg(check::check_jacobian_vector(F3, not_float, dx3, jv, check::dtype::f32)), "not representable in float"));
  BOOST_TEST(contains(msg(check::check_jacobian_vector(F3, x3, not_float, jv, check::dtype::f32)), "dx[0]"));
  const std::vector<double> eight(8, 0.0);
  BOOST_TEST(contains(msg(check::check_jacobian(F3, x3, eight, check::dtype::f64)), "not m x 3"));
  BOOST_TEST(contains(msg(check::check_jacobian(F3, x3, J3(x3), check::dtype::f64, {}, two)), "2 magnitudes for a 3 x 3"));
  BOOST_TEST(contains(msg(check::check_jacobian(F3, {}, J3(x3), check::dtype::f64)), "no input elements"));
  auto bad = [](std::span<const double>, std::span<double> out) { out[0] = out[1] = std::nan(""); };
  BOOST_TEST(contains(msg(check::check_jacobian(bad, two, std::vector<double>(4, 0.0), check::dtype::f64)), "F(x)[0] = nan"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(graph)

template <class T> auto forward_graph() {
  var<"x", T, shape<3>> x;
  var<"A", T, shape<4, 3>> A;
  return tanh(matmul(A, x)) * sum(x * x);
}
template <class T> std::vector<T> A_values() {
  std::vector<T> a(12);
  for (int i = 0; i < 12; ++i) a[i] = static_cast<T>(0.125 * (i - 5));
  return a;
}

BOOST_AUTO_TEST_CASE(jvp_and_jacobian_of_correct_graphs_pass_in_double_and_float) {
  var<"x", double, shape<3>> x;
  var<"A", double, shape<4, 3>> A;
  var<"xf", float, shape<3>> xf;
  var<"Af", float, shape<4, 3>> Af;
  const std::vector<double> xv{0.5, -0.25, 0.75}, dx{1.0, -0.5, 0.25}, av = A_values<double>();
  const std::vector<float> xfv{0.5f, -0.25f, 0.75f}, dxf{1.0f, -0.5f, 0.25f}, afv = A_values<float>();
  const auto F = tanh(matmul(A, x)) * sum(x * x);
  const auto Ff = tanh(matmul(Af, xf)) * sum(xf * xf);
  const auto r = check::check_jvp(F, check::wrt(x), dx, x = xv, A = av);
  CTGRAD_REQUIRE_GRADIENTS(r);
  BOOST_TEST(r->checked == 4u);
  CTGRAD_CHECK_GRADIENTS(check::check_jvp(Ff, check::wrt(xf), dxf, xf = xfv, Af = afv));
  const auto rj = check::check_jacobian(F, check::wrt(x), x = xv, A = av);   // forward mode, [4, 3]
  CTGRAD_REQUIRE_GRADIENTS(rj);
  BOOST_TEST(rj->checked == 12u);
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(Ff, check::wrt(xf), xf = xfv, Af = afv));
  // reverse mode ([2] from [3]) and a scalar F (the gradient)
  var<"B", double, shape<2, 3>> B;
  const std::vector<double> bv{0.1, 0.2, -0.3, 0.4, -0.5, 0.6};
  const auto F2 = sigmoid(matmul(B, x)) + sum(square(x));
  static_assert(jacobian_mode_v<decltype(F2), decltype(x)> == jacobian_mode::reverse);
  const auto r2 = check::check_jacobian(F2, check::wrt(x), x = xv, B = bv);
  CTGRAD_REQUIRE_GRADIENTS(r2);
  BOOST_TEST(r2->checked == 6u);
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(sum(sigmoid(matmul(B, x))), check::wrt(x), x = xv, B = bv));
  // the Jacobian in a scalar variable (a column) and of a scalar graph (value_at)
  var<"s", double> s;
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(tanh(x * s), check::wrt(s), x = xv, s = 0.5));
  var<"a", double> a;
  CTGRAD_CHECK_GRADIENTS(check::check_jvp(sigmoid(a * s) * exp(a), check::wrt(a), std::vector<double>{1.5}, a = 0.25, s = -0.75));
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(sigmoid(a * s) * exp(a), check::wrt(a), a = 0.25, s = -0.75));
}

BOOST_AUTO_TEST_CASE(jacobian_of_matrix_graphs_in_matrix_variables_passes_in_double_and_float) {
  // F = sigmoid(A X) * sum(X), [4, 2] in X [3, 2] (forward, 8 x 6) and in A [4, 3] (reverse, 8 x 12).
  var<"X", double, shape<3, 2>> X;
  var<"A", double, shape<4, 3>> A;
  var<"Xf", float, shape<3, 2>> Xf;
  var<"Af", float, shape<4, 3>> Af;
  const std::vector<double> xv{0.5, -0.25, 0.75, 0.1, -0.6, 0.3}, av = A_values<double>();
  const std::vector<float> xfv{0.5f, -0.25f, 0.75f, 0.1f, -0.6f, 0.3f}, afv = A_values<float>();
  const auto F = sigmoid(matmul(A, X)) * sum(X);
  const auto Ff = sigmoid(matmul(Af, Xf)) * sum(Xf);
  static_assert(jacobian_mode_v<decltype(F), decltype(X)> == jacobian_mode::forward);
  static_assert(jacobian_mode_v<decltype(F), decltype(A)> == jacobian_mode::reverse);
  const auto rx = check::check_jacobian(F, check::wrt(X), X = xv, A = av);
  CTGRAD_REQUIRE_GRADIENTS(rx);
  BOOST_TEST(rx->checked == 48u);
  const auto ra = check::check_jacobian(F, check::wrt(A), X = xv, A = av);
  CTGRAD_REQUIRE_GRADIENTS(ra);
  BOOST_TEST(ra->checked == 96u);
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(Ff, check::wrt(Xf), Xf = xfv, Af = afv));
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(Ff, check::wrt(Af), Xf = xfv, Af = afv));
}

BOOST_AUTO_TEST_CASE(hessian_blocks_of_tensor_variables_pass_as_jacobians_of_the_gradient) {
  // hessian(f, x, A)'s blocks are jacobian(grad(f, vi), vj): checked against central differences of
  // the gradient of the double graph, f = sum(tanh(A x)) * sum(x), x [3], A [4, 3].
  var<"x", double, shape<3>> x;
  var<"A", double, shape<4, 3>> A;
  const std::vector<double> xv{0.5, -0.25, 0.75}, av = A_values<double>();
  const auto f = sum(tanh(matmul(A, x))) * sum(x);
  const auto h = hessian(f, x, A);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(h(x, A))>, decltype(jacobian(grad(f, x), A))>);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(h(A, A))>, decltype(jacobian(grad(f, A), A))>);
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(grad(f, x), check::wrt(x), x = xv, A = av));
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(grad(f, x), check::wrt(A), x = xv, A = av));
  const auto raa = check::check_jacobian(grad(f, A), check::wrt(A), x = xv, A = av);
  CTGRAD_REQUIRE_GRADIENTS(raa);
  BOOST_TEST(raa->checked == 144u);
}

BOOST_AUTO_TEST_CASE(hvp_of_correct_tensor_and_scalar_graphs_passes) {
  var<"x", double, shape<3>> x;
  var<"A", double, shape<4, 3>> A;
  var<"xf", float, shape<3>> xf;
  var<"Af", float, shape<4, 3>> Af;
  const std::vector<double> xv{0.5, -0.25, 0.75}, av = A_values<double>();
  const std::vector<float> xfv{0.5f, -0.25f, 0.75f}, afv = A_values<float>();
  const auto r = check::check_hvp(sum(tanh(matmul(A, x))) * sum(x * x), check::wrt(x), x = xv, A = av);
  CTGRAD_REQUIRE_GRADIENTS(r);
  BOOST_TEST(r->checked == 3u);
  CTGRAD_CHECK_GRADIENTS(check::check_hvp(sum(tanh(matmul(Af, xf))) * sum(xf * xf), check::wrt(xf), xf = xfv, Af = afv));
  var<"a", double> a;
  var<"b", double> b;
  CTGRAD_CHECK_GRADIENTS(check::check_hvp(sigmoid(a * b) * a * a, check::wrt(a), a = 0.7, b = -0.4));
}

BOOST_AUTO_TEST_CASE(tangents_through_broadcasts_and_softmax_pass) {
  // a tangent of a bias that is broadcast over the batch (jvp of a [4, 5] graph), softmax's full
  // Jacobian, and the Hessian-vector product of a loss in its bias (float)
  var<"x", float, shape<dyn, 6>> x;
  var<"W", float, shape<6, 5>> W;
  var<"b", float, shape<5>> b;
  var<"y", int, shape<dyn>> y;
  std::vector<float> xv(24), wv(30);
  for (std::size_t i = 0; i < xv.size(); ++i) xv[i] = static_cast<float>(std::sin(1.0 + double(i)));
  for (std::size_t i = 0; i < wv.size(); ++i) wv[i] = static_cast<float>(std::cos(2.0 * double(i)));
  const std::vector<float> bv{0.5f, -0.25f, 1.0f, -1.5f, 0.75f}, db{1.0f, -2.0f, 0.5f, 0.25f, -1.0f};
  const std::vector<int> yv{0, 4, 2, 1};
  const auto hidden = tanh(matmul(x, W) + b);
  const auto r = check::check_jvp(hidden, check::wrt(b), db, x = xv, W = wv, b = bv);
  CTGRAD_REQUIRE_GRADIENTS(r);
  BOOST_TEST(r->checked == 20u);
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(softmax(b), check::wrt(b), b = bv));
  CTGRAD_CHECK_GRADIENTS(check::check_hvp(cross_entropy(hidden, y), check::wrt(b), x = xv, W = wv, b = bv, y = yv));
}

BOOST_AUTO_TEST_CASE(wrong_first_derivatives_fail_jvp_and_jacobian) {
  var<"x", double, shape<4>> x;
  var<"xf", float, shape<4>> xf;
  const std::vector<double> xv{-2.0, -0.5, 0.25, 1.5}, dx{1.0, 0.5, -0.75, 2.0};
  const std::vector<float> xfv{-2.0f, -0.5f, 0.25f, 1.5f}, dxf{1.0f, 0.5f, -0.75f, 2.0f};
  for (const auto& r : {check::check_jvp(activate<test_softplus<1>>(x), check::wrt(x), dx, x = xv),
                        check::check_jvp(activate<test_softplus<2>>(x), check::wrt(x), dx, x = xv)}) {
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(r->failed == 4u, r->to_string());
  }
  const auto rf = check::check_jvp(activate<test_softplus<1>>(xf), check::wrt(xf), dxf, xf = xfv);
  BOOST_TEST_REQUIRE(rf.ok());
  BOOST_TEST(rf->failed == 4u, rf->to_string());
  const auto rj = check::check_jacobian(activate<test_softplus<1>>(x), check::wrt(x), x = xv);
  BOOST_TEST_REQUIRE(rj.ok());
  BOOST_TEST(rj->checked == 16u);
  BOOST_TEST(rj->failed == 4u, rj->to_string());  // the diagonal
  for (const auto& e : rj->worst)
    if (e.status == check::element_status::failed)
      BOOST_TEST(e.variable == "dF[" + std::to_string(e.index) + "]/dx");
  const auto rjf = check::check_jacobian(activate<test_softplus<2>>(xf), check::wrt(xf), xf = xfv);
  BOOST_TEST(rjf->failed == 4u, rjf->to_string());
  // the correct activation passes the same checks
  CTGRAD_CHECK_GRADIENTS(check::check_jvp(activate<test_softplus<0>>(x), check::wrt(x), dx, x = xv));
  CTGRAD_CHECK_GRADIENTS(check::check_jacobian(activate<test_softplus<0>>(xf), check::wrt(xf), xf = xfv));
}

BOOST_AUTO_TEST_CASE(a_wrong_second_derivative_fails_hvp) {
  var<"x", double, shape<4>> x;
  var<"xf", float, shape<4>> xf;
  const std::vector<double> xv{-2.0, -0.5, 0.25, 1.5};
  const std::vector<float> xfv{-2.0f, -0.5f, 0.25f, 1.5f};
  const auto r = check::check_hvp(sum(activate<test_softplus<3>>(x)), check::wrt(x), x = xv);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->failed == 4u, r->to_string());
  const auto rf = check::check_hvp(sum(activate<test_softplus<3>>(xf) * xf), check::wrt(xf), xf = xfv);
  BOOST_TEST_REQUIRE(rf.ok());
  BOOST_TEST(!rf->passed, rf->to_string());
  CTGRAD_CHECK_GRADIENTS(check::check_hvp(sum(activate<test_softplus<0>>(x)), check::wrt(x), x = xv));
  // scalar graph: reverse over reverse
  var<"a", double> a;
  const auto rs = check::check_hvp(activate<test_softplus<3>>(a), check::wrt(a), a = 0.5);
  BOOST_TEST_REQUIRE(rs.ok());
  BOOST_TEST(!rs->passed, rs->to_string());
}

BOOST_AUTO_TEST_CASE(bad_tangents_and_bindings_are_status_errors) {
  var<"x", double, shape<3>> x;
  const std::vector<double> xv{0.5, -0.25, 0.75}, two{1.0, 2.0}, zero{0.0, 0.0, 0.0};
  const auto r = check::check_jvp(tanh(x), check::wrt(x), two, x = xv);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(contains(std::string(r.status().message()), "check_jvp: "), r.status().ToString());
  const auto z = check::check_jvp(tanh(x), check::wrt(x), zero, x = xv);
  BOOST_TEST_REQUIRE(!z.ok());
  BOOST_TEST(contains(std::string(z.status().message()), "dx is zero"), z.status().ToString());
  const auto j = check::check_jacobian(tanh(x), check::wrt(x), x = two);
  BOOST_TEST_REQUIRE(!j.ok());
  BOOST_TEST(contains(std::string(j.status().message()), "check_jacobian: "), j.status().ToString());
  const auto h = check::check_hvp(sum(tanh(x)), check::wrt(x), x = two);
  BOOST_TEST(!h.ok());
}

BOOST_AUTO_TEST_SUITE_END()
