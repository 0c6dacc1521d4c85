// Tests for the math policy of activations (core/math.hpp, "math policies"; fn/activate.hpp):
// value_at and value_and_grad_at evaluate an activation as a batch (autodiff/lower.hpp, exec_batch:
// math::loop_math, lane_width lanes at a time), compile()'s loops through math::loop_math too; with
// CTGRAD_VALUE_AT_BATCHES=0, value_at evaluates through math::scalar_math (eval/value_at_unbatched_test);
// an activation whose value/d1/d2 take only T (a user's, written before the policy existed, or one
// that needs none) works in both, computing the same values. Batches on whatever the target (their
// default is on with AVX2 only).
#define CTGRAD_VALUE_AT_BATCHES 1
#define BOOST_TEST_MODULE activation_policy
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "support/policy_probe.hpp"

using namespace ctgrad;

// A named namespace (see support/policy_probe.hpp).
namespace policy_test {

// The same function written with T alone.
struct plain_softexp : softexp_info {
  static constexpr std::string_view name = "plain_softexp";
  template <class T> static constexpr T value(T x) noexcept { return math::expm1(x); }
  template <class T> static constexpr T d1(T x, T /*y*/) noexcept { return math::exp(x); }
  template <class T> static constexpr T d2(T x, T /*y*/) noexcept { return math::exp(x); }
};

}  // namespace policy_test

using namespace policy_test;

BOOST_AUTO_TEST_CASE(value_at_batches_and_compiled_loops_use_loop_math) {
  constexpr var<"a", double> a{};
  constexpr int lanes = detail::flat::lane_width<double>;  // a batch of one computes a whole vector
  const auto y = activate<policy_probe>(a);
  const auto g = grad(y, a);
  scalar_calls = loop_calls = 0;
  BOOST_TEST(value_at(y, a = 0.5) == math::expm1(0.5));
  BOOST_TEST(value_at(g, a = 0.5) == math::exp(0.5));
  BOOST_TEST(scalar_calls == 0);
  BOOST_TEST(loop_calls == 3 * lanes);  // the value, then the gradient's d1 and the value it reads
  constexpr var<"b", double> b{};
  const auto gs = grad(activate<policy_probe>(a) * b, a, b);  // a gradient set: value_and_grad_at
  scalar_calls = loop_calls = 0;
  const auto [f, d] = value_and_grad_at(gs, a = 0.5, b = 2.0);
  BOOST_TEST(f == 2.0 * math::expm1(0.5));
  BOOST_TEST(d[0] == 2.0 * math::exp(0.5));
  BOOST_TEST(d[1] == math::expm1(0.5));
  BOOST_TEST(scalar_calls == 0);
  BOOST_TEST(loop_calls == 2 * lanes);  // value and d1, once each: shared between f and the gradients

  const var<"v", double, shape<dyn>> x;
  const auto loss = sum(activate<policy_probe>(x));
  auto prog = compile(loss, grad(loss, x));
  scalar_calls = loop_calls = 0;
  const std::vector<double> xs{-1.0, 0.5, 3.0};
  BOOST_TEST_REQUIRE(prog.run(x = xs).ok());
  BOOST_TEST(scalar_calls == 0);
  BOOST_TEST(loop_calls == 6);  // value and d1 per element
  BOOST_TEST(prog.get<1>()[1] == math::exp(0.5));
  static_assert(value_at(grad(activate<policy_probe>(a), a), a = 0.0) == 1.0, "constant evaluation as before");
}

BOOST_AUTO_TEST_CASE(an_activation_written_with_t_alone_works_in_every_evaluator) {
  constexpr var<"a", double> a{};
  const auto y = activate<plain_softexp>(a);
  BOOST_TEST(value_at(y, a = 0.5) == math::expm1(0.5));
  BOOST_TEST(value_at(grad(y, a), a = 0.5) == math::exp(0.5));
  BOOST_TEST(value_at(grad(grad(y, a), a), a = 0.5) == math::exp(0.5));

  const var<"v", float, shape<dyn>> x;
  const auto loss = sum(activate<plain_softexp>(x));
  auto prog = compile(loss, grad(loss, x));
  const std::vector<float> xs{-1.0f, 0.5f, 3.0f};
  BOOST_TEST_REQUIRE(prog.run(x = xs).ok());
  for (std::size_t i = 0; i < xs.size(); ++i) BOOST_TEST(prog.get<1>()[i] == math::exp(xs[i]));
  static_assert(value_at(activate<plain_softexp>(a), a = 0.0) == 0.0, "constant evaluation");
}

BOOST_AUTO_TEST_CASE(the_builtin_functions_give_the_same_bits_through_value_at_as_through_the_definition) {
  // sigmoid, tanh, exp and log in value_at (scalar_math) against their definitions (loop_math).
  constexpr var<"a", double> a{};
  for (double x : {-30.0, -2.5, -0.3, 0.0, 0.4, 0.7, 5.0, 25.0}) {
    BOOST_TEST(value_at(sigmoid(a), a = x) == fn::sigmoid::value(x));
    BOOST_TEST(value_at(ctgrad::tanh(a), a = x) == fn::tanh::value(x));
    BOOST_TEST(value_at(ctgrad::exp(a), a = x) == math::exp(x));
    // (log of a variable: an argument computed in the expression, such as a * a + 1, may be rounded
    // differently from the same formula in this file, which the compiler may contract into an FMA.)
    const double q = std::fabs(x) + 0.25;
    BOOST_TEST(value_at(ctgrad::log(a), a = q) == math::log(q));
  }
}
