// Every activation's derivative rules checked against its own value at compile time: at points away
// from its kinks, with its default parameters and with every parameter scaled by 1.5, d1 must agree
// with a central difference of value and d2 with a central difference of d1 (in double, h = 1e-4,
// where the difference's own error is about 1e-9). A wrong rule (a wrong sign, a dropped factor, a
// relative error of 1e-6 or more away from the derivative's zeros) makes this file, and so
// libctgrad_support, fail to compile, with the activation named in the error's instantiation line.
// test/fn/derivative_rules_test.cpp shows that the check rejects wrong rules.
#include "ctgrad/fn/derivative_check.hpp"
#include "ctgrad/fn/registry.hpp"

namespace ctgrad::detail {
namespace {
template <class... Fs> constexpr bool check_all(type_list<Fs...>*) {
  return (derivative_rules_agree<Fs>() && ...);
}
static_assert(check_all(static_cast<activation_list*>(nullptr)),
              "derivative rules: an activation's d1 or d2 disagrees with a central difference of its value");
}  // namespace
}  // namespace ctgrad::detail
