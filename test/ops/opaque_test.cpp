// Tests for ctgrad/ops/opaque.hpp: a routine ctgrad cannot see (an explicit Euler integrator) as a
// graph node: its value in compile()'s programs, grad around it (gradient checker and closed form),
// jvp with the user's rule and past an op without one, a failing routine's status, no allocation
// per run, describe().
#define BOOST_TEST_MODULE opaque
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ctgrad/check/boost_test.hpp"
#include "ctgrad/check/graph.hpp"
#include "ctgrad/ctgrad.hpp"

#include "support/count_allocations.hpp"  // ctgrad_test::heap_allocations

using namespace ctgrad;
namespace tt = boost::test_tools;
namespace check = ctgrad::check;

namespace {

constexpr int steps = 50;
constexpr double h = 0.02;

// y(1) of dy/dt = -theta0 y + theta1 for three initial values, by `steps` explicit Euler steps
// y <- a y + h theta1, a = 1 - h theta0. Its vjp reverses the steps (exact to rounding).
struct integrate {
  static constexpr std::string_view name = "integrate";
  using inputs = type_list<shape<2>, shape<3>>;
  using output = shape<3>;
  static inline int value_calls = 0, vjp_calls = 0;
  template <class T>
  static absl::Status value(std::span<const T> theta, std::span<const T> start, std::span<T> y) {
    ++value_calls;
    if (h * theta[0] >= 1) return absl::InvalidArgumentError("step too large for theta0");
    const T a = T(1) - T(h) * theta[0];
    for (std::size_t j = 0; j < y.size(); ++j) {
      T v = start[j];
      for (int n = 0; n < steps; ++n) v = a * v + T(h) * theta[1];
      y[j] = v;
    }
    return absl::OkStatus();
  }
  template <class T>
  static void vjp(std::span<const T> theta, std::span<const T> start, std::span<const T>, std::span<const T> ybar,
                  std::span<T> theta_bar, std::span<T> y0_bar) {
    ++vjp_calls;
    const T a = T(1) - T(h) * theta[0];
    theta_bar[0] = theta_bar[1] = T(0);
    for (std::size_t j = 0; j < start.size(); ++j) {
      std::array<T, steps + 1> traj{};  // y_n, recomputed (the adjoint of y_{n+1} = a y_n + h theta1)
      traj[0] = start[j];
      for (int n = 0; n < steps; ++n) traj[n + 1] = a * traj[n] + T(h) * theta[1];
      T lambda = ybar[j];
      for (int n = steps - 1; n >= 0; --n) {
        theta_bar[0] += lambda * (-T(h) * traj[n]);
        theta_bar[1] += lambda * T(h);
        lambda *= a;
      }
      y0_bar[j] = lambda;
    }
  }
  // J dx for input I: the tangent pushed through the same steps.
  template <std::size_t I, class T>
  static void jvp(std::span<const T> theta, std::span<const T> start, std::span<const T>, std::span<const T> dx,
                  std::span<T> dy) {
    const T a = T(1) - T(h) * theta[0];
    for (std::size_t j = 0; j < start.size(); ++j) {
      T v = start[j], d = I == 1 ? dx[j] : T(0);
      for (int n = 0; n < steps; ++n) {
        if constexpr (I == 0) d = a * d - T(h) * v * dx[0] + T(h) * dx[1];
        else d = a * d;
        v = a * v + T(h) * theta[1];
      }
      dy[j] = d;
    }
  }
};

// The same routine without a jvp: forward mode must not pass through it.
struct integrate_no_jvp {
  static constexpr std::string_view name = "integrate_no_jvp";
  using inputs = integrate::inputs;
  using output = integrate::output;
  template <class T> static absl::Status value(std::span<const T> t, std::span<const T> start, std::span<T> y) {
    return integrate::value(t, start, y);
  }
  template <class T>
  static void vjp(std::span<const T> t, std::span<const T> start, std::span<const T> y, std::span<const T> yb,
                  std::span<T> tb, std::span<T> y0b) {
    integrate::vjp(t, start, y, yb, tb, y0b);
  }
};

var<"theta", double, shape<2>> theta;
var<"y0", double, shape<3>> start;
var<"target", double, shape<3>> target;
const std::vector<double> theta_v{1.3, 0.4}, y0_v{0.5, -1.0, 2.0}, target_v{0.1, 0.2, 0.3};

double euler(double t0, double t1, double start) {
  double v = start;
  for (int n = 0; n < steps; ++n) v = (1 - h * t0) * v + h * t1;
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(value_through_compile_matches_the_routine) {
  auto y = opaque<integrate>(theta, start);
  static_assert(std::is_same_v<shape_t<decltype(y)>, shape<3>>);
  auto prog = compile(y, sum(y * 2.0));
  BOOST_TEST_REQUIRE(prog.run(theta = theta_v, start = y0_v).ok());
  double total = 0;
  for (std::size_t j = 0; j < 3; ++j) {
    BOOST_TEST(prog.get<0>()[j] == euler(theta_v[0], theta_v[1], y0_v[j]), tt::tolerance(1e-14));
    total += 2 * euler(theta_v[0], theta_v[1], y0_v[j]);
  }
  BOOST_TEST(prog.get<1>()[0] == total, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(gradient_of_a_loss_around_the_op_passes_the_checker) {
  auto loss = sum(square(opaque<integrate>(theta, start) - target));
  CTGRAD_CHECK_GRADIENTS(check::check_gradients(loss, check::wrt(theta, start), theta = theta_v, start = y0_v,
                                                target = target_v));
}

BOOST_AUTO_TEST_CASE(gradient_matches_the_closed_form_and_calls_vjp_once) {
  // y_N = a^N start + h theta1 (1 + a + ... + a^(N-1)), a = 1 - h theta0.
  auto loss = sum(square(opaque<integrate>(theta, start) - target));
  auto gs = grad(loss, theta, start);
  auto prog = compile(gs);
  integrate::vjp_calls = 0;
  BOOST_TEST_REQUIRE(prog.run(theta = theta_v, start = y0_v, target = target_v).ok());
  BOOST_TEST(integrate::vjp_calls == 1);  // one packed adjoint for both inputs (CSE)
  const double a = 1 - h * theta_v[0];
  double geo = 0, dgeo = 0;  // sum a^k, sum k a^(k-1)
  for (int k = 0; k < steps; ++k) geo += std::pow(a, k), dgeo += k * std::pow(a, k - 1);
  double dtheta0 = 0, dtheta1 = 0;
  for (std::size_t j = 0; j < 3; ++j) {
    const double r = 2 * (euler(theta_v[0], theta_v[1], y0_v[j]) - target_v[j]);
    BOOST_TEST(prog[gs[start]][j] == r * std::pow(a, steps), tt::tolerance(1e-12));
    dtheta0 += r * (steps * std::pow(a, steps - 1) * y0_v[j] + h * theta_v[1] * dgeo) * -h;
    dtheta1 += r * h * geo;
  }
  BOOST_TEST(prog[gs[theta]][0] == dtheta0, tt::tolerance(1e-12));
  BOOST_TEST(prog[gs[theta]][1] == dtheta1, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(float_graph_and_expression_arguments) {
  var<"tf", float, shape<2>> tf;
  var<"yf", float, shape<3>> yf;
  auto loss = sum(tanh(opaque<integrate>(tf * 1.5f, exp(yf))));
  CTGRAD_CHECK_GRADIENTS(check::check_gradients(loss, check::wrt(tf, yf), tf = std::vector<float>{0.8f, 0.3f},
                                                yf = std::vector<float>{0.1f, -0.2f, 0.3f}));
}

// A scalar routine: y = x^3 by repeated multiplication, its vjp 3 x^2 ybar.
struct cube {
  static constexpr std::string_view name = "cube";
  using inputs = type_list<shape<>>;
  using output = shape<>;
  template <class T> static void value(std::span<const T> x, std::span<T> y) { y[0] = x[0] * x[0] * x[0]; }
  template <class T> static void vjp(std::span<const T> x, std::span<const T>, std::span<const T> ybar, std::span<T> xbar) {
    xbar[0] = 3 * x[0] * x[0] * ybar[0];
  }
};

BOOST_AUTO_TEST_CASE(scalar_variables_are_checked_through_compile_not_value_at) {
  var<"a", double> a;
  var<"b", double> b;
  auto f = opaque<cube>(a * b) + tanh(a);
  CTGRAD_CHECK_GRADIENTS(check::check_gradients(f, check::wrt(a, b), a = 0.7, b = -1.3));
  auto prog = compile(grad(f, a, b));
  BOOST_TEST_REQUIRE(prog.run(a = 0.7, b = -1.3).ok());
  BOOST_TEST(prog[grad(f, a, b)[b]][0] == 3 * std::pow(0.7 * -1.3, 2) * 0.7 + 0.0, tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(a_literal_argument_is_read_from_the_programs_literals) {
  var<"a", double> a;
  const auto two = lit<double, 0>{2.0};  // the one child a program does not give a buffer
  auto prog = compile(opaque<cube>(two) * a, opaque<cube>(a));
  BOOST_TEST_REQUIRE(prog.run(a = 3.0).ok());
  BOOST_TEST(prog.get<0>()[0] == 24.0);
  BOOST_TEST(prog.get<1>()[0] == 27.0);
}

BOOST_AUTO_TEST_CASE(a_failing_routine_ends_the_run_with_its_status) {
  auto prog = compile(grad(sum(opaque<integrate>(theta, start)), theta, start));
  const absl::Status st = prog.run(theta = std::vector<double>{60.0, 0.0}, start = y0_v);
  BOOST_TEST(st.code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(st.message()) == "opaque op 'integrate': step too large for theta0");
  BOOST_TEST(prog.run(theta = theta_v, start = y0_v).ok());  // and the program runs again
}

BOOST_AUTO_TEST_CASE(runs_make_no_heap_allocation) {
  auto loss = sum(square(opaque<integrate>(theta, start) - target));
  auto prog = compile(loss, grad(loss, theta, start));
  BOOST_TEST_REQUIRE(prog.run(theta = theta_v, start = y0_v, target = target_v).ok());
  const long before = ctgrad_test::heap_allocations.load();
  for (int i = 0; i < 5; ++i) BOOST_TEST_REQUIRE(prog.run(theta = theta_v, start = y0_v, target = target_v).ok());
  BOOST_TEST(ctgrad_test::heap_allocations.load() - before == 0);
}

BOOST_AUTO_TEST_CASE(jvp_uses_the_users_rule_for_each_input) {
  auto f = opaque<integrate>(theta, start) * 3.0;
  const std::vector<double> dtheta{0.7, -0.2}, dy0{1.0, 0.5, -0.25};
  BOOST_TEST(check::passed(check::check_jvp(f, check::wrt(theta), dtheta, theta = theta_v, start = y0_v)));
  BOOST_TEST(check::passed(check::check_jvp(f, check::wrt(start), dy0, theta = theta_v, start = y0_v)));
  // Both inputs depend on one variable: the two rules' terms add.
  var<"s", double, shape<2>> s;
  auto g = opaque<integrate>(s, sum(s) + start);
  BOOST_TEST(check::passed(check::check_jvp(g, check::wrt(s), dtheta, s = theta_v, start = y0_v)));
}

BOOST_AUTO_TEST_CASE(jvp_passes_an_op_without_a_rule_that_gets_no_tangent) {
  var<"x", double, shape<3>> x;
  auto f = opaque<integrate_no_jvp>(theta, start) * tanh(x);  // the tangent of x does not reach the op
  const std::vector<double> dx{1.0, 2.0, 3.0}, xv{0.1, 0.2, 0.3};
  BOOST_TEST(check::passed(check::check_jvp(f, check::wrt(x), dx, theta = theta_v, start = y0_v, x = xv)));
  // and grad through it works without one
  CTGRAD_CHECK_GRADIENTS(check::check_gradients(sum(f), check::wrt(theta, x), theta = theta_v, start = y0_v, x = xv));
}

BOOST_AUTO_TEST_CASE(describe_names_the_op_and_its_derivative_nodes) {
  auto loss = sum(opaque<integrate>(theta, start));
  const std::string text(describe(grad(loss, theta, start)).view());
  BOOST_TEST(text.find("= integrate(%0, %1) : double[3]") != std::string::npos, text);
  BOOST_TEST(text.find("integrate'(%0, %1, %2, ") != std::string::npos, text);
  BOOST_TEST(text.find("integrate'[0](") != std::string::npos, text);
  BOOST_TEST(text.find("integrate'[1](") != std::string::npos, text);
  static_assert(depends_on_v<decltype(loss), decltype(theta)> && depends_on_v<decltype(loss), decltype(start)>);
}
