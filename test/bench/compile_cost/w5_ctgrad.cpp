// W5 compile cost, ctgrad: the gradient of f(a) = sum_i sigmoid(a_i a_{i+1}) + tanh(a_i) exp(0.1 a_i)
// + log(1 + a_i^2) (indices mod N) with respect to all N variables, evaluated with value_and_grad_at.
// N = CTGRAD_CC_N. Compiled (not run) by test/bench/compile_cost.sh; one function, as a user writes it.
#include <array>
#include <utility>

#include "ctgrad/scalar.hpp"  // the entry header for scalar functions

constexpr int n = CTGRAD_CC_N;
template <int I> using avar = ctgrad::var<ctgrad::indexed_name<'a', I + 1>(), double>;

template <class U, class V> constexpr auto term(const U& u, const V& v) {
  return ctgrad::sigmoid(u * v) + ctgrad::tanh(u) * ctgrad::exp(u * 0.1) + ctgrad::log(1.0 + u * u);
}
template <std::size_t... I> std::pair<double, std::array<double, n>> gradient(const std::array<double, n>& x,
                                                                              std::index_sequence<I...>) {
  const auto f = (term(avar<int(I)>{}, avar<int((I + 1) % n)>{}) + ...);
  auto [v, g] = ctgrad::value_and_grad_at(ctgrad::grad(f, avar<int(I)>{}...), (avar<int(I)>{} = x[I])...);
  return {v, g};
}
std::pair<double, std::array<double, n>> w5_gradient(const std::array<double, n>& x) {
  return gradient(x, std::make_index_sequence<n>{});
}
