// Tests for ctgrad/fn/derivative_check.hpp, the compile-time check of every activation's derivative
// rules that src/fn/derivative_rules.cpp static_asserts: every registered activation passes, and
// wrong rules are rejected in a constant evaluation: a relative error of 1e-6 in d1, a wrong sign of
// d2, a factor dropped that matters only for non-default parameters, a wrong second derivative of a
// smooth activation.
#define BOOST_TEST_MODULE derivative_rules
#include <boost/test/unit_test.hpp>

#include <string_view>

#include "ctgrad/fn/derivative_check.hpp"
#include "ctgrad/fn/registry.hpp"

using namespace ctgrad;
using detail::check_rules;

namespace {
// d1 off by a relative 1e-6.
struct sigmoid_d1_rel : fn::sigmoid {
  template <class T, class M = math::loop_math> static constexpr T d1(T x, T y) noexcept {
    return fn::sigmoid::d1<T, M>(x, y) * T(1 + 1e-6);
  }
};
// d2 with the wrong sign.
struct tanh_d2_sign : fn::tanh {
  template <class T, class M = math::loop_math> static constexpr T d2(T x, T y) noexcept { return -fn::tanh::d2<T, M>(x, y); }
};
// The slope of the negative side fixed at the default: right for the default parameter only.
struct leaky_relu_default_slope : fn::leaky_relu {
  template <class T, class M = math::loop_math> static constexpr T d1(T x, T y, T) noexcept {
    return fn::leaky_relu::d1<T, M>(x, y, T(0.01));
  }
};
// gelu's d2 off by 1e-4 relative.
struct gelu_d2_rel : fn::gelu {
  template <class T, class M = math::loop_math> static constexpr T d2(T x, T y) noexcept {
    return fn::gelu::d2<T, M>(x, y) * T(1 + 1e-4);
  }
};

template <class... Fs> constexpr bool all_pass(type_list<Fs...>*) {
  return ((check_rules<Fs>(1.0).ok && check_rules<Fs>(1.5).ok) && ...);
}
}  // namespace

BOOST_AUTO_TEST_CASE(every_registered_activation_passes_at_compile_time) {
  static_assert(all_pass(static_cast<activation_list*>(nullptr)));
  static_assert(detail::derivative_rules_agree<fn::gelu_tanh>());
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_CASE(wrong_rules_are_rejected_in_a_constant_evaluation) {
  constexpr auto a = check_rules<sigmoid_d1_rel>();
  static_assert(!a.ok && a.order == 1);
  constexpr auto b = check_rules<tanh_d2_sign>();
  static_assert(!b.ok && b.order == 2);
  static_assert(check_rules<leaky_relu_default_slope>(1.0).ok);  // right at the default...
  constexpr auto c = check_rules<leaky_relu_default_slope>(1.5);
  static_assert(!c.ok && c.order == 1 && c.x < 0);  // ...wrong for another slope, on the negative side
  constexpr auto d = check_rules<gelu_d2_rel>();
  static_assert(!d.ok && d.order == 2);
  BOOST_TEST(a.rule != a.difference);
}
