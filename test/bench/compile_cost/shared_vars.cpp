// Compile cost of a wide sum whose variables are shared by many terms: f = sum_i tanh(a_i) a_j +
// a_i a_k (j = 7i + 1, k = 3i + 2, mod N), N = CTGRAD_CC_N variables, each in about five terms;
// value_and_grad_at of its gradient with respect to all N.
#include <array>
#include <utility>

#include "ctgrad/scalar.hpp"  // the entry header for scalar functions

constexpr int n = CTGRAD_CC_N;
template <int I> using avar = ctgrad::var<ctgrad::indexed_name<'a', I + 1>(), double>;

template <std::size_t... I>
std::pair<double, std::array<double, n>> gradient(const std::array<double, n>& x, std::index_sequence<I...>) {
  const auto f = ((ctgrad::tanh(avar<int(I)>{}) * avar<int((7 * I + 1) % n)>{} +
                   avar<int(I)>{} * avar<int((3 * I + 2) % n)>{}) + ...);
  auto [v, g] = ctgrad::value_and_grad_at(ctgrad::grad(f, avar<int(I)>{}...), (avar<int(I)>{} = x[I])...);
  return {v, g};
}
std::pair<double, std::array<double, n>> shared_gradient(const std::array<double, n>& x) {
  return gradient(x, std::make_index_sequence<n>{});
}
