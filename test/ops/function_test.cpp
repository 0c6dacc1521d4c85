// Tests for ctgrad/ops/function.hpp (elementwise<F>, the fn_op/fn_d1_op/fn_d2_op nodes) and
// ctgrad/check/function.hpp (check_function): a user's function of several arguments through grad,
// jvp, hessian, value_at and compile(), and the checker catching a wrong rule.
#define BOOST_TEST_MODULE function
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "ctgrad/check/function.hpp"
#include "ctgrad/ctgrad.hpp"

#include "support/count_allocations.hpp"  // ctgrad_test::heap_allocations

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {

// f(x, y) = x^2 y + exp(x - y): smooth, every first and second partial distinct.
struct poly_exp {
  static constexpr std::string_view name = "poly_exp";
  static constexpr std::size_t arity = 2;
  template <class T, class M = math::loop_math> static constexpr T value(T x, T y) noexcept {
    return x * x * y + M::exp(x - y);
  }
  template <std::size_t I, class T, class M = math::loop_math> static constexpr T d1(T x, T y, T) noexcept {
    if constexpr (I == 0) return T(2) * x * y + M::exp(x - y);
    else return x * x - M::exp(x - y);
  }
  template <std::size_t I, std::size_t J, class T, class M = math::loop_math>
  static constexpr T d2(T x, T y, T) noexcept {
    if constexpr (I == 0 && J == 0) return T(2) * y + M::exp(x - y);
    else if constexpr (I == 0 && J == 1) return T(2) * x - M::exp(x - y);
    else return M::exp(x - y);
  }
};

// The same value with a wrong partial in y (a relative error of 1e-3) and no second derivatives.
struct poly_exp_wrong {
  static constexpr std::string_view name = "poly_exp_wrong";
  static constexpr std::size_t arity = 2;
  template <class T> static constexpr T value(T x, T y) noexcept { return poly_exp::value<T>(x, y); }
  template <std::size_t I, class T> static constexpr T d1(T x, T y, T v) noexcept {
    if constexpr (I == 0) return poly_exp::d1<0, T>(x, y, v);
    else return poly_exp::d1<1, T>(x, y, v) * T(1.001);
  }
};

// A function of one argument written like an activation (no arity: d1(x, y)), with a kink at 1 and no
// second derivative: |x - 1| + x.
struct kinked {
  static constexpr std::string_view name = "kinked";
  template <class T> static constexpr std::array<T, 1> kinks() noexcept { return {T(1)}; }
  template <class T> static constexpr T value(T x) noexcept { return math::abs(x - T(1)) + x; }
  template <class T> static constexpr T d1(T x, T) noexcept { return x > T(1) ? T(2) : T(0); }
};

// x e^x, declaring the part its value and first derivative share (ops::fn_has_shared): e^x.
struct x_exp {
  static constexpr std::string_view name = "x_exp";
  template <class T, class M = math::loop_math> static constexpr T shared(T x) noexcept { return M::exp(x); }
  template <class T, class M = math::loop_math> static constexpr T value_given(T x, T e) noexcept { return x * e; }
  template <class T, class M = math::loop_math> static constexpr T d1_given(T x, T e) noexcept { return (T(1) + x) * e; }
  template <class T, class M = math::loop_math> static constexpr T value(T x) noexcept {
    return value_given<T, M>(x, shared<T, M>(x));
  }
  template <class T, class M = math::loop_math> static constexpr T d1(T x, T) noexcept {
    return d1_given<T, M>(x, shared<T, M>(x));
  }
  template <class T, class M = math::loop_math> static constexpr T d2(T x, T) noexcept { return (T(2) + x) * M::exp(x); }
};

var<"x", double> x;
var<"y", double> y;

/// How many instructions of value_at's program for the roots Rs compute F's shared part.
template <class F, class... Rs> int shared_parts() {
  using M = math::scalar_math;
  const auto& p = detail::flat::program_v<double, M, Rs...>;
  const detail::flat::exec_fn<double> shared =
      &detail::flat::exec<node<ops::fn_shared_op<F>, detail::flat::ref<double, 0>>, M, double>;
  int n = 0;
  for (std::size_t i = 0; i < p.ops; ++i) n += p.op_fn[i] == shared;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(function)

BOOST_AUTO_TEST_CASE(value_gradient_and_hessian_match_hand_derived_partials) {
  const double xv = 0.7, yv = -0.4, e = std::exp(xv - yv);
  const auto f = elementwise<poly_exp>(x, y);
  BOOST_TEST(value_at(f, x = xv, y = yv) == xv * xv * yv + e, tt::tolerance(1e-15));
  const auto g = value_at(grad(f, x, y), x = xv, y = yv);
  BOOST_TEST(g[0] == 2 * xv * yv + e, tt::tolerance(1e-15));
  BOOST_TEST(g[1] == xv * xv - e, tt::tolerance(1e-15));
  const auto H = value_at(hessian(f, x, y), x = xv, y = yv);
  BOOST_TEST(H[0][0] == 2 * yv + e, tt::tolerance(1e-15));
  BOOST_TEST(H[0][1] == 2 * xv - e, tt::tolerance(1e-15));
  BOOST_TEST(H[1][0] == H[0][1]);
  BOOST_TEST(H[1][1] == e, tt::tolerance(1e-15));
  // In a constant expression too.
  static_assert(value_at(elementwise<poly_exp>(var<"x", double>{}, 2.0), var<"x", double>{} = 1.0) ==
                2.0 + math::scalar_math::exp(-1.0));
}

BOOST_AUTO_TEST_CASE(mixed_second_derivative_is_one_node_in_either_order) {
  // d2/dx dy and d2/dy dx are the same node (fn_d2_op<F, 0, 1>), so the program of both keeps one live
  // instruction of three operands (x, y, f: a derivative rule; the first derivatives are dead), not two.
  const auto f = elementwise<poly_exp>(x, y);
  using XY = std::remove_cvref_t<decltype(grad(grad(f, x), y))>;
  using YX = std::remove_cvref_t<decltype(grad(grad(f, y), x))>;
  const auto& p = detail::flat::program_v<double, math::scalar_math, XY, YX>;
  int rules = 0;
  for (std::size_t i = 0; i < p.ops; ++i) rules += p.op_nargs[i] == 3;
  BOOST_TEST(rules == 1);
  BOOST_TEST(value_at(grad(grad(f, x), y), x = 0.2, y = 0.9) == value_at(grad(grad(f, y), x), x = 0.2, y = 0.9));
  const std::string text(describe(grad(grad(f, x), y)));
  BOOST_TEST(text.find("poly_exp''") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(jvp_is_the_partials_times_the_tangents) {
  const double xv = 0.3, yv = 1.1;
  const auto f = elementwise<poly_exp>(x, y);
  const double d = value_at(jvp(f, x, 2.0 * x), x = xv, y = yv);
  const double want = poly_exp::d1<0, double>(xv, yv, 0) * 2 * xv;
  BOOST_TEST(d == want, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(numbers_are_constants_and_shapes_broadcast_in_compiled_programs) {
  var<"v", double, shape<2, 3>> v;
  var<"w", double, shape<3>> w;
  const auto f = sum(elementwise<poly_exp>(v, w)) + sum(elementwise<poly_exp>(v, 0.5));
  auto prog = compile(f, grad(f, v), grad(f, w));
  const std::vector<double> vv{0.1, -0.2, 0.3, 0.4, -0.5, 0.6}, wv{0.7, -0.8, 0.9};
  BOOST_TEST_REQUIRE(prog.run(v = vv, w = wv).ok());
  double want = 0, gw[3] = {0, 0, 0};
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      const double a = vv[r * 3 + c], b = wv[c];
      want += poly_exp::value<double>(a, b) + poly_exp::value<double>(a, 0.5);
      const double dv = poly_exp::d1<0, double>(a, b, 0) + poly_exp::d1<0, double>(a, 0.5, 0);
      BOOST_TEST(prog.get<1>()[r * 3 + c] == dv, tt::tolerance(1e-14));
      gw[c] += poly_exp::d1<1, double>(a, b, 0);  // w broadcast over rows: its adjoint sums them
    }
  BOOST_TEST(prog.get<0>()[0] == want, tt::tolerance(1e-14));
  for (int c = 0; c < 3; ++c) BOOST_TEST(prog.get<2>()[c] == gw[c], tt::tolerance(1e-14));
  const long before = ctgrad_test::heap_allocations.load();
  for (int i = 0; i < 3; ++i) BOOST_TEST_REQUIRE(prog.run(v = vv, w = wv).ok());
  BOOST_TEST(ctgrad_test::heap_allocations.load() - before == 0);
}

BOOST_AUTO_TEST_CASE(compiled_loops_and_value_at_agree_elementwise) {
  var<"v", float, shape<64>> v;
  var<"u", float, shape<64>> u;
  auto prog = compile(elementwise<poly_exp>(v, u), grad(sum(elementwise<poly_exp>(v, u)), u));
  std::vector<float> vv(64), uv(64);
  for (int i = 0; i < 64; ++i) vv[i] = -2.0f + 0.06f * float(i), uv[i] = 1.5f - 0.04f * float(i);
  BOOST_TEST_REQUIRE(prog.run(v = vv, u = uv).ok());
  var<"a", float> a;
  var<"b", float> b;
  for (int i = 0; i < 64; ++i) {
    const float value = value_at(elementwise<poly_exp>(a, b), a = vv[i], b = uv[i]);
    const float du = value_at(grad(elementwise<poly_exp>(a, b), b), a = vv[i], b = uv[i]);
    BOOST_TEST(prog.get<0>()[i] == value, tt::tolerance(4e-7f));
    BOOST_TEST(prog.get<1>()[i] == du, tt::tolerance(4e-7f));
  }
}

BOOST_AUTO_TEST_CASE(a_function_without_d2_has_gradients_but_no_second_derivatives) {
  BOOST_TEST(ops::fn_has_d2<poly_exp>());
  BOOST_TEST(!ops::fn_has_d2<poly_exp_wrong>());
  BOOST_TEST(!ops::fn_has_d2<kinked>());
  const auto g = value_at(grad(elementwise<kinked>(x), x), x = 2.0);
  BOOST_TEST(g == 2.0);
  // check_function makes no order-2 row for it.
  check::suite_options o;
  o.points = 4;
  const auto rows = check::check_function<kinked>({check::interval{-3, 3}}, o);
  BOOST_TEST_REQUIRE(rows.ok());
  BOOST_TEST(rows->size() == 2u);  // order 1, float and double
  for (const auto& r : *rows) BOOST_TEST(r.order == 1);
}

BOOST_AUTO_TEST_CASE(check_function_passes_correct_rules_in_both_orders_and_dtypes) {
  const auto rows = check::check_function<poly_exp>({check::interval{-1, 1}, check::interval{-1, 1}});
  BOOST_TEST_REQUIRE(rows.ok());
  BOOST_TEST(rows->size() == 4u);
  for (const auto& r : *rows) {
    BOOST_TEST(r.passed, r.function << " order " << r.order << ": " << r.detail);
    BOOST_TEST(r.points > 12u);  // the scalar points and the vector's elements
  }
}

BOOST_AUTO_TEST_CASE(check_function_catches_a_partial_off_by_1e_minus_3) {
  const auto rows = check::check_function<poly_exp_wrong>({check::interval{-1, 1}, check::interval{-1, 1}});
  BOOST_TEST_REQUIRE(rows.ok());
  BOOST_TEST_REQUIRE(rows->size() == 2u);
  for (const auto& r : *rows) {
    BOOST_TEST(!r.passed);
    BOOST_TEST(r.detail.find("x2") != std::string::npos, r.detail);  // the second argument is named
  }
}

BOOST_AUTO_TEST_CASE(check_function_keeps_points_away_from_declared_kinks) {
  check::suite_options o;
  o.points = 64;
  o.orders = {1};
  const auto rows = check::check_function<kinked>({check::interval{0.9, 1.1}}, o);
  BOOST_TEST_REQUIRE(rows.ok());
  for (const auto& r : *rows) BOOST_TEST(r.passed, r.detail);
}

BOOST_AUTO_TEST_CASE(rules_are_checked_against_their_value_at_compile_time) {
  constexpr std::array<std::array<double, 2>, 3> points{{{0.3, 0.5}, {-0.7, 1.1}, {1.4, -0.2}}};
  static_assert(check::rules_agree_at<poly_exp>(points).ok);
  constexpr auto wrong = check::rules_agree_at<poly_exp_wrong>(points);
  static_assert(!wrong.ok && wrong.order == 1 && wrong.argument == 1);  // the partial in y is named
  static_assert(check::rules_agree_at<kinked>(std::array<std::array<double, 1>, 2>{{{0.5}, {2.5}}}).ok);
}

BOOST_AUTO_TEST_CASE(check_function_rejects_bad_options_with_a_message) {
  check::suite_options o;
  o.points = 0;
  auto r = check::check_function<poly_exp>({check::interval{-1, 1}, check::interval{-1, 1}}, o);
  BOOST_TEST(!r.ok());
  BOOST_TEST(std::string(r.status().message()).find("points") != std::string::npos);
  r = check::check_function<poly_exp>({check::interval{1, -1}, check::interval{-1, 1}});
  BOOST_TEST(!r.ok());
  BOOST_TEST(std::string(r.status().message()).find("argument 0") != std::string::npos);
  o.points = 3;
  o.orders = {3};
  r = check::check_function<poly_exp>({check::interval{-1, 1}, check::interval{-1, 1}}, o);
  BOOST_TEST(!r.ok());
}

BOOST_AUTO_TEST_CASE(a_shared_part_is_computed_once_for_the_value_and_its_derivatives) {
  static_assert(ops::fn_has_shared<x_exp>() && ops::fn_has_shared<fn::sigmoid>() && ops::fn_has_shared<fn::tanh>());
  static_assert(!ops::fn_has_shared<poly_exp>() && !ops::fn_has_shared<kinked>());
  // f = x_exp(x y) + x: its value and gradient read e^(x y) once (the value's and d1's, one instruction).
  const auto f = elementwise<x_exp>(x * y) + x;
  using G = std::remove_cvref_t<decltype(grad(f, y))>;  // one lazy gradient (a set is not a root)
  BOOST_TEST((shared_parts<x_exp, G>()) == 1);
  const double xv = 0.7, yv = -1.3, e = std::exp(xv * yv);
  const auto [v, g] = value_and_grad_at(grad(f, x, y), x = xv, y = yv);
  BOOST_TEST(v == xv * yv * e + xv, tt::tolerance(1e-15));
  BOOST_TEST(g[0] == (1 + xv * yv) * e * yv + 1, tt::tolerance(1e-15));
  BOOST_TEST(g[1] == (1 + xv * yv) * e * xv, tt::tolerance(1e-15));
  // Second derivatives go through d2 (fn_given_op's rule), forward mode through d1.
  const auto H = value_at(hessian(elementwise<x_exp>(x), x), x = xv);
  BOOST_TEST(H[0][0] == (2 + xv) * std::exp(xv), tt::tolerance(1e-15));
  BOOST_TEST(value_at(jvp(elementwise<x_exp>(x), x, 3.0 * y), x = xv, y = 1.0) == 3 * (1 + xv) * std::exp(xv),
             tt::tolerance(1e-15));
  static_assert(value_at(grad(elementwise<x_exp>(x), x), x = 0.0) == 1.0);  // constant evaluation too
  // The activations that declare one: sigmoid's exp(-|u|) and tanh's exp(-2|u|), once each.
  const auto a = sigmoid(x * y) + tanh(x);
  using A = std::remove_cvref_t<decltype(grad(a, x))>;
  BOOST_TEST((shared_parts<fn::sigmoid, A>()) == 1);
  BOOST_TEST((shared_parts<fn::tanh, A>()) == 1);
}

BOOST_AUTO_TEST_CASE(value_at_and_compiled_loops_agree_on_shared_parts) {
  // The flat program computes value and d1 from the shared part; compile()'s loops call value and d1
  // (each of which computes it): the same arithmetic (to the compiler's multiply-add contraction).
  var<"v", double, shape<41>> v;
  auto prog = compile(sigmoid(v) + tanh(v) + elementwise<x_exp>(v), grad(sum(sigmoid(v) + tanh(v) + elementwise<x_exp>(v)), v));
  std::vector<double> vv(41);
  for (int i = 0; i < 41; ++i) vv[std::size_t(i)] = -20.0 + 1.0 * i + 0.0123 * i;
  BOOST_TEST_REQUIRE(prog.run(v = vv).ok());
  for (std::size_t i = 0; i < vv.size(); ++i) {
    const auto f = sigmoid(x) + tanh(x) + elementwise<x_exp>(x);
    BOOST_TEST(prog.get<0>()[i] == value_at(f, x = vv[i]), tt::tolerance(1e-15));
    BOOST_TEST(prog.get<1>()[i] == value_at(grad(f, x), x = vv[i]), tt::tolerance(1e-15));
  }
}

BOOST_AUTO_TEST_SUITE_END()
