// W6 compile cost, autodiff/inspect.hpp on the W5 function f(a) = sum_i sigmoid(a_i a_{i+1}) +
// tanh(a_i) exp(0.1 a_i) + log(1 + a_i^2) (indices mod N): its description (describe, a compile-time
// string) and its structural Hessian pattern with respect to all N variables. N = CTGRAD_CC_N.
// Compiled (not run) by test/bench/compile_cost.sh; one function, as a user writes it.
#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include "ctgrad/scalar.hpp"  // the entry header for scalar functions

constexpr int n = CTGRAD_CC_N;
template <int I> using avar = ctgrad::var<ctgrad::indexed_name<'a', I + 1>(), double>;

template <class U, class V> constexpr auto term(const U& u, const V& v) {
  return ctgrad::sigmoid(u * v) + ctgrad::tanh(u) * ctgrad::exp(u * 0.1) + ctgrad::log(1.0 + u * u);
}
template <std::size_t... I> std::pair<std::string_view, std::array<std::array<bool, n>, n>> inspect(std::index_sequence<I...>) {
  constexpr auto f = (term(avar<int(I)>{}, avar<int((I + 1) % n)>{}) + ...);
  constexpr auto h = ctgrad::hessian_pattern<avar<int(I)>...>(f);
  return {ctgrad::describe(f).view(), h};
}
std::pair<std::string_view, std::array<std::array<bool, n>, n>> w5_inspect() {
  return inspect(std::make_index_sequence<n>{});
}
