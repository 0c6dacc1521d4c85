// Tests for ctgrad/check/graph.hpp (and core/retype.hpp): check_gradients passes on correct graphs
// (float and double, scalar and tensor, first and second order) and FAILS on graphs built with a
// deliberately wrong derivative (a 1e-3 relative error, a wrong sign, a wrong side of a kink).
#define BOOST_TEST_MODULE graph
#include <boost/test/results_collector.hpp>

#include <array>
#include <cmath>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctgrad/check/boost_test.hpp"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"
#include "support/test_softplus.hpp"

using namespace ctgrad;
namespace check = ctgrad::check;

namespace {

// ---- test-only activations with a wrong derivative (never registered in activation_list) ----------
using ctgrad_test::test_softplus;

// leaky relu (slope 0.25) whose d1 is wrong on the left of its kink only (1/4 -> 1/8).
struct test_leaky_wrong_left {
  [[maybe_unused]] static constexpr std::string_view name = "test_leaky_wrong_left";
  static constexpr std::array<param_info, 0> params{};
  template <class T> static constexpr std::array<T, 1> kinks() noexcept { return {T(0)}; }
  template <class T> static constexpr T value(T x) noexcept { return x > T(0) ? x : x / T(4); }
  template <class T> static constexpr T d1(T x, T) noexcept { return x > T(0) ? T(1) : T(0.125); }
  template <class T> static constexpr T d2(T, T) noexcept { return T(0); }
};

var<"a", double> a;
var<"b", double> b;
var<"af", float> af;
var<"bf", float> bf;

bool contains(const std::string& s, std::string_view what) { return s.find(what) != std::string::npos; }

// A small MLP batch: x[4,6] -> 5 (activation F) -> 3, cross-entropy, in element type T.
template <class T, class Act> auto mlp_report(Act act) {
  var<"x", T, shape<dyn, 6>> x;
  var<"W1", T, shape<6, 5>> W1;
  var<"b1", T, shape<5>> b1;
  var<"W2", T, shape<5, 3>> W2;
  var<"b2", T, shape<3>> b2;
  var<"y", int, shape<dyn>> y;
  auto loss = cross_entropy(matmul(act(matmul(x, W1) + b1), W2) + b2, y);
  std::mt19937 rng(11);
  std::normal_distribution<double> nd;
  std::vector<T> xv(24), w1(30), bb1(5), w2(15), bb2(3);
  for (auto* v : {&xv, &w1, &bb1, &w2, &bb2})
    for (auto& e : *v) e = static_cast<T>(nd(rng));
  std::vector<int> yv{0, 2, 1, 2};
  return check::check_gradients(loss, check::wrt(W1, b1, W2, b2), x = xv, W1 = w1, b1 = bb1, W2 = w2,
                                b2 = bb2, y = yv);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(graph)

BOOST_AUTO_TEST_CASE(with_element_type_retypes_variables_literals_and_keeps_labels) {
  var<"x", float, shape<dyn, 3>> x;
  var<"y", int, shape<dyn>> y;
  auto f = cross_entropy(x * 2.5f + 1.0f, y);
  auto fd = with_element_type<double>(f);
  static_assert(std::is_same_v<value_t<decltype(fd)>, double>);
  static_assert(contains_v<decltype(fd), var<"x", double, shape<dyn, 3>>>);
  static_assert(contains_v<decltype(fd), var<"y", int, shape<dyn>>>);
  static_assert(!contains_v<decltype(fd), var<"x", float, shape<dyn, 3>>>);
  static_assert(std::is_same_v<with_element_type_t<float, decltype(f)>, decltype(f)>);
  // the same values: evaluate both
  std::vector<float> xf{0.5f, -1.25f, 2.0f, 3.0f, 0.0f, -0.5f};
  std::vector<double> xd(xf.begin(), xf.end());
  std::vector<int> yv{2, 0};
  var<"x", double, shape<dyn, 3>> xdv;
  auto pf = compile(f);
  auto pd = compile(fd);
  BOOST_TEST_REQUIRE(pf.run(x = xf, y = yv).ok());
  BOOST_TEST_REQUIRE(pd.run(xdv = xd, y = yv).ok());
  BOOST_TEST(std::abs(pd.get<0>().item() - double(pf.get<0>().item())) < 1e-6);
  // constants produced by grad are retyped too
  constexpr auto g = with_element_type<double>(grad(af * af * 3.0f, af));
  static_assert(std::is_same_v<value_t<decltype(g)>, double>);
  static_assert(value_at(g, var<"af", double>{} = 2.0) == 12.0);
}

BOOST_AUTO_TEST_CASE(correct_scalar_graphs_pass_in_double_and_float) {
  CTGRAD_CHECK_GRADIENTS(check::check_gradients(sigmoid(a * b) + tanh(a) * exp(b), check::wrt(a, b),
                                                a = 0.3, b = -1.2));
  CTGRAD_CHECK_GRADIENTS(check::check_gradients(sigmoid(af * bf) + tanh(af) * exp(bf), check::wrt(af, bf),
                                                af = 0.3f, bf = -1.25f));
  // only some of the variables checked; b is bound as data
  const auto r = check::check_gradients(gelu(a) * b, check::wrt(a), a = -0.75, b = 2.0);
  CTGRAD_REQUIRE_GRADIENTS(r);
  BOOST_TEST(r->checked == 1u);
  BOOST_TEST((r->analytic_dtype == check::dtype::f64));
}

BOOST_AUTO_TEST_CASE(correct_tensor_graphs_pass_in_double_and_float) {
  CTGRAD_CHECK_GRADIENTS(mlp_report<double>([](const auto& h) { return tanh(h); }));
  const auto rf = mlp_report<float>([](const auto& h) { return gelu(h); });
  CTGRAD_CHECK_GRADIENTS(rf);
  BOOST_TEST((rf->analytic_dtype == check::dtype::f32));
  BOOST_TEST(rf->checked == 53u);  // 30 + 5 + 15 + 3 parameters
}

// A variable used transposed, in a matrix-vector and a matrix-matrix product: its gradient goes
// through transpose's own VJP (the adjoint transposed back), which the MLP above never uses.
template <class T> auto transposed_report() {
  var<"W", T, shape<3, 4>> W;
  var<"v", T, shape<3>> v;
  var<"B", T, shape<3, 2>> B;
  const std::vector<T> wv{T(0.5), T(-1.25), T(0.75), T(2), T(-0.5), T(1), T(0.25), T(-1.5), T(1.25), T(-0.75), T(0.5), T(1.5)};
  const std::vector<T> vv{T(0.5), T(-1), T(0.75)}, bv{T(1), T(-0.5), T(0.25), T(0.75), T(-1.25), T(0.5)};
  return check::check_gradients(sum(tanh(matmul(transpose(W), v))) + sum(sigmoid(matmul(transpose(W), B))),
                                check::wrt(W, v, B), W = wv, v = vv, B = bv);
}

BOOST_AUTO_TEST_CASE(gradients_through_transpose_pass_in_double_and_float) {
  CTGRAD_CHECK_GRADIENTS(transposed_report<double>());
  CTGRAD_CHECK_GRADIENTS(transposed_report<float>());
}

BOOST_AUTO_TEST_CASE(a_relative_1e_3_error_in_a_derivative_fails_scalar_and_tensor) {
  for (double x : {-3.0, -0.5, 0.25, 2.0}) {
    const auto r = check::check_gradients(activate<test_softplus<1>>(a) * b, check::wrt(a), a = x, b = 1.5);
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(!r->passed, "x = " << x << ":\n" << r->to_string());
    const auto rf = check::check_gradients(activate<test_softplus<1>>(af), check::wrt(af), af = float(x));
    BOOST_TEST(!check::passed(rf), "f32, x = " << x);
  }
  const auto bad = mlp_report<double>([](const auto& h) { return activate<test_softplus<1>>(h); });
  BOOST_TEST_REQUIRE(bad.ok());
  BOOST_TEST(!bad->passed);
  BOOST_TEST(bad->failed >= 20u);  // every W1 and b1 element (35) goes through the wrong derivative
  const auto good = mlp_report<double>([](const auto& h) { return activate<test_softplus<0>>(h); });
  CTGRAD_CHECK_GRADIENTS(good);
}

BOOST_AUTO_TEST_CASE(a_wrong_sign_fails) {
  const auto r = check::check_gradients(activate<test_softplus<2>>(a * b), check::wrt(a, b), a = 0.5, b = 1.0);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->failed == 2u);
  BOOST_TEST(contains(check::failure_message(r), "FAILED"));
}

BOOST_AUTO_TEST_CASE(a_derivative_wrong_on_one_side_of_a_kink_fails_there_only) {
  var<"x", double, shape<8>> x;
  const std::vector<double> xv{-2.0, -0.5, -1e-3, -1e-7, 1e-7, 1e-3, 0.5, 2.0};
  const auto r = check::check_gradients(sum(activate<test_leaky_wrong_left>(x)), check::wrt(x), x = xv);
  BOOST_TEST_REQUIRE(r.ok());
  BOOST_TEST(r->failed == 4u, r->to_string());
  BOOST_TEST(r->checked == 8u);  // the kink at 0 is known: no element is unresolved or skipped
  for (const auto& e : r->worst)
    if (e.status == check::element_status::failed) BOOST_TEST(e.input < 0);
  // relu's own derivative passes at the same points (kinks declared from the graph)
  CTGRAD_CHECK_GRADIENTS(check::check_gradients(sum(relu(x) * x), check::wrt(x), x = xv));
}

BOOST_AUTO_TEST_CASE(input_kinks_come_from_activations_applied_to_the_variable) {
  BOOST_TEST(check::input_kinks<decltype(a)>(hardtanh(a, -2.0, 0.5) + relu(a * b)) ==
             (std::vector<double>{-2.0, 0.5}));
  BOOST_TEST(check::input_kinks<decltype(a)>(softplus(a, 2.0, 10.0)) == (std::vector<double>{5.0}));
  BOOST_TEST(check::input_kinks<decltype(b)>(relu(a) * b).empty());
}

BOOST_AUTO_TEST_CASE(second_order_passes_on_correct_graphs_and_fails_on_a_wrong_d2) {
  CTGRAD_CHECK_GRADIENTS(check::check_second_order(sigmoid(a * b) + a * a * tanh(b), check::wrt(a, b),
                                                   a = 0.7, b = -0.4));
  CTGRAD_CHECK_GRADIENTS(check::check_second_order(mish(af) * bf, check::wrt(af, bf), af = 0.75f, bf = 2.0f));
  // the arithmetic ops' second derivatives: square and sqrt differentiate their 2x (twice), log and
  // div their quotients, pow its lowered power, abs its sign
  CTGRAD_CHECK_GRADIENTS(check::check_second_order(square(a) * sqrt(b) + log(a) / b + pow(a * b, 3) - abs(a) * b,
                                                   check::wrt(a, b), a = 0.7, b = 1.3));
  CTGRAD_CHECK_GRADIENTS(check::check_second_order(activate<test_softplus<0>>(a), check::wrt(a), a = 0.5));
  for (double x : {-2.0, 0.5, 3.0}) {
    const auto r = check::check_second_order(activate<test_softplus<3>>(a), check::wrt(a), a = x);
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(!r->passed, "x = " << x << ":\n" << r->to_string());
  }
}

BOOST_AUTO_TEST_CASE(bad_bindings_are_status_errors) {
  var<"x", double, shape<4>> x;
  const std::vector<double> three{1, 2, 3};
  const auto r = check::check_gradients(sum(x * x), check::wrt(x), x = three);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(contains(std::string(r.status().message()), "check_gradients: bind: variable 'x'"),
             r.status().ToString());
  const auto nan = check::check_gradients(a * a, check::wrt(a), a = std::nan(""));
  BOOST_TEST(!nan.ok());
}

BOOST_AUTO_TEST_SUITE_END()
